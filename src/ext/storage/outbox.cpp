#include "pg/postgres.hpp"

#include "ext/storage/outbox.hpp"

#include "pg/batch_columns.hpp"
#include "pg/guard.hpp"
#include "pg/heap_writer.hpp"

#include <algorithm>
#include <array>
#include <iterator>
#include <string_view>

extern "C" {
#include "access/tableam.h"
#include "catalog/pg_type_d.h"
#include "commands/async.h"
#include "executor/executor.h"
#include "optimizer/optimizer.h"
#include "rewrite/rewriteHandler.h"
#include "utils/fmgrprotos.h"
#include "utils/memutils.h"
}

namespace journey {

namespace {

// --- The one list of journey.outbox's columns that a send gives (the others take their defaults) ---

// A column, its type (the direct writer checks the table's) and its value from the fields of a batch row
// (kOutboxFields).
struct OutboxColumnDef {
	const char *name;
	Oid type;
	const char *value;
};
constexpr OutboxColumnDef kOutboxColumnDefs[] = {
	{"journey", TEXTOID, "j"},
	{"version", INT4OID, "v::int"},
	{"node", TEXTOID, "n"},
	{"instance_id", INT8OID, "i"},
	{"user_id", TEXTOID, "u"},
	{"channel", TEXTOID, "c"},
	{"template", TEXTOID, "nullif(t, '')"},
	{"payload", JSONBOID, "p::jsonb"},
	{"dedup_key", TEXTOID, "d"},
	{"created_at", TIMESTAMPTZOID, "a"},
	{"available_at", TIMESTAMPTZOID, "b"},
	{"status", TEXTOID, "s"},
	{"last_error", TEXTOID, "nullif(e, '')"},
	{"topic", TEXTOID, "nullif(o, '')"},
};
constexpr int kOutboxColumnCount = (int)std::size(kOutboxColumnDefs);

// An OutboxRow as a batch row of journey._batch_rows carries it, field by field (OutboxBatch::Write).
struct OutboxField {
	const char *name;
	const char *type;
	SqlType batch_type;
};
constexpr OutboxField kOutboxFields[] = {
	{"j", "text", kT},	{"v", "text", kT}, {"n", "text", kT}, {"i", "int8", kI8},		 {"u", "text", kT}, {"c", "text", kT},
	{"t", "text", kT},	{"p", "text", kT}, {"d", "text", kT}, {"a", "timestamptz", kTs}, {"s", "text", kT}, {"e", "text", kT},
	{"o", "text", kT},	{"b", "timestamptz", kTs},
};

// The columns written when no row of a batch has a topic: all but the last (topic), so that a database still at
// an earlier version of the schema, whose outbox has no topic column, keeps working until it is updated.
constexpr int kOutboxColumnsWithoutTopic = kOutboxColumnCount - 1;

// The statement that writes the rows the direct path does not (built at first use, prepared once: the
// statement's address is its plan's key), with or without the topic column.
std::string
InsertOutboxSql(int columns)
{
	std::string names, values, fields;
	for (int c = 0; c < columns; c++) {
		names += std::string(names.empty() ? "" : ", ") + kOutboxColumnDefs[c].name;
		values += std::string(values.empty() ? "" : ", ") + kOutboxColumnDefs[c].value;
	}
	for (const OutboxField &f : kOutboxFields)
		fields += std::string(fields.empty() ? "" : ", ") + f.name + " " + f.type;
	return "INSERT INTO journey.outbox (" + names + ") SELECT " + values + " FROM journey._batch_rows($1) AS x(" +
		   fields + ")";
}

const Statement &
InsertOutboxMany(bool with_topic)
{
	static const std::string with_sql = InsertOutboxSql(kOutboxColumnCount);
	static const std::string without_sql = InsertOutboxSql(kOutboxColumnsWithoutTopic);
	static const Statement with{with_sql.c_str(), {SqlType::Int8}, {}};
	static const Statement without{without_sql.c_str(), {SqlType::Int8}, {}};
	return with_topic ? with : without;
}

const std::vector<SqlType> &
OutboxFieldTypes()
{
	static const std::vector<SqlType> types = [] {
		std::vector<SqlType> t;
		for (const OutboxField &f : kOutboxFields)
			t.push_back(f.batch_type);
		return t;
	}();
	return types;
}

void
Notify(const std::string &channel)
{
	const char *c = channel.c_str();
	PgCall([&] { Async_Notify("journey_outbox", c); });
}

// --- The direct path: the rows by table_multi_insert, the columns not given by their defaults ---
// Everything below runs inside PgCall: Postgres calls only, rows read through plain pointers, no C++
// object owned.

// The direct writer's columns, by their index in kOutboxColumnDefs.
enum OutboxColumn : int {
	kJourney,
	kVersion,
	kOutboxNode,
	kInstanceId,
	kOutboxUserId,
	kChannel,
	kTemplate,
	kPayload,
	kDedupKey,
	kCreatedAt,
	kAvailableAt,
	kOutboxStatus,
	kLastError,
	kTopic,
};
constexpr bool
OutboxColumnIs(OutboxColumn c, std::string_view name)
{
	return name == kOutboxColumnDefs[c].name;
}
static_assert(kOutboxColumnCount == 14 && OutboxColumnIs(kJourney, "journey") && OutboxColumnIs(kVersion, "version") &&
				  OutboxColumnIs(kOutboxNode, "node") && OutboxColumnIs(kInstanceId, "instance_id") &&
				  OutboxColumnIs(kOutboxUserId, "user_id") && OutboxColumnIs(kChannel, "channel") &&
				  OutboxColumnIs(kTemplate, "template") && OutboxColumnIs(kPayload, "payload") &&
				  OutboxColumnIs(kDedupKey, "dedup_key") && OutboxColumnIs(kCreatedAt, "created_at") &&
				  OutboxColumnIs(kAvailableAt, "available_at") && OutboxColumnIs(kOutboxStatus, "status") &&
				  OutboxColumnIs(kLastError, "last_error") && OutboxColumnIs(kTopic, "topic"),
			  "the direct writer's columns are kOutboxColumnDefs, in its order");

constexpr std::array<ColumnSpec, kOutboxColumnCount> kOutboxColumnSpecs = [] {
	std::array<ColumnSpec, kOutboxColumnCount> specs{};
	for (int c = 0; c < kOutboxColumnCount; c++)
		specs[c] = {kOutboxColumnDefs[c].name, kOutboxColumnDefs[c].type};
	return specs;
}();

// Forms one outbox row (the defaults evaluated, then the row's columns) in `memory`.
HeapTuple
FormOutboxRow(HeapWriter *w, ExprState *const *defaults, const OutboxRow &o, int columns, MemoryContext memory)
{
	const TupleDesc desc = RelationGetDescr(w->rel);
	ExprContext *econtext = GetPerTupleExprContext(w->estate);
	Datum values[kMaxWriterColumns];
	bool nulls[kMaxWriterColumns];
	for (int a = 0; a < desc->natts; a++) {
		nulls[a] = true;
		values[a] = defaults[a] ? ExecEvalExprSwitchContext(defaults[a], econtext, &nulls[a]) : (Datum)0;
	}
	const AttrNumber *att = w->att;
	auto at = [&](OutboxColumn c) { return att[c] - 1; };
	MemoryContext caller = MemoryContextSwitchTo(econtext->ecxt_per_tuple_memory);
	values[at(kJourney)] = TextOrNull(o.journey, false, &nulls[at(kJourney)]);
	values[at(kVersion)] = Int32GetDatum(o.version);
	nulls[at(kVersion)] = false;
	values[at(kOutboxNode)] = TextOrNull(o.node, false, &nulls[at(kOutboxNode)]);
	values[at(kInstanceId)] = Int64GetDatum(o.instance_id);
	nulls[at(kInstanceId)] = false;
	values[at(kOutboxUserId)] = TextOrNull(o.user_id, false, &nulls[at(kOutboxUserId)]);
	values[at(kChannel)] = TextOrNull(o.channel, false, &nulls[at(kChannel)]);
	values[at(kTemplate)] = TextOrNull(o.template_name, true, &nulls[at(kTemplate)]);
	values[at(kPayload)] = DirectFunctionCall1(jsonb_in, CStringGetDatum(o.payload.c_str()));
	nulls[at(kPayload)] = false;
	values[at(kDedupKey)] = TextOrNull(o.dedup_key, false, &nulls[at(kDedupKey)]);
	values[at(kCreatedAt)] = Int64GetDatum(o.at);
	nulls[at(kCreatedAt)] = false;
	values[at(kAvailableAt)] = Int64GetDatum(o.available_at);
	nulls[at(kAvailableAt)] = false;
	values[at(kOutboxStatus)] = TextOrNull(o.status, false, &nulls[at(kOutboxStatus)]);
	values[at(kLastError)] = TextOrNull(o.last_error, true, &nulls[at(kLastError)]);
	if (columns > kTopic)
		values[at(kTopic)] = TextOrNull(o.topic, true, &nulls[at(kTopic)]);
	MemoryContextSwitchTo(memory);
	HeapTuple tuple = heap_form_tuple(desc, values, nulls);
	MemoryContextSwitchTo(caller);
	return tuple;
}

void
InsertAll(const OutboxRow *rows, size_t n, int columns, bool *done)
{
	HeapWriter w;
	if (!OpenHeapWriter("journey", "outbox", CMD_INSERT, kOutboxColumnSpecs.data(), columns, &w))
		return;
	const TupleDesc desc = RelationGetDescr(w.rel);
	// Rows go in by table_multi_insert, kChunk at a time (one WAL record and one buffer lock per page,
	// as COPY), then each row's index entries.
	constexpr int kChunk = 256;
	const int nslots = (int)std::min<size_t>(kChunk, n);
	TupleTableSlot *slots[kChunk];
	ExprState *defaults[kMaxWriterColumns] = {};	// the columns not given (the id's identity sequence, attempts)
	MemoryContext caller = MemoryContextSwitchTo(w.estate->es_query_cxt);
	for (int k = 0; k < nslots; k++)
		slots[k] = MakeSingleTupleTableSlot(desc, &TTSOpsHeapTuple);
	bool given[kMaxWriterColumns] = {};
	for (int c = 0; c < columns; c++)
		given[w.att[c] - 1] = true;
	for (int k = 0; k < desc->natts; k++) {
		if (given[k] || TupleDescAttr(desc, k)->attisdropped)
			continue;
		Expr *expr = (Expr *)build_column_default(w.rel, k + 1);
		if (expr)
			defaults[k] = ExecInitExpr(expression_planner(expr), NULL);
	}
	// The chunk's tuples, and what table_multi_insert leaves in the current context (its tuple array,
	// toasted copies), freed after each chunk.
	MemoryContext insert_memory =
		AllocSetContextCreate(w.estate->es_query_cxt, "journey outbox rows", ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(caller);
	for (size_t first = 0; first < n; first += kChunk) {
		const int count = (int)std::min<size_t>(kChunk, n - first);
		for (int k = 0; k < count; k++) {
			StoreTuple(&w, slots[k], FormOutboxRow(&w, defaults, rows[first + k], columns, insert_memory));
			CheckConstraints(&w, slots[k]);
			ResetPerTupleExprContext(w.estate);
		}
		MemoryContextSwitchTo(insert_memory);
		table_multi_insert(w.rel, slots, count, w.estate->es_output_cid, 0, NULL);
		MemoryContextSwitchTo(caller);
		for (int k = 0; k < count; k++) {
			InsertIndexEntries(&w, slots[k], false);
			ExecClearTuple(slots[k]);
			ResetPerTupleExprContext(w.estate);
		}
		MemoryContextReset(insert_memory);
	}
	for (int k = 0; k < nslots; k++)
		ExecDropSingleTupleTableSlot(slots[k]);
	CloseHeapWriter(&w);
	*done = true;
}

// Inserts the rows into journey.outbox; false (and nothing written) when the direct path does not apply.
bool
InsertOutboxRows(const std::vector<OutboxRow> &rows, int columns)
{
	if (rows.empty())
		return true;
	bool done = false;
	const OutboxRow *data = rows.data();
	const size_t n = rows.size();
	PgCall([&] { InsertAll(data, n, columns, &done); });
	return done;
}

// A journey's send rate (SPEC §5 top level "send_rate": {"max": N, "per": D}, §10: a sliding window, the first
// rows available at once): at most N of its rows become available in any period D. Its rows take places in
// windows of length D (a day counting 24 hours, a month 30 days): N in the current window, then N from the
// window one period later, and so on; a row whose own time (its available_at: quiet hours may have deferred it)
// is past the current window opens a new one there. The journey's current window lives in
// journey.send_rate_slots, whose row stays locked until the writing transaction ends.
const Statement kTakeRateWindow{
	"INSERT INTO journey.send_rate_slots AS s (journey, window_start, used) VALUES ($1, '-infinity', 0) "
	"ON CONFLICT (journey) DO UPDATE SET journey = excluded.journey RETURNING s.window_start, s.used",
	{SqlType::Text},
	{SqlType::TimestampTz, SqlType::Int4}};
const Statement kKeepRateWindow{"UPDATE journey.send_rate_slots SET window_start = $2, used = $3 WHERE journey = $1",
								{SqlType::Text, SqlType::TimestampTz, SqlType::Int4},
								{}};

void
SpaceBySendRate(SpiSession &spi, std::vector<OutboxRow> &rows)
{
	std::vector<std::string> journeys;
	for (const OutboxRow &o : rows)
		if (o.rate_max > 0 && std::find(journeys.begin(), journeys.end(), o.journey) == journeys.end())
			journeys.push_back(o.journey);
	std::sort(journeys.begin(), journeys.end());	 // one lock order for every transaction
	for (const std::string &journey : journeys) {
		std::vector<OutboxRow *> mine;
		for (OutboxRow &o : rows)
			if (o.rate_max > 0 && o.journey == journey && o.status != "suppressed")
				mine.push_back(&o);
		if (mine.empty())
			continue;
		// In their order of availability (stable: the batch's order among equals).
		std::stable_sort(mine.begin(), mine.end(),
						 [](const OutboxRow *a, const OutboxRow *b) { return a->available_at < b->available_at; });
		const SqlRow window = spi.Run(kTakeRateWindow, {SqlValue::Text(journey)})[0];
		// -infinity reads as INT64_MIN: any row opens the first window.
		Timestamp start = window[0].i;
		int64_t used = window[1].i;
		for (OutboxRow *o : mine) {
			const int64_t period = o->rate_period, max = o->rate_max;
			if (start == INT64_MIN || o->available_at >= start + period) {
				start = o->available_at;
				used = 0;
			}
			if (used >= max) {
				start += period;
				used = 0;
			}
			o->available_at = std::max(o->available_at, start);
			++used;
		}
		spi.Exec(kKeepRateWindow, {SqlValue::Text(journey), SqlValue::Timestamp(start), SqlValue::Int(used)});
	}
}

}	 // namespace

int64_t
RatePeriod(const Rate &rate)
{
	const int64_t per = rate.per.micros + (int64_t)rate.per.days * 24 * kMicrosPerHour +
						(int64_t)rate.per.months * 30 * 24 * kMicrosPerHour;
	return std::max<int64_t>(1, per);
}

int64_t
OutboxBatch::CountPending(const std::string &user_id, const std::string &channel, Timestamp after, Timestamp upto)
{
	for (; indexed_ < rows_.size(); ++indexed_) {
		const OutboxRow &o = rows_[indexed_];
		if (o.status != "suppressed")
			pending_[o.user_id + '\x1f' + o.channel].push_back(o.at);
	}
	const auto it = pending_.find(user_id + '\x1f' + channel);
	if (it == pending_.end())
		return 0;
	return std::count_if(it->second.begin(), it->second.end(), [&](Timestamp at) { return at > after && at <= upto; });
}

void
OutboxBatch::Add(const VersionEntry &version, const InstanceState &state, const SendEffect &s)
{
	OutboxRow row;
	row.payload = s.payload.dump();
	row.journey = version.journey;
	row.version = version.version;
	row.node = version.graph->nodes[s.node].id;
	row.instance_id = state.id;
	row.user_id = state.user_id;
	row.channel = s.channel;
	row.template_name = s.template_name;
	row.dedup_key = s.dedup_key;
	row.at = s.at;
	row.available_at = s.available_at;
	if (version.graph->send_rate) {
		row.rate_max = version.graph->send_rate->max;
		row.rate_period = RatePeriod(*version.graph->send_rate);
	}
	row.status = s.suppressed ? "suppressed" : "pending";
	row.last_error = s.suppress_reason;
	row.topic = s.topic;
	rows_.push_back(std::move(row));
	if (!s.suppressed && std::find(channels_.begin(), channels_.end(), s.channel) == channels_.end())
		channels_.push_back(s.channel);
}

void
OutboxBatch::Flush(SpiSession &spi)
{
	Write(spi, true);
}

void
OutboxBatch::FlushByStatement(SpiSession &spi)
{
	Write(spi, false);
}

void
OutboxBatch::Write(SpiSession &spi, bool direct)
{
	std::vector<OutboxRow> rows;
	std::swap(rows, rows_);	 // the batch is empty afterwards, whether the writes succeed or not
	std::vector<std::string> channels;
	std::swap(channels, channels_);
	indexed_ = 0;
	pending_.clear();
	SpaceBySendRate(spi, rows);
	// The topic column only when some row has a topic (see kOutboxColumnsWithoutTopic).
	const bool with_topic = std::any_of(rows.begin(), rows.end(), [](const OutboxRow &o) { return !o.topic.empty(); });
	const int ncolumns = with_topic ? kOutboxColumnCount : kOutboxColumnsWithoutTopic;
	if (!rows.empty() && (!direct || !InsertOutboxRows(rows, ncolumns))) {
		BatchColumns columns(OutboxFieldTypes());
		for (OutboxRow &o : rows) {
			columns.Text(0, std::move(o.journey));
			columns.Text(1, std::to_string(o.version));
			columns.Text(2, std::move(o.node));
			columns.Int64(3, o.instance_id);
			columns.Text(4, std::move(o.user_id));
			columns.Text(5, std::move(o.channel));
			columns.Text(6, std::move(o.template_name));
			columns.Text(7, std::move(o.payload));
			columns.Text(8, std::move(o.dedup_key));
			columns.Int64(9, o.at);
			columns.Text(10, std::move(o.status));
			columns.Text(11, std::move(o.last_error));
			columns.Text(12, std::move(o.topic));
			columns.Int64(13, o.available_at);
		}
		columns.Exec(spi, InsertOutboxMany(with_topic));
	}
	for (const std::string &channel : channels)
		Notify(channel);
}

void
WriteSends(SpiSession &spi, const VersionEntry &version, const InstanceState &state, const StepResult &result,
		   OutboxBatch *batch)
{
	for (const SendEffect &s : result.sends) {
		if (batch) {
			batch->Add(version, state, s);
			continue;
		}
		OutboxBatch one;  // one statement writes outbox rows, one send's or a batch's
		one.Add(version, state, s);
		one.FlushByStatement(spi);
	}
}

}	 // namespace journey
