#include "pg/postgres.hpp"

#include "ext/entry_batch.hpp"

#include "ext/throttle.hpp"

#include <unordered_set>

namespace journey {

namespace {

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
	InstanceInserts inserts;
	for (const Pending &p : pending_)
		inserts.Add(p.version, p.state, p.exclusive);
	const std::unordered_set<int64_t> created = inserts.Flush(spi);

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
