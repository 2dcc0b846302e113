// Entries collected over one INSERT statement into a tracked event table and written together: the
// instances by one INSERT … ON CONFLICT DO NOTHING RETURNING (InstanceInserts), then, for the ones the
// one-active index let in, their entry counts by one UPDATE and their first step's outbox rows by one
// INSERT. A refused entry (already active) undoes its throttle admission and writes nothing.
//
// The engine keeps the batch consistent with entering one by one: it holds at most one pending entry per
// user and journey, and writes the batch before anything reads instances or entries of a user with a
// pending entry (the user's next event), before a step with profile updates, and before a journey that
// calls functions.
#pragma once
#include "pg/postgres.hpp"

#include "core/evaluator.hpp"
#include "ext/engine/rule_cache.hpp"
#include "ext/storage/instance_store.hpp"
#include "pg/spi.hpp"

#include <functional>
#include <string>
#include <unordered_set>
#include <vector>

namespace journey {

// Entries counted in journey.entries (entries + 1, last_entered_at) by one UPDATE: one entry, or the
// counted entries of a batch. The rows exist and are locked already (Engine::PrelockEntries).
class EntryCounts {
public:
	EntryCounts();
	void Add(const std::string &user, const std::string &journey, const std::string &key, Timestamp at);
	void Flush(SpiSession &spi);  // writes the counts, empties the batch

private:
	BatchColumns columns_;
};

class EntryBatch {
public:
	// `counted`: the journey's rules read past entries (journey.entries is counted on success).
	void Add(const VersionEntry &version, InstanceState state, bool exclusive, StepResult first_step, bool counted);
	bool HasUser(const std::string &user_id) const { return users_.count(user_id) > 0; }
	// How many sends of the pending entries' first steps, not suppressed, are the user's on the channel with
	// created_at in (after, upto] (a frequency cap counts them with the outbox's rows).
	int64_t CountPendingSends(const std::string &user_id, const std::string &channel, Timestamp after,
							  Timestamp upto) const;
	bool Empty() const { return pending_.empty(); }
	// Entries held before the batch writes itself (memory stays bounded for statements of any size).
	static constexpr size_t kMaxPending = 1000;
	bool Full() const { return pending_.size() >= kMaxPending; }
	// Writes the batch; returns how many instances were created. `counted` is told of every created instance
	// whose entry was counted in journey.entries.
	using CountedFn = std::function<void(const std::string &user, const std::string &journey, const std::string &key,
										 Timestamp at)>;
	int64_t Flush(SpiSession &spi, const CountedFn &counted = nullptr);

private:
	struct Pending {
		VersionEntry version;  // a copy: the rule cache may be rebuilt before the flush
		InstanceState state;
		bool exclusive;
		StepResult first_step;
		bool counted;
	};
	std::vector<Pending> pending_;
	std::unordered_set<std::string> users_;
};

}	 // namespace journey
