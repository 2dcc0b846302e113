#include "pg/postgres.hpp"

#include "ext/storage/instance_store.hpp"

#include "ext/entry/settings.hpp"

#include "ext/shmem/wakeup.hpp"
#include "pg/guard.hpp"

#include <algorithm>
#include <climits>
#include <cstdlib>

extern "C" {
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "commands/sequence.h"
#include "utils/lsyscache.h"
}

namespace journey {

namespace {

const Statement kNextId{"SELECT nextval('journey.instance_id_seq')", {}, {SqlType::Int8}};

const Statement kConversion{
	"INSERT INTO journey.conversions (user_id, instance_id, journey, version, converted_at, event) "
	"VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
	{SqlType::Text, SqlType::Int8, SqlType::Text, SqlType::Int4, SqlType::TimestampTz, SqlType::Text},
	{}};

// Appends an event to the instance's held events ($4: {"name", "props", "at"}); the first one keeps the
// instance's wake_at ($5, microseconds, or null) and makes the instance due from the event's time.
const Statement kHoldEvent{
	"UPDATE journey.instance SET "
	"held_events = CASE WHEN held_events IS NULL "
	"THEN jsonb_build_object('wake_at', $5::int8, 'events', jsonb_build_array($4::jsonb)) "
	"ELSE jsonb_set(held_events, '{events}', (held_events -> 'events') || jsonb_build_array($4::jsonb)) END, "
	"event_held_at = least(coalesce(event_held_at, $3), $3), wake_at = least(coalesce(wake_at, $3), $3) "
	"WHERE user_id = $1 AND id = $2",
	{SqlType::Text, SqlType::Int8, SqlType::TimestampTz, SqlType::Jsonb, SqlType::Int8},
	{}};

std::optional<std::string>
NodeName(const Graph &graph, NodeId node)
{
	if (node == kNoNode)
		return std::nullopt;
	return graph.nodes[node].id;
}

// The event the instance waits for (the first, with parallel branches); informational: the trigger asks the
// evaluator about every branch.
std::optional<std::string>
WaitingEvent(const Graph &graph, const InstanceState &state)
{
	if (state.status != InstanceStatus::Active)
		return std::nullopt;
	std::vector<std::string> events = WaitingEvents(graph, state);
	if (events.empty())
		return std::nullopt;
	return events.front();
}

SqlValue
BranchesValue(const Graph &graph, const InstanceState &state)
{
	if (state.other_branches.empty() || state.status != InstanceStatus::Active)
		return SqlValue::Null();
	return SqlValue::Jsonb(BranchesToJson(graph, state.other_branches).dump());
}

}	 // namespace

std::string
VisitsText(const std::vector<int32_t> &visits)
{
	size_t used = visits.size();
	while (used > 0 && visits[used - 1] == 0)
		used--;
	std::string out;
	for (size_t k = 0; k < used; k++) {
		if (k)
			out += ',';
		out += std::to_string(visits[k]);
	}
	return out;
}

std::vector<int32_t>
ParseVisits(const std::string &text)
{
	std::vector<int32_t> visits;
	const char *p = text.c_str();
	while (*p) {
		char *end = nullptr;
		const long n = std::strtol(p, &end, 10);
		if (end == p || n < 0 || n > INT32_MAX || (*end != ',' && *end != '\0'))
			throw StepError("the instance's visits \"" + text + "\" are not a list of counts");
		visits.push_back((int32_t)n);
		p = *end ? end + 1 : end;
	}
	return visits;
}

LoadedInstance
ReadInstance(const SqlRow &row, const Graph &graph)
{
	LoadedInstance li;
	li.state.user_id = row[0].s;
	li.state.id = row[1].i;
	li.version_id = (int32_t)row[2].i;
	li.state.node = row[4].null ? kNoNode : graph.FindNode(row[4].s);
	if (!row[4].null && li.state.node == kNoNode)
		throw StepError("the instance is at node \"" + row[4].s + "\", which its version does not have");
	if (!row[5].null)
		li.state.wake_at = row[5].i;
	if (!row[6].null)
		li.waiting_event = row[6].s;
	li.state.entered_at = row[7].i;
	li.state.last_step_at = row[8].i;
	li.state.visits = ParseVisits(row[9].s);
	li.state.context = Json::parse(row[10].s);
	li.state.event = Json::parse(row[11].s);
	if (!row[12].null)
		li.event_held_at = row[12].i;
	li.state.entry_key = row[13].s;
	li.state.variant = row[14].null ? "" : row[14].s;
	if (!row[15].null)
		li.state.other_branches = BranchesFromJson(graph, Json::parse(row[15].s));
	if (!row[16].null) {
		const Json held = Json::parse(row[16].s);
		if (held.contains("wake_at") && held["wake_at"].is_number_integer())
			li.wake_at_before_hold = held["wake_at"].get<int64_t>();
		for (const Json &e : held.value("events", Json::array()))
			li.held_events.push_back({e.value("name", std::string()), e.value("props", Json::object()),
									  e.value("at", (int64_t)0)});
		// Replayed in time order (an event dated earlier may have arrived later).
		std::stable_sort(li.held_events.begin(), li.held_events.end(),
						 [](const LoadedInstance::HeldEvent &a, const LoadedInstance::HeldEvent &b) { return a.at < b.at; });
	}
	li.state.keep_history = KeepStepHistory();
	li.state.status = InstanceStatus::Active;
	return li;
}

int64_t
NextInstanceId(SpiSession &spi)
{
	// Straight from the sequence (an SPI statement costs ~20 times more); SQL when it is not where expected.
	const int64_t id = PgCall([]() -> int64_t {
		Oid nsp = get_namespace_oid("journey", true);
		Oid seq = OidIsValid(nsp) ? get_relname_relid("instance_id_seq", nsp) : InvalidOid;
		if (!OidIsValid(seq) || get_rel_relkind(seq) != RELKIND_SEQUENCE)
			return -1;
		return nextval_internal(seq, false);
	});
	if (id >= 0)
		return id;
	return spi.Run(kNextId, {})[0][0].i;
}

namespace {

// The fields of a batch row of journey._batch_rows: `first` fields, the step columns, then `last` fields.
std::string
BatchRowFields(const char *first, const char *last)
{
	std::string fields = first;
	for (const StepColumn &c : kStepColumns)
		fields += std::string(c.field) + (c.field_type == kTs ? " timestamptz, " : " text, ");
	return fields + last;
}

// A step column's value from its field, qualified with `row` when given; an update's (of row i) when `update`.
std::string
StepValue(const StepColumn &c, const char *row, bool update = false)
{
	std::string value = update && c.update_value ? c.update_value : c.value;
	const size_t at = value.find('@');
	return value.replace(at, 1, std::string(row) + c.field);
}

// Whether journey.instance has the columns of this version (StepColumn::newer): a database whose extension is
// not updated yet lacks them. Looked up at each batch's write (two syscache lookups).
bool
InstanceHasNewerColumns()
{
	return PgCall([] {
		Oid nsp = get_namespace_oid("journey", true);
		Oid rel = OidIsValid(nsp) ? get_relname_relid("instance", nsp) : InvalidOid;
		return OidIsValid(rel) && get_attnum(rel, "history") != InvalidAttrNumber;
	});
}

std::vector<SqlType>
BatchColumnTypes(std::vector<SqlType> first, const std::vector<SqlType> &last)
{
	for (const StepColumn &c : kStepColumns)
		first.push_back(c.field_type);
	first.insert(first.end(), last.begin(), last.end());
	return first;
}

// New instances: user_id, id, the step columns (AddStepColumns), version_id, journey_id, exclusive, entry_key,
// entered_at, event. Built at first use, prepared once (the statement's address is its plan's key).
const std::vector<SqlType> &
InsertColumns()
{
	static const std::vector<SqlType> types = BatchColumnTypes({kT, kI8}, {kT, kT, kT, kT, kTs, kT});
	return types;
}

std::string
InsertManySql(bool newer)
{
	std::string names, values;
	for (const StepColumn &c : kStepColumns) {
		if (c.newer && !newer)
			continue;
		names += std::string(c.name) + ", ";
		values += StepValue(c, "") + ", ";
	}
	return "INSERT INTO journey.instance (user_id, id, " + names +
		   "version_id, journey_id, exclusive, entry_key, entered_at, event) "
		   "SELECT u, id, " +
		   values +
		   "ver::int, j::int, x::bool, k, ea, ev::jsonb "
		   "FROM journey._batch_rows($1) AS t(" +
		   BatchRowFields("u text, id int8, ", "ver text, j text, x text, k text, ea timestamptz, ev text") +
		   ") "
		   "ON CONFLICT (journey_id, user_id, entry_key) WHERE status = 'a' AND exclusive DO NOTHING RETURNING id";
}

// Two forms: with the columns of this version, and without them for a database not updated yet.
const Statement &
InsertMany()
{
	static const std::string sql = InsertManySql(true), older_sql = InsertManySql(false);
	static const Statement statement{sql.c_str(), {SqlType::Int8}, {SqlType::Int8}, true};
	static const Statement older{older_sql.c_str(), {SqlType::Int8}, {SqlType::Int8}, true};
	return InstanceHasNewerColumns() ? statement : older;
}

// The columns a step sets, of an instance's state ('' for null), computed before anything is added to a
// batch (a JSON dump may throw: a batch's columns must stay of one length).
InstanceUpdate
StepColumns(const Graph &graph, const InstanceState &state)
{
	const SqlValue branches = BranchesValue(graph, state);
	InstanceUpdate u;
	u.user_id = state.user_id;
	u.id = state.id;
	u.status = StatusCode(state.status);
	u.node = NodeName(graph, state.node).value_or("");
	u.wake_at = state.wake_at;
	u.waiting_event = WaitingEvent(graph, state).value_or("");
	u.last_step_at = state.last_step_at;
	u.ended_at = state.ended_at;
	u.exit_reason = state.exit_reason;
	u.visits = VisitsText(state.visits);
	u.error = state.error;
	u.context = state.context.dump();
	u.variant = state.variant;
	if (!branches.null)
		u.branches = branches.s;
	u.history = state.history.substr(std::min(state.history_stored, state.history.size()));	// appended once
	state.history_stored = state.history.size();
	return u;
}

// Adds the columns a step sets from column `first` on, in the order of kStepColumns.
static_assert(kStepColumnCount == 13 && StepColumnIndex("status") == 0 && StepColumnIndex("node") == 1 &&
				  StepColumnIndex("wake_at") == 2 && StepColumnIndex("waiting_event") == 3 &&
				  StepColumnIndex("last_step_at") == 4 && StepColumnIndex("ended_at") == 5 &&
				  StepColumnIndex("exit_reason") == 6 && StepColumnIndex("visits") == 7 &&
				  StepColumnIndex("error") == 8 && StepColumnIndex("context") == 9 &&
				  StepColumnIndex("variant") == 10 && StepColumnIndex("branches") == 11 &&
				  StepColumnIndex("history") == 12,
			  "AddStepColumns adds the step columns in the order of kStepColumns");
void
AddStepColumns(BatchColumns &columns, size_t first, InstanceUpdate u)
{
	columns.Text(first, std::move(u.status));
	columns.Text(first + 1, std::move(u.node));
	columns.Int64(first + 2, u.wake_at);
	columns.Text(first + 3, std::move(u.waiting_event));
	columns.Int64(first + 4, u.last_step_at);
	columns.Int64(first + 5, u.ended_at);
	columns.Text(first + 6, std::move(u.exit_reason));
	columns.Text(first + 7, std::move(u.visits));
	columns.Text(first + 8, std::move(u.error));
	columns.Text(first + 9, std::move(u.context));
	columns.Text(first + 10, std::move(u.variant));
	columns.Text(first + 11, std::move(u.branches));
	columns.Text(first + 12, std::move(u.history));
}

}	 // namespace

InstanceInserts::InstanceInserts() : columns_(InsertColumns()) {}

void
InstanceInserts::Add(const VersionEntry &version, const InstanceState &state, bool exclusive)
{
	InstanceUpdate row = StepColumns(*version.graph, state);
	std::string event = state.event.dump();
	columns_.Text(0, state.user_id);
	columns_.Int64(1, state.id);
	AddStepColumns(columns_, 2, std::move(row));
	constexpr size_t last = 2 + kStepColumnCount;	// the fields after the step columns
	columns_.Text(last, std::to_string(version.id));
	columns_.Text(last + 1, std::to_string(version.journey_id));
	columns_.Text(last + 2, exclusive ? "true" : "false");
	columns_.Text(last + 3, state.entry_key);
	columns_.Int64(last + 4, state.entered_at);
	columns_.Text(last + 5, std::move(event));
	if (state.status == InstanceStatus::Active && state.wake_at)
		wakes_.emplace_back(state.id, *state.wake_at);
}

std::unordered_set<int64_t>
InstanceInserts::Flush(SpiSession &spi)
{
	std::unordered_set<int64_t> created;
	if (columns_.Rows() == 0)
		return created;
	for (const SqlRow &r : columns_.Run(spi, InsertMany()))
		created.insert(r[0].i);
	for (const auto &[id, wake_at] : wakes_)
		if (created.count(id))
			NoteWake(wake_at);
	wakes_.clear();
	return created;
}

bool
InsertInstance(SpiSession &spi, const VersionEntry &version, const InstanceState &state, bool exclusive)
{
	InstanceInserts one;  // one statement inserts instances, one row or a statement's entries
	one.Add(version, state, exclusive);
	return !one.Flush(spi).empty();
}

void
UpdateInstance(SpiSession &spi, const Graph &graph, const InstanceState &state)
{
	InstanceBatch one;	// one statement writes instances, one row or a batch
	one.Add(graph, state);
	one.Flush(spi);
}

namespace {

// A step's columns by key: user_id, id, the step columns (AddStepColumns). A step also clears the events held.
const std::vector<SqlType> &
UpdateColumns()
{
	static const std::vector<SqlType> types = BatchColumnTypes({kT, kI8}, {});
	return types;
}

std::string
UpdateManySql(bool newer)
{
	std::string set;
	for (const StepColumn &c : kStepColumns)
		if (!c.newer || newer)
			set += std::string(c.name) + " = " + StepValue(c, "x.", true) + ", ";
	std::string fields = BatchRowFields("u text, id int8, ", "");
	fields.resize(fields.size() - 2);  // the last ", "
	return "UPDATE journey.instance i SET " + set +
		   "event_held_at = NULL, held_events = NULL "
		   "FROM journey._batch_rows($1) AS x(" +
		   fields + ") WHERE i.user_id = x.u AND i.id = x.id";
}

const Statement &
UpdateMany()
{
	static const std::string sql = UpdateManySql(true), older_sql = UpdateManySql(false);
	static const Statement statement{sql.c_str(), {SqlType::Int8}, {}, true};
	static const Statement older{older_sql.c_str(), {SqlType::Int8}, {}, true};
	return InstanceHasNewerColumns() ? statement : older;
}

}	 // namespace


void
InstanceBatch::Locate(int64_t id, int64_t tid)
{
	located_[id] = tid;
}

void
InstanceBatch::Add(const Graph &graph, const InstanceState &state)
{
	InstanceUpdate row = StepColumns(graph, state);
	auto it = located_.find(state.id);
	if (it != located_.end()) {
		row.tid = it->second;
		located_.erase(it);	 // a second update of the instance finds it by key
	}
	rows_.push_back(std::move(row));
	if (state.status == InstanceStatus::Active && state.wake_at)
		NoteWake(*state.wake_at);
}

void
InstanceBatch::Flush(SpiSession &spi)
{
	std::vector<InstanceUpdate> rows;
	std::swap(rows, rows_);	 // the batch is empty afterwards, whether the writes succeed or not
	if (rows.empty())
		return;
	const std::vector<char> written = WriteInstancesInPlace(rows);
	BatchColumns columns(UpdateColumns());
	for (size_t k = 0; k < rows.size(); k++) {
		if (written[k])
			continue;
		columns.Text(0, rows[k].user_id);
		columns.Int64(1, rows[k].id);
		AddStepColumns(columns, 2, std::move(rows[k]));
	}
	if (columns.Rows() > 0)
		columns.Exec(spi, UpdateMany());
}

namespace {
const Statement kRefusal{"INSERT INTO journey.refusals (user_id, at, journey, version, entry_key, reason) "
						 "VALUES ($1, $2, $3, $4, $5, $6)",
						 {SqlType::Text, SqlType::TimestampTz, SqlType::Text, SqlType::Int4, SqlType::Text, SqlType::Text},
						 {}};
}	 // namespace

void
RecordRefusal(SpiSession &spi, const VersionEntry &version, const std::string &user_id, const std::string &entry_key,
			  Timestamp at, const std::string &reason)
{
	if (!KeepRefusals())
		return;
	spi.Exec(kRefusal, {SqlValue::Text(user_id), SqlValue::Timestamp(at), SqlValue::Text(version.journey),
						SqlValue::Int(version.version), SqlValue::Text(entry_key), SqlValue::Text(reason)});
}

std::string
AlreadyActiveRefusal(const Graph &graph)
{
	return std::string("the user is already in the journey (reentry ") + ReentryName(graph.entry.reentry) + ")";
}

void
RecordConversion(SpiSession &spi, const VersionEntry &version, const std::string &user_id, int64_t instance_id,
				 const std::string &event, Timestamp at)
{
	spi.Exec(kConversion, {SqlValue::Text(user_id), SqlValue::Int(instance_id), SqlValue::Text(version.journey),
						   SqlValue::Int(version.version), SqlValue::Timestamp(at), SqlValue::Text(event)});
}

void
HoldEvent(SpiSession &spi, const InstanceState &state, const std::string &name, const Json &props, Timestamp event_at)
{
	const Json event{{"name", name}, {"props", props}, {"at", event_at}};
	spi.Exec(kHoldEvent, {SqlValue::Text(state.user_id), SqlValue::Int(state.id), SqlValue::Timestamp(event_at),
						  SqlValue::Jsonb(event.dump()),
						  state.wake_at ? SqlValue::Int(*state.wake_at) : SqlValue::Null()});
}

}	 // namespace journey
