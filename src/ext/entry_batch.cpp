#include "pg/postgres.hpp"

#include "ext/entry_batch.hpp"

#include "ext/throttle.hpp"
#include "ext/wakeup.hpp"

#include <unordered_set>

namespace journey {

namespace {

// user_id, id, version_id, journey_id, status, exclusive, entry_key, node, wake_at, waiting_event,
// entered_at, last_step_at, ended_at, exit_reason, visits, context, event, error, variant, branches
const std::vector<SqlType> kInsertColumns{kT,  kI8, kT, kT, kT, kT, kT, kT, kTs, kT,
										  kTs, kTs, kTs, kT, kT, kT, kT, kT, kT, kT};
const Statement kInsertMany{
	"INSERT INTO journey.instance (user_id, id, version_id, journey_id, status, exclusive, entry_key, node, wake_at, "
	"waiting_event, entered_at, last_step_at, ended_at, exit_reason, visits, context, event, error, variant, branches) "
	"SELECT u, i, v::int, j::int, s::\"char\", x::bool, k, nullif(n, ''), w, nullif(we, ''), ea, l, e, "
	"nullif(r, ''), vi, c::jsonb, ev::jsonb, nullif(err, ''), nullif(var, ''), nullif(b, '')::jsonb "
	"FROM journey._batch_rows($1) AS t(u text, i int8, v text, j text, s text, x text, k text, n text, "
	"w timestamptz, we text, ea timestamptz, l timestamptz, e timestamptz, r text, vi text, c text, ev text, "
	"err text, var text, b text) "
	"ON CONFLICT (journey_id, user_id, entry_key) WHERE status = 'a' AND exclusive DO NOTHING RETURNING id",
	{SqlType::Int8},
	{SqlType::Int8},
	true};

const std::vector<SqlType> kCountColumns{kT, kT, kT, kTs};
const Statement kCountMany{"UPDATE journey.entries e SET entries = e.entries + 1, "
						   "last_entered_at = greatest(e.last_entered_at, x.at) "
						   "FROM journey._batch_rows($1) AS x(u text, j text, k text, at timestamptz) "
						   "WHERE e.user_id = x.u AND e.journey = x.j AND e.entry_key = x.k",
						   {SqlType::Int8},
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
	BatchColumns columns(kInsertColumns);
	for (const Pending &p : pending_) {
		InstanceRow row = InstanceRowText(*p.version.graph, p.state);
		columns.Text(0, p.state.user_id);
		columns.Int64(1, p.state.id);
		columns.Text(2, std::to_string(p.version.id));
		columns.Text(3, std::to_string(p.version.journey_id));
		columns.Text(4, std::move(row.status));
		columns.Text(5, p.exclusive ? "true" : "false");
		columns.Text(6, p.state.entry_key);
		columns.Text(7, std::move(row.node));
		columns.Int64(8, p.state.wake_at);
		columns.Text(9, std::move(row.waiting_event));
		columns.Int64(10, p.state.entered_at);
		columns.Int64(11, p.state.last_step_at);
		columns.Int64(12, p.state.ended_at);
		columns.Text(13, p.state.exit_reason);
		columns.Text(14, std::move(row.visits));
		columns.Text(15, p.state.context.dump());
		columns.Text(16, p.state.event.dump());
		columns.Text(17, p.state.error);
		columns.Text(18, p.state.variant);
		columns.Text(19, std::move(row.branches));
	}
	std::unordered_set<int64_t> created;
	for (const SqlRow &r : columns.Run(spi, kInsertMany))
		created.insert(r[0].i);

	OutboxBatch outbox;
	BatchColumns counts(kCountColumns);
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
			counts.Text(0, p.state.user_id);
			counts.Text(1, p.version.journey);
			counts.Text(2, p.state.entry_key);
			counts.Int64(3, p.state.entered_at);
		}
	}
	if (counts.Rows() > 0)
		counts.Exec(spi, kCountMany);
	outbox.Flush(spi);
	pending_.clear();
	users_.clear();
	return (int64_t)created.size();
}

}	 // namespace journey
