// Waking the scheduler: each worker publishes in shared memory when it plans to wake next; a backend
// that commits a step due earlier sets that worker's latch at commit.
#pragma once
#include "pg/postgres.hpp"

#include "core/time.hpp"

extern "C" {
#include "storage/latch.h"
}

namespace journey {

constexpr int kMaxSchedulerWorkers = 32;

void WakeupShmemRequest();	// from shmem_request_hook
void WakeupShmemStartup();	// from shmem_startup_hook

// A step of this transaction is due at `at`: wake a sleeping worker at commit if that is earlier.
void NoteWake(Timestamp at);

// From _PG_init (preloaded): COMMIT PREPARED wakes the workers when it commits (a prepared transaction's
// steps were not visible at PREPARE).
void WakeOnCommitPrepared();

// The worker `slot` sleeps until `planned` (or is busy: pass the earliest timestamp).
void PublishPlannedWake(int slot, Latch *latch, Oid database, Timestamp planned);

}	 // namespace journey
