// The journey engine inside Postgres: enrolment, events, due steps. Every path runs the one core
// evaluator and writes its effects in the caller's transaction. Its definitions are split by job:
// engine_events.cpp (an event, a profile change), engine_entries.cpp (Enroll, the entry rules' rows),
// engine_steps.cpp (one step and its effects), engine_due.cpp (the batch runner of due steps).
#pragma once
#include "pg/postgres.hpp"

#include "ext/engine/rule_cache.hpp"
#include "ext/engine/entry_batch.hpp"
#include "ext/storage/instance_store.hpp"
#include "ext/storage/outbox.hpp"
#include "ext/engine/pg_facts.hpp"
#include "pg/spi.hpp"

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>

namespace journey {

// The hot paths (trigger, scheduler) keep no history.
inline const StepOptions kHotPath{false};

class Engine : private PendingSends {
public:
	explicit Engine(SpiSession &spi) : spi_(spi), snapshot_(RuleCache::Get(spi)), rule_cache_(*snapshot_)
	{
		active_engines++;
	}
	~Engine() { active_engines--; }
	Engine(const Engine &) = delete;
	Engine &operator=(const Engine &) = delete;

	RuleCache &rule_cache() { return rule_cache_; }

	// Enters a user into a version as of `at` when the entry rules allow it. Returns the instance id, or
	// nullopt with the rule that refused in *refusal (kept in journey.refusals when journey.history is all).
	std::optional<int64_t> Enroll(const VersionEntry &version, const std::string &user_id, Json context, Json event,
								  Timestamp at, std::string *refusal, const std::string &entry_key);

	// An event was tracked: exit_when, then wait_for resumes, then entries.
	void OnEvent(const std::string &user_id, const std::string &name, const Json &props, Timestamp at);

	// A profile row of the user was inserted (old null) or updated: attribute_change entries, as of `at`
	// (now()). Changes made by a journey's own update nodes do not enter that journey.
	void OnProfileChange(const std::string &user_id, const Json *old_profile, const Json &new_profile, Timestamp at);

	// Advances up to `limit` due instances (wake_at <= as_of) in one pass; returns how many were stepped
	// (StepBatch).
	// The batch runs in one subtransaction; when a step fails, it runs again one instance per subtransaction:
	// a failing one is marked failed, the others go on.
	int64_t RunDueBatch(Timestamp as_of, int64_t limit);
	// Steps these due rows (JOURNEY_INSTANCE_COLUMNS and the ctid, locked by the caller) as one batch, as above;
	// returns how many were stepped or marked failed (a deadlock or serialization failure leaves its instance
	// due, uncounted; a cancel or statement_timeout is re-raised).
	int64_t StepBatch(Timestamp as_of, const std::vector<SqlRow> &rows);

	// Batches until nothing is due by as_of or max_steps instances were stepped (0: no limit). The due rows
	// come from one cursor per pass, so that a batch does not scan again the index entries of the rows
	// earlier batches of this transaction updated (that made a run quadratic in the rows due); a pass sees
	// what was due when it began, and the next pass takes what its steps made due.
	int64_t RunDue(Timestamp as_of, int64_t max_steps, int batch_size);

	// Every step in a subtransaction of its own (else only journeys that call functions): the trigger path's
	// second run of a statement one of whose steps failed.
	void IsolateSteps(bool isolate) { isolate_steps_ = isolate; }

	// Entries made while set are collected in `batch` (the caller flushes it) rather than written one by one;
	// Enroll then returns the id the instance will have if the one-active index lets it in.
	void CollectEntries(EntryBatch *batch) { entry_batch_ = batch; }
	// Writes the collected entries (see CollectEntries).
	void FlushEntries();

	// A journey.entries row: (user, journey, entry key).
	using EntriesKey = std::tuple<std::string, std::string, std::string>;
	// Locks (creating them when missing) the journey.entries rows of these keys in one statement, in a fixed
	// order, and keeps what they say for this engine's entries: a statement's bulk entries read their rows
	// from here instead of one upsert each (Enroll locks the one row it needs the same way).
	void PrelockEntries(std::vector<EntriesKey> keys);
	// Deletes the journey.entries rows this engine locked (creating them, most often) and no entry counted:
	// a refused entry leaves no row behind. Call at the end of the statement's, or the call's, work. An
	// engine running inside another (a trigger fired by the outer engine's writes or calls) keeps its rows:
	// the outer one may hold the same row, not counted yet, and count it later with an UPDATE.
	void ReleaseUnusedEntries();

	// Locks these users' rows of journey.frequency_cap_locks (made when missing) in the vector's order, waiting
	// for other holders: a statement's users, sorted, before its sends count them one by one.
	void LockCapUsers(std::vector<std::string> users);

	// The earliest wake_at of an active instance of a journey that is not paused.
	std::optional<Timestamp> NextWake();

private:
	std::optional<int64_t> TryEnroll(const VersionEntry &version, const std::string &user_id, Json context, Json event,
									 Timestamp at, std::string *refusal, const std::string &entry_key);
	// The sends of the scheduler batch's collected outbox rows and of the statement's pending entries.
	int64_t CountPendingSends(const std::string &user_id, const std::string &channel, Timestamp after,
							  Timestamp upto) override;
	// Runs one step of an instance and writes its state and effects.
	StepResult RunStep(const VersionEntry &version, InstanceState &state,
					   const std::function<StepResult(InstanceState &, PgFacts &)> &step);
	void WriteEffects(const VersionEntry &version, const InstanceState &state, const StepResult &result);
	// The ids of the journeys paused now (from the table, not the rule cache).
	std::vector<int32_t> PausedNow();
	// The contacts of the users of a batch of due rows (JOURNEY_INSTANCE_COLUMNS), by one statement.
	PgFacts::BatchContacts BatchContactsOf(const std::vector<SqlRow> &rows);
	// The memberships the steps of a batch of due rows may ask (their journeys' segment conditions and
	// wait_for on segments), by one statement; none read when no journey of the batch tests a segment.
	PgFacts::BatchMemberships BatchMembershipsOf(const std::vector<SqlRow> &rows);
	// When a journey of the batch sends on a channel with a frequency cap: the batch's users' rows of
	// journey.frequency_cap_locks locked (sorted: batches never wait for each other in a cycle), then their outbox
	// rows on capped channels read by one statement. Empty otherwise.
	PgFacts::BatchSends BatchSendsOf(const std::vector<SqlRow> &rows, Timestamp as_of);
	// When some channel has a frequency cap or quiet hours: the batch's users' time zones, by one statement.
	PgFacts::BatchZones BatchZonesOf(const std::vector<SqlRow> &rows);
	// Runs work in a subtransaction of its own when the journey can raise (it calls functions) or steps are
	// isolated; returns the error, or "" when it succeeded. The scheduler's batches have their own
	// subtransaction per instance.
	std::string TryInSubTransaction(const Graph &graph, const std::function<void()> &work);

	SpiSession &spi_;
	std::shared_ptr<RuleCache> snapshot_;	// held for the engine's life: a reload elsewhere never frees it
	RuleCache &rule_cache_;
	OutboxBatch *outbox_batch_ = nullptr;		// set while a scheduler batch collects its outbox rows
	InstanceBatch *instance_batch_ = nullptr;	// and its instance updates
	PgFacts::TemplateCache *templates_ = nullptr;	// and the templates its steps read
	const PgFacts::BatchContacts *batch_contacts_ = nullptr;  // and its users' contacts, read at its start
	const PgFacts::BatchMemberships *batch_memberships_ = nullptr;  // and their segment memberships
	const PgFacts::BatchSends *batch_sends_ = nullptr;	// and their rows on capped channels
	const PgFacts::BatchZones *batch_zones_ = nullptr;	// and their time zones
	EventCounter *event_counter_ = nullptr;			// and its open scan of journey.events
	EntryBatch *entry_batch_ = nullptr;				// set while a statement's events collect their entries
	bool isolate_steps_ = false;
	// The journey.entries rows this engine holds locked, by (user, journey, key): entries and last entry.
	struct EntriesRow {
		int64_t entries = 0;
		std::optional<Timestamp> last_entered_at;
	};
	std::map<EntriesKey, EntriesRow> entries_rows_;
	// Rows locked and forgotten with no entry counted (an engine that never releases, the scheduler's,
	// keeps them until it ends: one per refused entry of the updates' attribute-change entries).
	// Re-locking a row takes it out again (its count is then known from entries_rows_).
	std::set<EntriesKey> unused_entries_;
	static inline int active_engines = 0;	// engines alive in this backend (nested by triggers)
	void ForgetEntriesRows();					// entries_rows_ cleared; its unused rows kept for release
	void Counted(const std::string &user, const std::string &journey, const std::string &key, Timestamp at);
	// Counts one entry in its (locked) journey.entries row, and in the rows this engine holds.
	void CountEntry(const std::string &user, const std::string &journey, const std::string &key, Timestamp at);
};

}	 // namespace journey
