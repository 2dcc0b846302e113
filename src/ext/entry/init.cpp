// _PG_init: settings, shared memory for waking the scheduler, the scheduler workers.
#include "pg/postgres.hpp"

#include "ext/entry/scheduler.hpp"
#include "ext/entry/settings.hpp"
#include "ext/shmem/throttle.hpp"
#include "ext/shmem/wakeup.hpp"

extern "C" {
#include "miscadmin.h"
#include "storage/ipc.h"

PG_MODULE_MAGIC;

PGDLLEXPORT void _PG_init(void);
}

namespace {

shmem_request_hook_type g_prev_shmem_request = nullptr;
shmem_startup_hook_type g_prev_shmem_startup = nullptr;

void
ShmemRequest()
{
	if (g_prev_shmem_request)
		g_prev_shmem_request();
	journey::WakeupShmemRequest();
	journey::ThrottleShmemRequest();
}

void
ShmemStartup()
{
	if (g_prev_shmem_startup)
		g_prev_shmem_startup();
	journey::WakeupShmemStartup();
	journey::ThrottleShmemStartup();
}

}	 // namespace

void
_PG_init(void)
{
	journey::DefineSettings(process_shared_preload_libraries_in_progress);
	if (!process_shared_preload_libraries_in_progress)
		return;	 // loaded on demand: journey.run_due() does the scheduler's work
	g_prev_shmem_request = shmem_request_hook;
	shmem_request_hook = ShmemRequest;
	g_prev_shmem_startup = shmem_startup_hook;
	shmem_startup_hook = ShmemStartup;
	journey::RegisterSchedulerWorkers();
	journey::WakeOnCommitPrepared();
}
