#include "pg/postgres.hpp"

#include "ext/engine/engine.hpp"

#include "ext/entry/settings.hpp"
#include "ext/shmem/throttle.hpp"
#include "pg/error_kind.hpp"
#include "pg/guard.hpp"

#include <algorithm>
#include <string>

// The engine's entries: Enroll and its entry rules, the journey.entries rows it locks and counts, the
// entries a statement collects.

namespace journey {

namespace {

// The user's entries into a journey (and key), for the rules that read them (never, cooldown, max_entries).
// The upsert locks the row until commit: concurrent entries of one user serialize on it (a row lock, not
// an entry of the shared lock table, so a bulk insert of many users' events cannot exhaust it), and a
// waiting entry reads the committed count. reentry after_exit needs none of this: the partial unique
// index on active instances decides.
// The rows are locked in the order given (PrelockEntries sorts them, so two such statements lock in the same
// order; sorting by bytes in C++ is cheaper than an ORDER BY under the database's collation).
// Only rows with a past are returned: a row it inserted (or one that counts nothing) is (0, null), which the
// caller assumes for every key not returned (a statement of new users reads no rows back).
const Statement kEntriesLock{"WITH locked AS (INSERT INTO journey.entries AS e (user_id, journey, entry_key, entries) "
							 "SELECT u, j, k, 0 FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY "
							 "AS x(u, j, k, n) ORDER BY n "
							 "ON CONFLICT (user_id, journey, entry_key) DO UPDATE SET entries = e.entries "
							 "RETURNING e.user_id, e.journey, e.entry_key, e.entries, e.last_entered_at) "
							 "SELECT * FROM locked WHERE entries <> 0 OR last_entered_at IS NOT NULL",
							 {SqlType::TextArray, SqlType::TextArray, SqlType::TextArray},
							 {SqlType::Text, SqlType::Text, SqlType::Text, SqlType::Int8, SqlType::TimestampTz},
							 true};

}	 // namespace

std::optional<int64_t>
Engine::Enroll(const VersionEntry &version, const std::string &user_id, Json context, Json event, Timestamp at,
			   std::string *refusal, const std::string &entry_key)
{
	std::optional<int64_t> id = TryEnroll(version, user_id, std::move(context), std::move(event), at, refusal, entry_key);
	if (!id && !refusal->empty())
		RecordRefusal(spi_, version, user_id, entry_key, at, *refusal);
	return id;
}

std::optional<int64_t>
Engine::TryEnroll(const VersionEntry &version, const std::string &user_id, Json context, Json event, Timestamp at,
				  std::string *refusal, const std::string &entry_key)
{
	const Graph &g = *version.graph;
	const EntryRules &rules = g.entry;
	PgFacts facts(spi_, rule_cache_, user_id);
	facts.SharePendingSends(this);

	if (rules.when != kNoCond && !EvaluateCondition(g, rules.when, at, at, &event, facts)) {
		*refusal = "the entry condition (entry.when) does not hold";
		return std::nullopt;
	}
	const bool counted = rules.ReadsPastEntries();
	if (counted) {
		const EntriesKey row_key{user_id, version.journey, entry_key};
		auto held = entries_rows_.find(row_key);
		if (held == entries_rows_.end()) {
			PrelockEntries({row_key});
			held = entries_rows_.find(row_key);
			if (held == entries_rows_.end())
				throw std::logic_error("the journey.entries row of an entry was not locked");
		}
		const int64_t total = held->second.entries;
		const std::optional<Timestamp> last_entered_at = held->second.last_entered_at;
		if (rules.reentry == Reentry::Never && total > 0) {
			*refusal = "reentry is never and the user entered before";
			return std::nullopt;
		}
		if (rules.cooldown && last_entered_at && at < AddUserInterval(*last_entered_at, *rules.cooldown, facts)) {
			*refusal = "the cooldown of " + FormatInterval(*rules.cooldown) + " since the last entry has not passed";
			return std::nullopt;
		}
		if (rules.max_entries && total >= *rules.max_entries) {
			*refusal = "the user reached max_entries (" + std::to_string(*rules.max_entries) + ")";
			return std::nullopt;
		}
	}

	InstanceState state;
	state.id = NextInstanceId(spi_);
	state.user_id = user_id;
	state.context = std::move(context);
	state.event = std::move(event);
	state.entry_key = entry_key;
	state.keep_history = KeepStepHistory();
	if (rules.throttle && !ThrottleAdmit(version.journey, *rules.throttle)) {
		*refusal = "the journey's throttle (" + std::to_string(rules.throttle->max) + " per " +
				   FormatInterval(rules.throttle->per) + ") is reached";
		return std::nullopt;
	}
	const bool exclusive = rules.reentry != Reentry::Always;
	bool inserted = false;
	std::string error;
	if (entry_batch_ && !g.HasCalls()) {
		StepResult result = Start(g, state, at, facts, kHotPath);
		if (result.updates.empty()) {
			const int64_t id = state.id;
			entry_batch_->Add(version, std::move(state), exclusive, std::move(result), counted);
			if (entry_batch_->Full())
				FlushEntries();
			return id;
		}
		// The first step updates the profile, which may fire entries that read instances: in order, now.
		FlushEntries();
		inserted = InsertInstance(spi_, version, state, exclusive);
		if (inserted)
			WriteEffects(version, state, result);
	} else {
		error = TryInSubTransaction(g, [&] {
			StepResult result = Start(g, state, at, facts, kHotPath);
			inserted = InsertInstance(spi_, version, state, exclusive);
			if (inserted)
				WriteEffects(version, state, result);
		});
	}
	if (!error.empty()) {
		// The first step failed (a call raised): the instance exists, failed, with the error kept.
		InstanceState failed;
		failed.id = state.id;
		failed.user_id = user_id;
		failed.entered_at = failed.last_step_at = at;
		failed.entry_key = entry_key;
		failed.event = state.event;
		failed.keep_history = state.keep_history;
		if (failed.keep_history)	// (the entry's own lines were rolled back with its step)
			AppendHistoryLine(failed, at, g.start, "entered", entry_key.empty() ? Json::object() : Json{{"key", entry_key}});
		FailInstance(failed, error, at);
		InsertInstance(spi_, version, failed, exclusive);
		if (counted)
			CountEntry(user_id, version.journey, entry_key, at);
		return failed.id;
	}
	if (!inserted) {
		if (rules.throttle)
			ThrottleUndo(version.journey, *rules.throttle);
		*refusal = AlreadyActiveRefusal(g);
		return std::nullopt;
	}
	if (counted)
		CountEntry(user_id, version.journey, entry_key, at);
	return state.id;
}

void
Engine::CountEntry(const std::string &user, const std::string &journey, const std::string &key, Timestamp at)
{
	EntryCounts one;  // one statement counts entries, one or a batch's
	one.Add(user, journey, key, at);
	one.Flush(spi_);
	Counted(user, journey, key, at);
}

void
Engine::Counted(const std::string &user, const std::string &journey, const std::string &key, Timestamp at)
{
	auto held = entries_rows_.find(std::make_tuple(user, journey, key));
	if (held == entries_rows_.end())
		return;
	held->second.entries++;
	if (!held->second.last_entered_at || *held->second.last_entered_at < at)
		held->second.last_entered_at = at;
}

void
Engine::FlushEntries()
{
	if (!entry_batch_)
		return;
	entry_batch_->Flush(spi_, [&](const std::string &user, const std::string &journey, const std::string &key,
								  Timestamp at) { Counted(user, journey, key, at); });
}

void
Engine::ForgetEntriesRows()
{
	for (const auto &[key, row] : entries_rows_)
		if (row.entries == 0)
			unused_entries_.insert(key);
	entries_rows_.clear();
}

namespace {

const std::vector<SqlType> kEntriesKeyColumns{kT, kT, kT};
const Statement kDropUnusedEntries{"DELETE FROM journey.entries e "
								   "USING journey._batch_rows($1) AS x(u text, j text, k text) "
								   "WHERE e.user_id = x.u AND e.journey = x.j AND e.entry_key = x.k AND e.entries = 0",
								   {SqlType::Int8},
								   {},
								   true};

}	 // namespace

void
Engine::ReleaseUnusedEntries()
{
	ForgetEntriesRows();
	if (unused_entries_.empty() || active_engines > 1)
		return;
	BatchColumns keys(kEntriesKeyColumns);
	for (const auto &[user, journey, key] : unused_entries_) {
		keys.Text(0, user);
		keys.Text(1, journey);
		keys.Text(2, key);
	}
	unused_entries_.clear();
	keys.Exec(spi_, kDropUnusedEntries);
}

void
Engine::PrelockEntries(std::vector<EntriesKey> keys)
{
	std::sort(keys.begin(), keys.end());
	keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
	std::vector<std::string> users, journeys, entry_keys;
	std::vector<std::map<EntriesKey, EntriesRow>::iterator> added;	// (0, null) until the statement says more
	for (auto &key : keys) {
		if (!unused_entries_.empty())
			unused_entries_.erase(key);	 // locked again: entries_rows_ tells whether it is used
		auto [it, inserted] = entries_rows_.emplace(key, EntriesRow{});
		if (!inserted)
			continue;  // locked before
		added.push_back(it);
		users.push_back(std::move(std::get<0>(key)));
		journeys.push_back(std::move(std::get<1>(key)));
		entry_keys.push_back(std::move(std::get<2>(key)));
	}
	if (added.empty())
		return;
	try {
		for (const SqlRow &r : spi_.Run(kEntriesLock, {SqlValue::Texts(std::move(users)),
													   SqlValue::Texts(std::move(journeys)),
													   SqlValue::Texts(std::move(entry_keys))})) {
			EntriesRow &row = entries_rows_.at(EntriesKey{r[0].s, r[1].s, r[2].s});
			row.entries = r[3].i;
			if (!r[4].null)
				row.last_entered_at = r[4].i;
		}
	} catch (...) {
		for (auto it : added)
			entries_rows_.erase(it);  // not locked
		throw;
	}
}

}	 // namespace journey
