#include "pg/postgres.hpp"

#include "ext/engine/engine.hpp"

#include "ext/storage/instance_store.hpp"
#include "ext/storage/outbox.hpp"
#include "ext/storage/profile_writer.hpp"
#include "pg/error_kind.hpp"
#include "pg/subxact.hpp"

#include <string>

// The engine's steps: one step of an instance run and its state and effects written (instance, profile
// updates, outbox rows), in a subtransaction of its own when it may fail alone.

namespace journey {

StepResult
Engine::RunStep(const VersionEntry &version, InstanceState &state,
				const std::function<StepResult(InstanceState &, PgFacts &)> &step)
{
	PgFacts facts(spi_, rule_cache_, state.user_id);
	facts.ShareTemplates(templates_);
	facts.SharePendingSends(this);
	facts.ShareBatchSends(batch_sends_);
	facts.ShareZones(batch_zones_);
	if (!version.graph->HasCalls()) {
		// A called function might change contacts, memberships or insert events during the batch.
		facts.ShareContacts(batch_contacts_);
		facts.ShareMemberships(batch_memberships_);
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

std::string
Engine::TryInSubTransaction(const Graph &graph, const std::function<void()> &work)
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

int64_t
Engine::CountPendingSends(const std::string &user_id, const std::string &channel, Timestamp after, Timestamp upto)
{
	return (outbox_batch_ ? outbox_batch_->CountPending(user_id, channel, after, upto) : 0) +
		   (entry_batch_ ? entry_batch_->CountPendingSends(user_id, channel, after, upto) : 0);
}

void
Engine::WriteEffects(const VersionEntry &version, const InstanceState &state, const StepResult &result)
{
	if (!result.updates.empty()) {
		// A profile update may enter users elsewhere (attribute_change), counting entries behind our back.
		ForgetEntriesRows();
		ApplyUpdates(spi_, rule_cache_, version.journey, state.user_id, result.updates);
	}
	WriteSends(spi_, version, state, result, outbox_batch_);
}

}	 // namespace journey
