#include "pg/postgres.hpp"

#include "ext/instance_store.hpp"

#include "ext/wakeup.hpp"
#include "pg/guard.hpp"

#include <algorithm>
#include <climits>
#include <cstdlib>

extern "C" {
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "commands/async.h"
#include "commands/sequence.h"
#include "utils/lsyscache.h"
}

namespace journey {

namespace {

const Statement kNextId{"SELECT nextval('journey.instance_id_seq')", {}, {SqlType::Int8}};

const Statement kInsert{
	"INSERT INTO journey.instance (user_id, id, version_id, journey_id, status, exclusive, entry_key, node, wake_at, "
	"waiting_event, entered_at, last_step_at, ended_at, exit_reason, visits, context, event, error, variant, branches) "
	"VALUES ($1, $2, $3, $4, $5::\"char\", $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20) "
	"ON CONFLICT (journey_id, user_id, entry_key) WHERE status = 'a' AND exclusive DO NOTHING",
	{SqlType::Text, SqlType::Int8, SqlType::Int4, SqlType::Int4, SqlType::Text, SqlType::Bool, SqlType::Text,
	 SqlType::Text, SqlType::TimestampTz, SqlType::Text, SqlType::TimestampTz, SqlType::TimestampTz,
	 SqlType::TimestampTz, SqlType::Text, SqlType::Text, SqlType::Jsonb, SqlType::Jsonb, SqlType::Text,
	 SqlType::Text, SqlType::Jsonb},
	{}};

const Statement kConversion{
	"INSERT INTO journey.conversions (user_id, instance_id, journey, version, converted_at, event) "
	"VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
	{SqlType::Text, SqlType::Int8, SqlType::Text, SqlType::Int4, SqlType::TimestampTz, SqlType::Text},
	{}};

const Statement kHoldEvent{"UPDATE journey.instance SET event_held_at = $3, wake_at = least(wake_at, $3) "
						   "WHERE user_id = $1 AND id = $2 AND event_held_at IS NULL",
						   {SqlType::Text, SqlType::Int8, SqlType::TimestampTz},
						   {}};

const Statement kInsertOutbox{
	"INSERT INTO journey.outbox (journey, version, node, instance_id, user_id, channel, template, payload, "
	"dedup_key, created_at, available_at, status, last_error) "
	"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11, $12)",
	{SqlType::Text, SqlType::Int4, SqlType::Text, SqlType::Int8, SqlType::Text, SqlType::Text, SqlType::Text,
	 SqlType::Jsonb, SqlType::Text, SqlType::TimestampTz, SqlType::Text, SqlType::Text},
	{}};

const char *
StatusCode(InstanceStatus status)
{
	switch (status) {
	case InstanceStatus::Active:
		return "a";
	case InstanceStatus::Completed:
		return "c";
	case InstanceStatus::Exited:
		return "e";
	case InstanceStatus::Failed:
		return "f";
	}
	return "f";
}

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

std::optional<std::string>
NonEmpty(const std::string &s)
{
	if (s.empty())
		return std::nullopt;
	return s;
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

bool
InsertInstance(SpiSession &spi, const VersionEntry &version, const InstanceState &state, bool exclusive,
			   const std::string &entry_key)
{
	const Graph &g = *version.graph;
	uint64_t n = spi.Exec(kInsert, {SqlValue::Text(state.user_id), SqlValue::Int(state.id), SqlValue::Int(version.id),
									SqlValue::Int(version.journey_id), SqlValue::Text(StatusCode(state.status)),
									SqlValue::Bool(exclusive), SqlValue::Text(entry_key),
									SqlValue::OptionalText(NodeName(g, state.node)),
									SqlValue::OptionalTimestamp(state.wake_at),
									SqlValue::OptionalText(WaitingEvent(g, state)),
									SqlValue::Timestamp(state.entered_at), SqlValue::Timestamp(state.last_step_at),
									SqlValue::OptionalTimestamp(state.ended_at),
									SqlValue::OptionalText(NonEmpty(state.exit_reason)), SqlValue::Text(VisitsText(state.visits)),
									SqlValue::Jsonb(state.context.dump()), SqlValue::Jsonb(state.event.dump()),
									SqlValue::OptionalText(NonEmpty(state.error)),
									SqlValue::OptionalText(NonEmpty(state.variant)), BranchesValue(g, state)});
	if (n > 0 && state.status == InstanceStatus::Active && state.wake_at)
		NoteWake(*state.wake_at);
	return n > 0;
}

void
UpdateInstance(SpiSession &spi, const Graph &graph, const InstanceState &state)
{
	InstanceBatch one;	// one statement writes instances, one row or a batch
	one.Add(graph, state);
	one.Flush(spi);
}

namespace {

const std::vector<SqlType> kUpdateColumns{kT, kI8, kT, kT, kTs, kT, kTs, kTs, kT, kT, kT, kT, kT, kT};
const Statement kUpdateMany{
	"UPDATE journey.instance i SET status = x.s::\"char\", node = nullif(x.n, ''), "
	"wake_at = x.w, waiting_event = nullif(x.we, ''), last_step_at = x.l, "
	"ended_at = x.e, exit_reason = nullif(x.r, ''), visits = x.v, "
	"error = nullif(x.err, ''), event_held_at = NULL, context = x.c::jsonb, variant = nullif(x.var, ''), "
	"branches = nullif(x.b, '')::jsonb "
	"FROM journey._batch_rows($1) AS x(u text, id int8, s text, n text, w timestamptz, we text, l timestamptz, "
	"e timestamptz, r text, v text, err text, c text, var text, b text) "
	"WHERE i.user_id = x.u AND i.id = x.id",
	{SqlType::Int8},
	{},
	true};


}	 // namespace

InstanceRow
InstanceRowText(const Graph &graph, const InstanceState &state)
{
	const SqlValue branches = BranchesValue(graph, state);
	return InstanceRow{StatusCode(state.status), NodeName(graph, state.node).value_or(""),
					   WaitingEvent(graph, state).value_or(""), VisitsText(state.visits),
					   branches.null ? std::string() : branches.s};
}

InstanceBatch::InstanceBatch() : columns_(kUpdateColumns) {}

void
InstanceBatch::Add(const Graph &graph, const InstanceState &state)
{
	InstanceRow row = InstanceRowText(graph, state);
	columns_.Text(0, state.user_id);
	columns_.Int64(1, state.id);
	columns_.Text(2, std::move(row.status));
	columns_.Text(3, std::move(row.node));
	columns_.Int64(4, state.wake_at);
	columns_.Text(5, std::move(row.waiting_event));
	columns_.Int64(6, state.last_step_at);
	columns_.Int64(7, state.ended_at);
	columns_.Text(8, state.exit_reason);
	columns_.Text(9, std::move(row.visits));
	columns_.Text(10, state.error);
	columns_.Text(11, state.context.dump());
	columns_.Text(12, state.variant);
	columns_.Text(13, std::move(row.branches));
	if (state.status == InstanceStatus::Active && state.wake_at)
		NoteWake(*state.wake_at);
}

void
InstanceBatch::Flush(SpiSession &spi)
{
	if (!Empty())
		columns_.Exec(spi, kUpdateMany);
}

void
RecordConversion(SpiSession &spi, const VersionEntry &version, const std::string &user_id, int64_t instance_id,
				 const std::string &event, Timestamp at)
{
	spi.Exec(kConversion, {SqlValue::Text(user_id), SqlValue::Int(instance_id), SqlValue::Text(version.journey),
						   SqlValue::Int(version.version), SqlValue::Timestamp(at), SqlValue::Text(event)});
}

void
HoldEvent(SpiSession &spi, const InstanceState &state, Timestamp event_at)
{
	spi.Exec(kHoldEvent, {SqlValue::Text(state.user_id), SqlValue::Int(state.id), SqlValue::Timestamp(event_at)});
}

namespace {

const std::vector<SqlType> kOutboxColumns{kT, kT, kT, kI8, kT, kT, kT, kT, kT, kTs, kT, kT};
const Statement kInsertOutboxMany{
	"INSERT INTO journey.outbox (journey, version, node, instance_id, user_id, channel, template, payload, "
	"dedup_key, created_at, available_at, status, last_error) "
	"SELECT j, v::int, n, i, u, c, nullif(t, ''), p::jsonb, d, a, a, s, nullif(e, '') "
	"FROM journey._batch_rows($1) AS x(j text, v text, n text, i int8, u text, c text, t text, p text, d text, "
	"a timestamptz, s text, e text)",
	{SqlType::Int8},
	{}};

void
Notify(const std::string &channel)
{
	const char *c = channel.c_str();
	PgCall([&] { Async_Notify("journey_outbox", c); });
}

}	 // namespace

OutboxBatch::OutboxBatch() : columns_(kOutboxColumns) {}

void
OutboxBatch::Add(const VersionEntry &version, const InstanceState &state, const SendEffect &s)
{
	columns_.Text(0, version.journey);
	columns_.Text(1, std::to_string(version.version));
	columns_.Text(2, version.graph->nodes[s.node].id);
	columns_.Int64(3, state.id);
	columns_.Text(4, state.user_id);
	columns_.Text(5, s.channel);
	columns_.Text(6, s.template_name);
	columns_.Text(7, s.payload.dump());
	columns_.Text(8, s.dedup_key);
	columns_.Int64(9, s.at);
	columns_.Text(10, s.suppressed ? "suppressed" : "pending");
	columns_.Text(11, s.suppress_reason);
	if (!s.suppressed && std::find(channels_.begin(), channels_.end(), s.channel) == channels_.end())
		channels_.push_back(s.channel);
}

void
OutboxBatch::Flush(SpiSession &spi)
{
	if (columns_.Rows() > 0)
		columns_.Exec(spi, kInsertOutboxMany);
	for (const std::string &channel : channels_)
		Notify(channel);
	channels_.clear();
}

void
WriteSends(SpiSession &spi, const VersionEntry &version, const InstanceState &state, const StepResult &result,
		   OutboxBatch *batch)
{
	const Graph &g = *version.graph;
	for (const SendEffect &s : result.sends) {
		if (batch) {
			batch->Add(version, state, s);
			continue;
		}
		spi.Exec(kInsertOutbox,
				 {SqlValue::Text(version.journey), SqlValue::Int(version.version), SqlValue::Text(g.nodes[s.node].id),
				  SqlValue::Int(state.id), SqlValue::Text(state.user_id), SqlValue::Text(s.channel),
				  SqlValue::Text(s.template_name), SqlValue::Jsonb(s.payload.dump()), SqlValue::Text(s.dedup_key),
				  SqlValue::Timestamp(s.at), SqlValue::Text(s.suppressed ? "suppressed" : "pending"),
				  SqlValue::OptionalText(NonEmpty(s.suppress_reason))});
		if (!s.suppressed)
			Notify(s.channel);
	}
}

}	 // namespace journey
