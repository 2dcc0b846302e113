#include "pg/postgres.hpp"

#include "ext/entry_batch.hpp"

#include "ext/throttle.hpp"
#include "ext/wakeup.hpp"

#include <unordered_set>

namespace journey {

namespace {

constexpr int kColumns = 20;

const Statement kInsertMany{
	"INSERT INTO journey.instance (user_id, id, version_id, journey_id, status, exclusive, entry_key, node, wake_at, "
	"waiting_event, entered_at, last_step_at, ended_at, exit_reason, visits, context, event, error, variant, branches) "
	"SELECT u, i::bigint, v::int, j::int, s::\"char\", x::bool, k, nullif(n, ''), nullif(w, '')::timestamptz, "
	"nullif(we, ''), ea::timestamptz, l::timestamptz, nullif(e, '')::timestamptz, nullif(r, ''), vi, c::jsonb, "
	"ev::jsonb, nullif(err, ''), nullif(var, ''), nullif(b, '')::jsonb "
	"FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], "
	"$9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], "
	"$17::text[], $18::text[], $19::text[], $20::text[]) AS t(u, i, v, j, s, x, k, n, w, we, ea, l, e, r, vi, c, ev, err, var, b) "
	"ON CONFLICT (journey_id, user_id, entry_key) WHERE status = 'a' AND exclusive DO NOTHING RETURNING id",
	std::vector<SqlType>(kColumns, SqlType::TextArray),
	{SqlType::Int8},
	true};

const Statement kCountMany{"UPDATE journey.entries e SET entries = e.entries + 1, "
						   "last_entered_at = greatest(e.last_entered_at, x.at::timestamptz) "
						   "FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS x(u, j, k, at) "
						   "WHERE e.user_id = x.u AND e.journey = x.j AND e.entry_key = x.k",
						   std::vector<SqlType>(4, SqlType::TextArray),
						   {},
						   true};

}	 // namespace

void
EntryBatch::Add(const VersionEntry &version, InstanceState state, bool exclusive, StepResult first_step, bool counted)
{
	users_.insert(state.user_id);
	pending_.push_back(Pending{version, std::move(state), exclusive, std::move(first_step), counted});
}

int64_t
EntryBatch::Flush(SpiSession &spi, const CountedFn &counted)
{
	if (pending_.empty())
		return 0;
	std::vector<std::string> columns[kColumns];
	for (const Pending &p : pending_) {
		InstanceRow row = InstanceRowText(*p.version.graph, p.state);
		std::string values[kColumns] = {p.state.user_id,
												  std::to_string(p.state.id),
												  std::to_string(p.version.id),
												  std::to_string(p.version.journey_id),
												  row.status,
												  p.exclusive ? "true" : "false",
												  p.state.entry_key,
												  row.node,
												  row.wake_at,
												  row.waiting_event,
												  FormatTimestamp(p.state.entered_at),
												  FormatTimestamp(p.state.last_step_at),
												  row.ended_at,
												  p.state.exit_reason,
												  row.visits,
												  p.state.context.dump(),
												  p.state.event.dump(),
												  p.state.error,
												  p.state.variant,
												  row.branches};
		for (int k = 0; k < kColumns; k++)
			columns[k].push_back(std::move(values[k]));
	}
	std::vector<SqlValue> args;
	for (auto &column : columns)
		args.push_back(SqlValue::Texts(std::move(column)));
	std::unordered_set<int64_t> created;
	for (const SqlRow &r : spi.Run(kInsertMany, args))
		created.insert(r[0].i);

	OutboxBatch outbox;
	std::vector<std::string> counts[4];
	for (const Pending &p : pending_) {
		if (!created.count(p.state.id)) {
			// The one-active index refused it: the user is already in the journey.
			const auto &throttle = p.version.graph->entry.throttle;
			if (throttle)
				ThrottleUndo(p.version.journey, *throttle, p.state.entered_at);
			continue;
		}
		if (p.state.status == InstanceStatus::Active && p.state.wake_at)
			NoteWake(*p.state.wake_at);
		WriteSends(spi, p.version, p.state, p.first_step, &outbox);
		if (p.counted) {
			if (counted)
				counted(p.state.user_id, p.version.journey, p.state.entry_key, p.state.entered_at);
			counts[0].push_back(p.state.user_id);
			counts[1].push_back(p.version.journey);
			counts[2].push_back(p.state.entry_key);
			counts[3].push_back(FormatTimestamp(p.state.entered_at));
		}
	}
	if (!counts[0].empty()) {
		std::vector<SqlValue> count_args;
		for (auto &column : counts)
			count_args.push_back(SqlValue::Texts(std::move(column)));
		spi.Exec(kCountMany, count_args);
	}
	outbox.Flush(spi);
	pending_.clear();
	users_.clear();
	return (int64_t)created.size();
}

}	 // namespace journey
