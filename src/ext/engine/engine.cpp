#include "pg/postgres.hpp"

#include "ext/engine.hpp"

#include "core/compile.hpp"
#include "ext/instance_store.hpp"
#include "ext/pg_facts.hpp"
#include "ext/profile_writer.hpp"
#include "ext/retain_memory.hpp"
#include "ext/throttle.hpp"
#include "pg/error_kind.hpp"
#include "pg/guard.hpp"
#include "pg/subxact.hpp"

#include <algorithm>
#include <string>
#include <unordered_set>

extern "C" {
#include "access/xact.h"
}

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

// The user's instances of journeys with a goal on the event, not converted yet (any status).
const Statement kGoalCandidates{"SELECT i.id, i.version_id, i.entered_at, i.entry_key, i.status::text "
								"FROM journey.instance i WHERE i.user_id = $1 "
								"AND i.journey_id IN (SELECT j.id FROM journey.journeys j WHERE j.name = ANY ($2)) "
								"AND NOT EXISTS (SELECT 1 FROM journey.conversions c "
								"WHERE c.user_id = i.user_id AND c.instance_id = i.id)",
								{SqlType::Text, SqlType::TextArray},
								{SqlType::Int8, SqlType::Int4, SqlType::TimestampTz, SqlType::Text, SqlType::Text}};

// The user's last known position (geofence triggers), and its update (a later position only).
constexpr const char *kLocationEvent = "location";
const Statement kPosition{"SELECT lat::text, lon::text, at FROM journey.positions WHERE user_id = $1",
						  {SqlType::Text},
						  {SqlType::Text, SqlType::Text, SqlType::TimestampTz}};
const Statement kSavePosition{"INSERT INTO journey.positions AS p (user_id, lat, lon, at) "
							  "VALUES ($1, $2::float8, $3::float8, $4) ON CONFLICT (user_id) DO UPDATE "
							  "SET lat = excluded.lat, lon = excluded.lon, at = excluded.at WHERE p.at <= excluded.at",
							  {SqlType::Text, SqlType::Text, SqlType::Text, SqlType::TimestampTz},
							  {}};

// The hot paths (trigger, scheduler) keep no history.
const StepOptions kHotPath{false};

const Statement kActiveOfUser{"SELECT " JOURNEY_INSTANCE_COLUMNS " FROM journey.instance i "
							  "WHERE i.user_id = $1 AND i.status = 'a' ORDER BY i.id FOR UPDATE",
							  {SqlType::Text},
							  kInstanceColumnTypes};

// The due queue's rows, with the version each was read and locked at (the batch writes it in place).
const std::vector<SqlType> kDueColumnTypes = [] {
	std::vector<SqlType> types = kInstanceColumnTypes;
	types.push_back(SqlType::Tid);
	return types;
}();
const size_t kDueTidColumn = kInstanceColumnTypes.size();

const Statement kDue{"SELECT " JOURNEY_INSTANCE_COLUMNS ", i.ctid FROM journey.instance i "
					 "WHERE i.status = 'a' AND i.wake_at <= $1 AND i.journey_id <> ALL ($2) "
					 "ORDER BY i.wake_at LIMIT $3 FOR UPDATE SKIP LOCKED",
					 {SqlType::TimestampTz, SqlType::Int4Array, SqlType::Int8},
					 kDueColumnTypes,
					 true};	 // the queue's index order: with stale statistics a custom plan may sort every due row

// The contacts of a batch's users, by one statement (generic plan: an index scan of the primary key per user).
const Statement kBatchContacts{"SELECT user_id, channel, address, opted_in, bounced FROM journey.contacts "
							   "WHERE user_id = ANY ($1)",
							   {SqlType::TextArray},
							   {SqlType::Text, SqlType::Text, SqlType::Text, SqlType::Bool, SqlType::Bool},
							   true};

// The same, every due row, for a cursor (run_due): the queue's index order, fetched a batch at a time.
const Statement kDueAll{"SELECT " JOURNEY_INSTANCE_COLUMNS ", i.ctid FROM journey.instance i "
						"WHERE i.status = 'a' AND i.wake_at <= $1 AND i.journey_id <> ALL ($2) "
						"ORDER BY i.wake_at FOR UPDATE SKIP LOCKED",
						{SqlType::TimestampTz, SqlType::Int4Array},
						kDueColumnTypes,
						true};

// The journeys paused now, read from the table at each pass rather than from the rule cache: a backend that
// resumes a journey wakes the workers before its invalidation reaches them (XACT_EVENT_COMMIT comes before
// the invalidation messages are sent), and a stale cache would put the held steps back to sleep.
const Statement kPausedNow{"SELECT id FROM journey.journeys WHERE status = 'paused'", {}, {SqlType::Int4}};

// One active instance by key, locked (a batch row read again after a called function may have changed it).
const Statement kActiveById{"SELECT " JOURNEY_INSTANCE_COLUMNS " FROM journey.instance i "
							"WHERE i.user_id = $1 AND i.id = $2 AND i.status = 'a' FOR UPDATE",
							{SqlType::Text, SqlType::Int8},
							kInstanceColumnTypes};

const Statement kNextWake{"SELECT i.wake_at FROM journey.instance i "
						  "WHERE i.status = 'a' AND i.wake_at IS NOT NULL AND i.journey_id <> ALL ($1) "
						  "ORDER BY i.wake_at LIMIT 1",
						  {SqlType::Int4Array},
						  {SqlType::TimestampTz}};

const char *
ReentryName(Reentry r)
{
	switch (r) {
	case Reentry::Never:
		return "never";
	case Reentry::AfterExit:
		return "after_exit";
	case Reentry::Always:
		return "always";
	}
	return "?";
}

Timestamp
TransactionStart()
{
	return PgCall([] { return (Timestamp)GetCurrentTransactionStartTimestamp(); });
}

}	 // namespace

std::optional<int64_t>
Engine::Enroll(const VersionEntry &version, const std::string &user_id, Json context, Json event, Timestamp at,
			   std::string *refusal, const std::string &entry_key)
{
	const Graph &g = *version.graph;
	const EntryRules &rules = g.entry;
	PgFacts facts(spi_, catalog_, user_id);

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
		error = Guarded(g, [&] {
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
		FailInstance(failed, error, at);
		InsertInstance(spi_, version, failed, exclusive);
		if (counted)
			CountEntry(user_id, version.journey, entry_key, at);
		return failed.id;
	}
	if (!inserted) {
		if (rules.throttle)
			ThrottleUndo(version.journey, *rules.throttle);
		*refusal = std::string("the user is already in the journey (reentry ") + ReentryName(rules.reentry) + ")";
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

std::string
Engine::Guarded(const Graph &graph, const std::function<void()> &work)
{
	if (!graph.HasCalls() && !isolate_steps_) {
		work();	 // the caller's subtransaction (the statement's, the batch's) takes a failure; run again isolated
		return {};
	}
	// A called function may read instances or enter users (journey.enroll, an INSERT of events): the
	// statement's collected entries are written first, and the entries rows held are read again after.
	FlushEntries();
	ForgetEntriesRows();
	SubTransaction sub;
	try {
		work();
		sub.Commit();
		return {};
	} catch (...) {
		if (CurrentErrorKind() != ErrorKind::Step)
			throw;	// a cancel, a deadlock: not this instance's failure (sub rolls back as it unwinds)
		std::string error = CurrentErrorMessage();
		sub.Rollback();
		return error;
	}
}

void
Engine::WriteEffects(const VersionEntry &version, const InstanceState &state, const StepResult &result)
{
	if (!result.updates.empty()) {
		// A profile update may enter users elsewhere (attribute_change), counting entries behind our back.
		ForgetEntriesRows();
		ApplyUpdates(spi_, catalog_, version.journey, state.user_id, result.updates);
	}
	WriteSends(spi_, version, state, result, outbox_batch_);
}

void
Engine::OnEvent(const std::string &user_id, const std::string &name, const Json &props, Timestamp at)
{
	const EventRules *rules = catalog_.Rules(name);
	if (!rules)
		return;
	if (entry_batch_ && entry_batch_->HasUser(user_id))
		FlushEntries();	 // this event may read the user's instances and entries: written first
	std::unordered_set<std::string> exited;
	PgFacts facts(spi_, catalog_, user_id);
	std::vector<SqlRow> active;
	if (rules->instance_rules || !rules->goal_journeys.empty())
		active = spi_.Run(kActiveOfUser, {SqlValue::Text(user_id)});

	// 1. exit_when.
	std::vector<bool> ended(active.size(), false);
	for (size_t k = 0; k < active.size(); k++) {
		const VersionEntry &v = catalog_.Version(spi_, (int32_t)active[k][2].i);
		const Graph &g = *v.graph;
		LoadedInstance li = ReadInstance(active[k], g);
		if (!ExitWhenMatches(g, li.state, name, props, at, facts))
			continue;
		ExitInstance(li.state, "exit_event", at);
		UpdateInstance(spi_, g, li.state);
		exited.insert(v.journey);
		ended[k] = true;
	}

	// 2. goals: conversions count even after the instance ended; a goal with exit ends an active one.
	if (!rules->goal_journeys.empty()) {
		for (const SqlRow &row :
			 spi_.Run(kGoalCandidates, {SqlValue::Text(user_id), SqlValue::Texts(rules->goal_journeys)})) {
			const VersionEntry &v = catalog_.Version(spi_, (int32_t)row[1].i);
			const Graph &g = *v.graph;
			if (!GoalMatches(g, row[2].i, row[3].s, name, props, at, facts))
				continue;
			RecordConversion(spi_, v, user_id, row[0].i, name, at);
			if (!g.goal->exit || row[4].s != "a")
				continue;
			for (size_t k = 0; k < active.size(); k++) {
				if (ended[k] || active[k][1].i != row[0].i)
					continue;
				LoadedInstance li = ReadInstance(active[k], g);
				ExitInstance(li.state, "goal", at);
				UpdateInstance(spi_, g, li.state);
				exited.insert(v.journey);
				ended[k] = true;
			}
		}
	}

	// 3. wait_for resumes (remembered while the journey is paused).
	const auto &paused = catalog_.PausedJourneys();
	for (size_t k = 0; k < active.size(); k++) {
		if (ended[k])
			continue;
		const VersionEntry &v = catalog_.Version(spi_, (int32_t)active[k][2].i);
		const Graph &g = *v.graph;
		LoadedInstance li = ReadInstance(active[k], g);
		if (!WaitForMatches(g, li.state, name, props, at, facts))
			continue;
		if (std::find(paused.begin(), paused.end(), v.journey) != paused.end()) {
			HoldEvent(spi_, li.state, name, props, at);	 // replayed on resume
			continue;
		}
		const InstanceState before = li.state;
		const std::string error = Guarded(g, [&] {
			RunStep(v, li.state, [&](InstanceState &state, PgFacts &step_facts) {
				return ResumeOnEvent(g, state, name, props, at, step_facts, kHotPath);
			});
		});
		if (!error.empty()) {
			InstanceState failed = before;
			FailInstance(failed, error, at);
			UpdateInstance(spi_, g, failed);
		}
	}

	// 4. entries. Geofence triggers compare the new position with the user's last known one.
	if (rules->entry_versions.empty())
		return;
	std::optional<GeoPoint> previous;
	std::optional<GeoPoint> current;
	if (name == kLocationEvent && (current = LocationOf(props))) {
		auto rows = spi_.Run(kPosition, {SqlValue::Text(user_id)});
		if (!rows.empty() && !rows[0][0].null)
			previous = GeoPoint{std::stod(rows[0][0].s), std::stod(rows[0][1].s)};
		if (!rows.empty() && rows[0][2].i > at)
			previous = current;	 // a position older than the last known one crosses nothing
		spi_.Exec(kSavePosition, {SqlValue::Text(user_id), SqlValue::Text(std::to_string(current->lat)),
								  SqlValue::Text(std::to_string(current->lon)), SqlValue::Timestamp(at)});
	}
	const Timestamp now = TransactionStart();
	for (int32_t vid : rules->entry_versions) {
		const VersionEntry &v = catalog_.Version(spi_, vid);
		if (exited.count(v.journey))
			continue;  // one event never both exits and enters the same journey
		const Graph &g = *v.graph;
		if (at < SubtractInterval(now, g.entry.max_event_age))
			continue;  // a backfill: too old to enrol anyone
		std::optional<std::string> key = EntryKeyOf(g, props);
		if (!key)
			continue;  // a keyed journey: an event without the key never enters it
		if (!EventEnters(g, name, props, previous, at, facts))
			continue;
		std::string refusal;
		Enroll(v, user_id, Json::object(), props, at, &refusal, *key);
	}
}

void
Engine::OnProfileChange(const std::string &user_id, const Json *old_profile, const Json &new_profile, Timestamp at)
{
	const std::string *updating = JourneyUpdatingProfile();
	for (const auto &[attribute, versions] : catalog_.AttributeRules()) {
		const Json *old_value = nullptr, *new_value = nullptr;
		if (old_profile && old_profile->is_object()) {
			auto it = old_profile->find(attribute);
			if (it != old_profile->end() && !it->is_null())
				old_value = &*it;
		}
		if (new_profile.is_object()) {
			auto it = new_profile.find(attribute);
			if (it != new_profile.end() && !it->is_null())
				new_value = &*it;
		}
		if (!old_value && !new_value)
			continue;
		if (old_value && new_value && *old_value == *new_value)
			continue;  // not distinct: no change
		PgFacts facts(spi_, catalog_, user_id);
		for (int32_t vid : versions) {
			const VersionEntry &v = catalog_.Version(spi_, vid);
			if (updating && *updating == v.journey)
				continue;  // this journey's own update node made the change
			if (!AttributeChangeEnters(*v.graph, attribute, old_value, new_value, at, facts))
				continue;
			Json change{{"attribute", attribute},
						{"old", old_value ? *old_value : Json()},
						{"new", new_value ? *new_value : Json()}};
			std::string refusal;
			Enroll(v, user_id, Json::object(), std::move(change), at, &refusal, "");
		}
	}
}

StepResult
Engine::RunStep(const VersionEntry &version, InstanceState &state,
				const std::function<StepResult(InstanceState &, PgFacts &)> &step)
{
	PgFacts facts(spi_, catalog_, state.user_id);
	facts.ShareTemplates(templates_);
	if (!version.graph->HasCalls()) {
		// A called function might change contacts or insert events during the batch.
		facts.ShareContacts(batch_contacts_);
		facts.ShareEventCounter(event_counter_);
	}
	StepResult result = step(state, facts);
	if (event_counter_ && (version.graph->HasCalls() || !result.updates.empty()))
		event_counter_->Close();  // a call or a profile update may have written events: the next count looks again
	if (instance_batch_ && result.updates.empty()) {
		instance_batch_->Add(*version.graph, state);
	} else {
		// A profile update may fire entries that read instances: the batch's earlier steps are written first.
		if (instance_batch_)
			instance_batch_->Flush(spi_);
		UpdateInstance(spi_, *version.graph, state);
	}
	WriteEffects(version, state, result);
	return result;
}

PgFacts::BatchContacts
Engine::BatchContactsOf(const std::vector<SqlRow> &rows)
{
	PgFacts::BatchContacts contacts;
	std::vector<std::string> users;
	for (const SqlRow &row : rows)
		if (contacts.emplace(row[0].s, std::unordered_map<std::string, Contact>()).second)
			users.push_back(row[0].s);
	if (users.empty())
		return contacts;
	// The index scan sorts the array's keys (by the index's collation); sorted by bytes here, which is the
	// order of a C or C.UTF-8 collation, its sort finds them in order (100 batches of 1,000 users: 170 ms
	// sorted, 198 ms shuffled).
	std::sort(users.begin(), users.end());
	for (const SqlRow &r : spi_.Run(kBatchContacts, {SqlValue::Texts(std::move(users))})) {
		Contact c;
		c.exists = true;
		if (!r[2].null)
			c.address = r[2].s;
		c.opted_in = r[3].i != 0;
		c.bounced = r[4].i != 0;
		contacts[r[0].s][r[1].s] = std::move(c);
	}
	return contacts;
}

std::vector<int32_t>
Engine::PausedNow()
{
	std::vector<int32_t> ids;
	for (const SqlRow &r : spi_.Run(kPausedNow, {}))
		ids.push_back((int32_t)r[0].i);
	return ids;
}

int64_t
Engine::RunDueBatch(Timestamp as_of, int64_t limit)
{
	auto rows = spi_.Run(kDue, {SqlValue::Timestamp(as_of), SqlValue::Ints(PausedNow()),
								SqlValue::Int(limit)});
	return StepBatch(as_of, rows);
}

namespace {

void
Append(StepResult &all, StepResult &&more)
{
	std::move(more.sends.begin(), more.sends.end(), std::back_inserter(all.sends));
	std::move(more.updates.begin(), more.updates.end(), std::back_inserter(all.updates));
	std::move(more.history.begin(), more.history.end(), std::back_inserter(all.history));
	all.node_visits += more.node_visits;
}

// The events a paused journey held for this instance, each as of its own time (SPEC §2): the branches
// that accept it take on_event, the others wait on (their deadlines as before the hold); then whatever
// fell due by as_of meanwhile runs.
StepResult
ReplayHeld(const Graph &g, LoadedInstance &li, Timestamp as_of, Facts &facts)
{
	InstanceState &state = li.state;
	state.wake_at = li.wake_at_before_hold;
	StepResult all;
	for (const LoadedInstance::HeldEvent &e : li.held_events) {
		if (state.status != InstanceStatus::Active)
			break;
		Append(all, ResumeOnEvent(g, state, e.name, e.props, e.at, facts, kHotPath));
	}
	if (state.status == InstanceStatus::Active && state.wake_at && *state.wake_at <= as_of)
		Append(all, ResumeDue(g, state, as_of, facts, kHotPath));
	return all;
}

}	 // namespace

int64_t
Engine::StepBatch(Timestamp as_of, const std::vector<SqlRow> &rows)
{
	// After a step that called a function, the rows read at the batch's start may be stale: the function may
	// have changed them (SQL, journey.exit, ...). The later steps read their row again, so that what they write
	// starts from its latest version and never overwrites the function's change.
	bool rows_may_be_stale = false;
	// The row as read at the batch's start, or read again into `fresh` when it may be stale (null: no longer
	// active). No copy on the hot path.
	auto current = [&](const SqlRow &read_row, std::vector<SqlRow> &fresh) -> const SqlRow * {
		if (!rows_may_be_stale)
			return &read_row;
		fresh = spi_.Run(kActiveById, {SqlValue::Text(read_row[0].s), SqlValue::Int(read_row[1].i)});
		return fresh.empty() ? nullptr : &fresh[0];
	};
	auto step = [&](const SqlRow &read_row) {
		std::vector<SqlRow> fresh;
		const SqlRow *row_ptr = current(read_row, fresh);
		if (!row_ptr)
			return;	 // no longer active: nothing is due
		const SqlRow &row = *row_ptr;
		if (rows_may_be_stale && row[12].null && (row[5].null || row[5].i > as_of))
			return;	 // no longer due (its wake moved on), and no event held
		const VersionEntry &v = catalog_.Version(spi_, (int32_t)row[2].i);
		const Graph &g = *v.graph;
		if (instance_batch_ && g.HasCalls())
			instance_batch_->Flush(spi_);  // a called function sees the instances as the steps left them
		if (g.HasCalls())
			rows_may_be_stale = true;
		LoadedInstance li = ReadInstance(row, g);
		if (!li.held_events.empty()) {
			RunStep(v, li.state, [&](InstanceState &state, PgFacts &facts) { return ReplayHeld(g, li, as_of, facts); });
			return;
		}
		const bool held = li.event_held_at.has_value();	 // held before events were kept (one, untold)
		RunStep(v, li.state, [&](InstanceState &state, PgFacts &facts) {
			return held ? ResumeOnEvent(g, state, as_of, facts, kHotPath) : ResumeDue(g, state, as_of, facts, kHotPath);
		});
	};
	// Optimistic: the whole batch in one subtransaction. A failing step (rare) rolls the batch back, and
	// the batch runs again one instance per subtransaction, so that only the failing ones are marked.
	{
		const PgFacts::BatchContacts contacts = BatchContactsOf(rows);
		SubTransaction batch;
		OutboxBatch outbox;		 // the batch's outbox rows, written together
		InstanceBatch instances;	 // and its instance updates
		PgFacts::TemplateCache templates;
		EventCounter events;  // closed before the subtransaction commits; after an error, its abort releases it
		try {
			templates_ = &templates;
			batch_contacts_ = &contacts;
			event_counter_ = &events;
			outbox_batch_ = &outbox;
			instance_batch_ = &instances;
			instances.Reserve(rows.size());
			outbox.Reserve(rows.size() * 2);  // (rows are large: no moves as the vectors grow)
			for (const SqlRow &row : rows)
				instances.Locate(row[1].i, row[kDueTidColumn].i);
			for (const SqlRow &row : rows)
				step(row);
			outbox_batch_ = nullptr;
			instance_batch_ = nullptr;
			templates_ = nullptr;
			batch_contacts_ = nullptr;
			event_counter_ = nullptr;
			events.Close();
			instances.Flush(spi_);
			outbox.Flush(spi_);
			batch.Commit();
			return (int64_t)rows.size();
		} catch (...) {
			outbox_batch_ = nullptr;
			instance_batch_ = nullptr;
			templates_ = nullptr;
			batch_contacts_ = nullptr;
			event_counter_ = nullptr;
			if (CurrentErrorKind() == ErrorKind::Interrupt)
				throw;	// a cancel or statement_timeout: nothing is marked, the steps stay due
			batch.Rollback();
		}
	}
	int64_t stepped = 0;
	for (const SqlRow &row : rows) {
		std::string error;
		{
			SubTransaction sub;
			try {
				step(row);
				sub.Commit();
				++stepped;
				continue;
			} catch (...) {
				const ErrorKind kind = CurrentErrorKind();
				if (kind == ErrorKind::Interrupt)
					throw;
				error = CurrentErrorMessage();
				sub.Rollback();
				if (kind == ErrorKind::Transient)
					continue;  // a deadlock or serialization failure: it stays due, taken again later
			}
		}
		// It failed: as it was when the step began (context, split label, node, branches), with the error —
		// read again when an earlier step's call may have changed it.
		std::vector<SqlRow> fresh;
		const SqlRow *failed = current(row, fresh);
		if (!failed)
			continue;  // no longer active: nothing to mark
		const Graph &fg = *catalog_.Version(spi_, (int32_t)(*failed)[2].i).graph;
		LoadedInstance li = ReadInstance(*failed, fg);
		FailInstance(li.state, error, as_of);
		UpdateInstance(spi_, fg, li.state);
		++stepped;
	}
	return stepped;
}

int64_t
Engine::RunDue(Timestamp as_of, int64_t max_steps, int batch_size)
{
	RetainFreedMemory();
	int64_t total = 0;
	for (;;) {
		int64_t pass = 0;
		SpiSession::Cursor due(spi_, kDueAll, {SqlValue::Timestamp(as_of), SqlValue::Ints(PausedNow())});
		for (;;) {
			int64_t limit = batch_size;
			if (max_steps > 0)
				limit = std::min<int64_t>(limit, max_steps - total);
			if (limit <= 0)
				break;
			std::vector<SqlRow> rows = due.Fetch((long)limit);
			if (rows.empty())
				break;
			const int64_t stepped = StepBatch(as_of, rows);
			total += stepped;
			pass += stepped;
			PgCall([] { CommandCounterIncrement(); });
		}
		if (pass == 0 || (max_steps > 0 && total >= max_steps))
			return total;
	}
}

std::optional<Timestamp>
Engine::NextWake()
{
	auto rows = spi_.Run(kNextWake, {SqlValue::Ints(PausedNow())});
	if (rows.empty() || rows[0][0].null)
		return std::nullopt;
	return rows[0][0].i;
}

}	 // namespace journey
