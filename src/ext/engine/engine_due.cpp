#include "pg/postgres.hpp"

#include "ext/engine/engine.hpp"

#include "core/late_events.hpp"

#include "ext/engine/retain_memory.hpp"
#include "ext/entry/as_owner.hpp"
#include "ext/storage/cap_locks.hpp"
#include "ext/storage/instance_store.hpp"
#include "ext/storage/outbox.hpp"
#include "pg/error_kind.hpp"
#include "pg/guard.hpp"
#include "pg/subxact.hpp"

#include <algorithm>
#include <iterator>
#include <string>
#include <unordered_set>

extern "C" {
#include "access/xact.h"
}

// The engine's batch runner: the due steps, a batch at a time (the scheduler's pass, run_due), and the
// earliest wake of what is left.

namespace journey {

namespace {

// The due queue's rows, with the version each was read and locked at (the batch writes it in place).
const std::vector<SqlType> kDueColumnTypes = [] {
	std::vector<SqlType> types = kInstanceColumnTypes;
	types.push_back(SqlType::Tid);
	return types;
}();
const size_t kDueTidColumn = kInstanceColumnTypes.size();

// The due rows in the queue's index order, locked; `limit` is "" or " LIMIT $3". (Generic plans: the queue's
// index order; with stale statistics a custom plan may sort every due row.)
#define JOURNEY_DUE_QUERY(limit)                                                                                       \
	"SELECT " JOURNEY_INSTANCE_COLUMNS ", i.ctid FROM journey.instance i "                                             \
	"WHERE i.status = 'a' AND i.wake_at <= $1 AND i.journey_id <> ALL ($2) "                                          \
	"ORDER BY i.wake_at" limit " FOR UPDATE SKIP LOCKED"

// A scheduler pass's batch.
const Statement kDue{JOURNEY_DUE_QUERY(" LIMIT $3"),
					 {SqlType::TimestampTz, SqlType::Int4Array, SqlType::Int8},
					 kDueColumnTypes,
					 true};

// Every due row, for a cursor (run_due), fetched a batch at a time.
const Statement kDueAll{JOURNEY_DUE_QUERY(""), {SqlType::TimestampTz, SqlType::Int4Array}, kDueColumnTypes, true};

#undef JOURNEY_DUE_QUERY

// The contacts of a batch's users, by one statement (generic plan: an index scan of the primary key per user).
const Statement kBatchContacts{"SELECT user_id, channel, address, opted_in, bounced FROM journey.contacts "
							   "WHERE user_id = ANY ($1)",
							   {SqlType::TextArray},
							   {SqlType::Text, SqlType::Text, SqlType::Text, SqlType::Bool, SqlType::Bool},
							   true};

// The members among a batch's users of the segments its journeys test (generic plan: index probes of the
// primary key, segment by user).
const Statement kBatchMembers{"SELECT segment, user_id FROM journey.segment_members "
							  "WHERE segment = ANY ($1) AND user_id = ANY ($2)",
							  {SqlType::TextArray, SqlType::TextArray},
							  {SqlType::Text, SqlType::Text},
							  true};

// Frequency caps of a batch: the rows of its locked users on capped channels, an index probe per user.
const Statement kBatchSends{"SELECT o.user_id, o.channel, o.created_at FROM unnest($1::text[]) AS u(id) "
							"CROSS JOIN LATERAL (SELECT x.user_id, x.channel, x.created_at FROM journey.outbox x "
							"WHERE x.user_id = u.id AND x.channel = ANY ($2) AND x.created_at > $3 "
							"AND x.status <> 'suppressed') o",
							{SqlType::TextArray, SqlType::TextArray, SqlType::TimestampTz},
							{SqlType::Text, SqlType::Text, SqlType::TimestampTz}};

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

}	 // namespace

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

PgFacts::BatchSends
Engine::BatchSendsOf(const std::vector<SqlRow> &rows, Timestamp as_of)
{
	PgFacts::BatchSends sends;
	const std::vector<std::string> &capped = rule_cache_.CappedChannels();
	if (capped.empty() || rows.empty())
		return sends;
	// Only when a journey of the batch sends on a capped channel (and may be counted).
	bool counted = false;
	std::unordered_set<int32_t> versions;
	Timestamp earliest = as_of;
	for (const SqlRow &row : rows) {
		earliest = std::min(earliest, row[8].i);	// last_step_at: every step of the batch is at or after it
		if (counted || !versions.insert((int32_t)row[2].i).second)
			continue;
		for (const Node &n : rule_cache_.Version(spi_, (int32_t)row[2].i).graph->nodes)
			if (n.kind == NodeKind::Send && !n.send.ignore_caps &&
				std::binary_search(capped.begin(), capped.end(), n.send.channel))
				counted = true;
	}
	if (!counted)
		return sends;
	// Every window a step of the batch may count back from: its earliest time, less the longest cap (a month
	// as 31 days), less a week for time zones.
	int64_t longest = 0;
	for (const std::string &channel : capped) {
		const Interval &per = rule_cache_.Cap(channel)->per;
		longest = std::max(longest, per.micros + ((int64_t)per.months * 31 + per.days) * 24 * kMicrosPerHour);
	}
	const Timestamp from = earliest - longest - 7 * 24 * kMicrosPerHour;
	std::vector<std::string> users;
	for (const SqlRow &row : rows)
		if (sends.users.insert(row[0].s).second)
			users.push_back(row[0].s);
	std::sort(users.begin(), users.end());
	std::unordered_set<std::string> locked;
	for (std::string &u : LockCapRows(spi_, users, true))
		locked.insert(std::move(u));
	std::vector<std::string> counted_users;
	for (std::string &u : users) {
		if (locked.count(u))
			counted_users.push_back(std::move(u));
		else
			sends.skipped.insert(u);
	}
	for (const std::string &u : sends.skipped)
		sends.users.erase(u);
	for (const SqlRow &r : spi_.Run(kBatchSends, {SqlValue::Texts(std::move(counted_users)), SqlValue::Texts(capped),
												  SqlValue::Timestamp(from)}))
		sends.created[r[0].s + '\x1f' + r[1].s].push_back(r[2].i);
	return sends;
}

void
Engine::LockCapUsers(std::vector<std::string> users)
{
	LockCapRows(spi_, users, false);
}

PgFacts::BatchZones
Engine::BatchZonesOf(const std::vector<SqlRow> &rows)
{
	PgFacts::BatchZones zones;
	if (!rule_cache_.AnyDeliveryRules() || rows.empty())
		return zones;
	std::vector<std::string> users;
	for (const SqlRow &row : rows)
		if (zones.users.insert(row[0].s).second)
			users.push_back(row[0].s);
	std::sort(users.begin(), users.end());
	const TrackedSources &sources = rule_cache_.Sources();
	std::optional<AsTableOwner> as_table_owner;
	if (OidIsValid(sources.TimeZoneOwner()))
		as_table_owner.emplace(sources.TimeZoneOwner());
	for (const SqlRow &r : spi_.Run(sources.UserZones(), {SqlValue::Texts(std::move(users))}))
		if (!r[1].null)
			zones.zones[r[0].s] = r[1].s;
	return zones;
}

PgFacts::BatchMemberships
Engine::BatchMembershipsOf(const std::vector<SqlRow> &rows)
{
	PgFacts::BatchMemberships memberships;
	std::unordered_set<int32_t> versions;
	for (const SqlRow &row : rows)
		if (versions.insert((int32_t)row[2].i).second)
			for (std::string &segment : rule_cache_.Version(spi_, (int32_t)row[2].i).graph->MembershipSegments())
				memberships.segments.push_back(std::move(segment));
	if (memberships.segments.empty())
		return memberships;
	std::sort(memberships.segments.begin(), memberships.segments.end());
	memberships.segments.erase(std::unique(memberships.segments.begin(), memberships.segments.end()),
							   memberships.segments.end());
	std::vector<std::string> users;
	for (const SqlRow &row : rows)
		if (memberships.users.insert(row[0].s).second)
			users.push_back(row[0].s);
	std::sort(users.begin(), users.end());	// in the index's order (see BatchContactsOf)
	for (const SqlRow &r :
		 spi_.Run(kBatchMembers, {SqlValue::Texts(memberships.segments), SqlValue::Texts(std::move(users))}))
		memberships.members.insert(r[0].s + '\x1f' + r[1].s);
	return memberships;
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
		AppendEffects(all, ResumeOnEvent(g, state, e.name, e.props, e.at, facts, kHotPath));
	}
	if (state.status == InstanceStatus::Active && state.wake_at && *state.wake_at <= as_of)
		AppendEffects(all, ResumeDue(g, state, as_of, facts, kHotPath));
	return all;
}

// A due step: first the events committed while the instance's last step was still open, up to its wake
// (TakeLateEvents), then the waits that fell due by as_of — unless a late event moved the instance on to a
// wait that is not due yet, or ended it.
StepResult
LateThenDue(const Graph &g, InstanceState &state, Timestamp as_of, Facts &facts, std::vector<StoredEvent> *converted)
{
	const Timestamp upto = state.wake_at ? std::min(*state.wake_at, as_of) : as_of;
	const Timestamp last_step_before = state.last_step_at;
	StepResult all = TakeLateEvents(g, state, upto, facts, converted, kHotPath);
	if (state.status != InstanceStatus::Active)
		return all;
	const bool moved = state.last_step_at != last_step_before;
	if (!moved || (state.wake_at && *state.wake_at <= as_of))
		AppendEffects(all, ResumeDue(g, state, as_of, facts, kHotPath));
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
	// Frequency caps: the users whose cap lock another transaction holds are left for a later batch (they stay
	// due): a batch never waits on a cap lock while it holds its due rows.
	const PgFacts::BatchSends capped_sends = BatchSendsOf(rows, as_of);
	const auto left_for_later = [&](const SqlRow &row) {
		return !capped_sends.skipped.empty() && capped_sends.skipped.count(row[0].s) > 0;
	};
	int64_t left = 0;
	for (const SqlRow &row : rows)
		left += left_for_later(row) ? 1 : 0;
	auto step = [&](const SqlRow &read_row) {
		std::vector<SqlRow> fresh;
		const SqlRow *row_ptr = current(read_row, fresh);
		if (!row_ptr)
			return;	 // no longer active: nothing is due
		const SqlRow &row = *row_ptr;
		if (rows_may_be_stale && row[12].null && (row[5].null || row[5].i > as_of))
			return;	 // no longer due (its wake moved on), and no event held
		const VersionEntry &v = rule_cache_.Version(spi_, (int32_t)row[2].i);
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
		std::vector<StoredEvent> converted;
		RunStep(v, li.state, [&](InstanceState &state, PgFacts &facts) {
			if (held)
				return ResumeOnEvent(g, state, as_of, facts, kHotPath);
			return LateThenDue(g, state, as_of, facts, &converted);
		});
		for (const StoredEvent &e : converted)
			RecordConversion(spi_, v, li.state.user_id, li.state.id, e.name, e.at);
	};
	// Optimistic: the whole batch in one subtransaction. A failing step (rare) rolls the batch back, and
	// the batch runs again one instance per subtransaction, so that only the failing ones are marked.
	{
		const PgFacts::BatchContacts contacts = BatchContactsOf(rows);
		const PgFacts::BatchMemberships memberships = BatchMembershipsOf(rows);
		const PgFacts::BatchZones zones = BatchZonesOf(rows);
		SubTransaction batch;
		OutboxBatch outbox;		 // the batch's outbox rows, written together
		InstanceBatch instances;	 // and its instance updates
		PgFacts::TemplateCache templates;
		EventCounter events;  // closed before the subtransaction commits; after an error, its abort releases it
		try {
			templates_ = &templates;
			batch_contacts_ = &contacts;
			batch_memberships_ = &memberships;
			batch_sends_ = &capped_sends;
			batch_zones_ = &zones;
			event_counter_ = &events;
			outbox_batch_ = &outbox;
			instance_batch_ = &instances;
			instances.Reserve(rows.size());
			outbox.Reserve(rows.size() * 2);  // (rows are large: no moves as the vectors grow)
			for (const SqlRow &row : rows)
				instances.Locate(row[1].i, row[kDueTidColumn].i);
			for (const SqlRow &row : rows)
				if (!left_for_later(row))
					step(row);
			outbox_batch_ = nullptr;
			instance_batch_ = nullptr;
			templates_ = nullptr;
			batch_contacts_ = nullptr;
			batch_memberships_ = nullptr;
			batch_sends_ = nullptr;
			batch_zones_ = nullptr;
			event_counter_ = nullptr;
			events.Close();
			instances.Flush(spi_);
			outbox.Flush(spi_);
			batch.Commit();
			return (int64_t)rows.size() - left;
		} catch (...) {
			outbox_batch_ = nullptr;
			instance_batch_ = nullptr;
			templates_ = nullptr;
			batch_contacts_ = nullptr;
			batch_memberships_ = nullptr;
			batch_sends_ = nullptr;
			batch_zones_ = nullptr;
			event_counter_ = nullptr;
			if (CurrentErrorKind() == ErrorKind::Interrupt)
				throw;	// a cancel or statement_timeout: nothing is marked, the steps stay due
			batch.Rollback();
		}
	}
	int64_t stepped = 0;
	for (const SqlRow &row : rows) {
		if (left_for_later(row))
			continue;
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
		const Graph &fg = *rule_cache_.Version(spi_, (int32_t)(*failed)[2].i).graph;
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
