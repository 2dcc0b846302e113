// Entry throttles (entry.throttle {"max", "per"}): how many users may enter a journey per period of the
// real clock (the transaction's start: an event dated in the future or the past counts in the period it
// arrives in, and never moves the window). The counters live in shared memory (no hot row updated on the
// trigger path); without the preload each backend counts on its own. An entry counts when it is admitted
// and is taken back when its transaction or subtransaction aborts; concurrent transactions see the count
// before that (a burst may be refused for entries that abort later). A slot whose period ended is reused
// when the table is full (2,048 throttled journeys per server at once).
#pragma once
#include "pg/postgres.hpp"

#include "core/graph.hpp"

#include <string>
#include <vector>

namespace journey {

void ThrottleShmemRequest();  // from shmem_request_hook
void ThrottleShmemStartup();  // from shmem_startup_hook

// Counts an entry into `journey` now when the period's cap allows it; otherwise counts a refusal.
bool ThrottleAdmit(const std::string &journey, const Throttle &throttle);
// Takes back an admitted entry that did not happen (the user was already in the journey).
void ThrottleUndo(const std::string &journey, const Throttle &throttle);

struct ThrottleStat {
	std::string journey;
	Timestamp window_start = 0;
	int64_t entered = 0;
	int64_t refused = 0;
};
std::vector<ThrottleStat> ThrottleStats();

}	 // namespace journey
