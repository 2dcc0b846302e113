#include "pg/postgres.hpp"

#include "ext/engine/entry_batch.hpp"

#include "ext/shmem/throttle.hpp"
#include "ext/storage/outbox.hpp"

#include <algorithm>
#include <tuple>
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

EntryCounts::EntryCounts() : columns_(kCountColumns) {}

void
EntryCounts::Add(const std::string &user, const std::string &journey, const std::string &key, Timestamp at)
{
	columns_.Text(0, user);
	columns_.Text(1, journey);
	columns_.Text(2, key);
	columns_.Int64(3, at);
}

void
EntryCounts::Flush(SpiSession &spi)
{
	if (columns_.Rows() > 0)
		columns_.Exec(spi, kCountMany);
}

void
EntryBatch::Add(const VersionEntry &version, InstanceState state, bool exclusive, StepResult first_step, bool counted)
{
	users_.insert(state.user_id);
	pending_.push_back(Pending{version, std::move(state), exclusive, std::move(first_step), counted});
}

int64_t
EntryBatch::CountPendingSends(const std::string &user_id, const std::string &channel, Timestamp after,
							  Timestamp upto) const
{
	if (!HasUser(user_id))
		return 0;
	int64_t n = 0;
	for (const Pending &p : pending_)
		if (p.state.user_id == user_id)
			for (const SendEffect &s : p.first_step.sends)
				if (!s.suppressed && s.channel == channel && s.at > after && s.at <= upto)
					++n;
	return n;
}

int64_t
EntryBatch::Flush(SpiSession &spi, const CountedFn &counted)
{
	if (pending_.empty())
		return 0;
	// In one order, whoever inserts: the one-active index makes a second insert of a (journey, user, key)
	// wait for the first's transaction, and two statements taking the same users in opposite orders would
	// wait for each other (a deadlock).
	std::stable_sort(pending_.begin(), pending_.end(), [](const Pending &a, const Pending &b) {
		return std::tie(a.version.journey_id, a.state.user_id, a.state.entry_key) <
			   std::tie(b.version.journey_id, b.state.user_id, b.state.entry_key);
	});
	InstanceInserts inserts;
	for (const Pending &p : pending_)
		inserts.Add(p.version, p.state, p.exclusive);
	const std::unordered_set<int64_t> created = inserts.Flush(spi);

	OutboxBatch outbox;
	EntryCounts counts;
	for (const Pending &p : pending_) {
		if (!created.count(p.state.id)) {
			// The one-active index refused it: the user is already in the journey.
			const auto &throttle = p.version.graph->entry.throttle;
			if (throttle)
				ThrottleUndo(p.version.journey, *throttle);
			RecordRefusal(spi, p.version, p.state.user_id, p.state.entry_key, p.state.entered_at,
						  AlreadyActiveRefusal(*p.version.graph));
			continue;
		}
		WriteSends(spi, p.version, p.state, p.first_step, &outbox);
		if (p.counted) {
			if (counted)
				counted(p.state.user_id, p.version.journey, p.state.entry_key, p.state.entered_at);
			counts.Add(p.state.user_id, p.version.journey, p.state.entry_key, p.state.entered_at);
		}
	}
	counts.Flush(spi);
	outbox.Flush(spi);
	pending_.clear();
	users_.clear();
	return (int64_t)created.size();
}

}	 // namespace journey
