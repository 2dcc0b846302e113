// Entry throttles (entry.throttle {"max", "per"}): how many users may enter a journey per period. The
// counters live in shared memory (no hot row updated on the trigger path); without the preload each
// backend counts on its own. Counting is not transactional: an entry whose transaction aborts still counts.
#pragma once
#include "pg/postgres.hpp"

#include "core/graph.hpp"

#include <string>
#include <vector>

namespace journey {

void ThrottleShmemRequest();  // from shmem_request_hook
void ThrottleShmemStartup();  // from shmem_startup_hook

// Counts an entry into `journey` at `at` when the period's cap allows it; otherwise counts a refusal.
bool ThrottleAdmit(const std::string &journey, const Throttle &throttle, Timestamp at);
// Takes back an admitted entry that did not happen (the user was already in the journey).
void ThrottleUndo(const std::string &journey, const Throttle &throttle, Timestamp at);

struct ThrottleStat {
	std::string journey;
	Timestamp window_start = 0;
	int64_t entered = 0;
	int64_t refused = 0;
};
std::vector<ThrottleStat> ThrottleStats();

}	 // namespace journey
