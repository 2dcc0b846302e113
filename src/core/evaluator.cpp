// The evaluator's entry points: start, resumes, exits from outside.
#include "evaluator.hpp"

#include "evaluation.hpp"

#include <algorithm>

namespace journey {

const char *
StatusName(InstanceStatus status)
{
	switch (status) {
	case InstanceStatus::Active:
		return "active";
	case InstanceStatus::Completed:
		return "completed";
	case InstanceStatus::Exited:
		return "exited";
	case InstanceStatus::Failed:
		return "failed";
	}
	return "unknown";
}

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

namespace {

bool
IsNode(const Graph &graph, NodeId node)
{
	return node >= 0 && node < static_cast<NodeId>(graph.nodes.size());
}

// The waiting branches of an active instance; throws when it is not active or a branch is not waiting.
std::vector<Branch>
WaitingBranches(const Graph &graph, const InstanceState &state, const char *action)
{
	if (state.status != InstanceStatus::Active)
		throw StepError(std::string("cannot ") + action + " an instance that is " + StatusName(state.status));
	std::vector<Branch> branches = Branches(state);
	if (branches.empty())
		throw StepError(std::string("cannot ") + action + " an instance that is not waiting");
	for (const Branch &branch : branches)
		if (!IsNode(graph, branch.node) || !graph.nodes[branch.node].IsWaiting())
			throw StepError(std::string("cannot ") + action + " an instance that is not waiting");
	return branches;
}

// The time a step runs as of: never before the instance's previous step.
Timestamp
StepTime(InstanceState &state, Timestamp at)
{
	state.last_step_at = std::max(at, state.last_step_at);
	return state.last_step_at;
}

// Ends every branch: status and reason set by the caller.
void
EndAll(InstanceState &state, Timestamp at)
{
	state.node = kNoNode;
	state.wake_at.reset();
	state.other_branches.clear();
	state.ended_at = StepTime(state, at);
}

}	 // namespace

StepResult
Start(const Graph &graph, InstanceState &state, Timestamp at, Facts &facts, const StepOptions &options)
{
	if (!IsNode(graph, graph.start))
		throw StepError("journey \"" + graph.name + "\" has no start node");
	state.status = InstanceStatus::Active;
	state.node = kNoNode;
	state.wake_at.reset();
	state.other_branches.clear();
	state.ended_at.reset();
	state.entered_at = state.last_step_at = at;
	state.exit_reason.clear();
	state.error.clear();
	state.variant.clear();
	state.visits.assign(graph.nodes.size(), 0);
	StepResult result;
	detail::OverlayFacts overlay(facts);
	detail::Walker walker(graph, state, overlay, options, result, at);
	walker.Record(graph.start, "entered", [&] {
		return state.entry_key.empty() ? Json::object() : detail::Detail("key", state.entry_key);
	});
	walker.Begin(graph.start);
	walker.Run();
	return result;
}

StepResult
ResumeDue(const Graph &graph, InstanceState &state, Timestamp as_of, Facts &facts, const StepOptions &options)
{
	const std::vector<Branch> branches = WaitingBranches(graph, state, "resume");
	const Timestamp now = StepTime(state, as_of);
	StepResult result;
	detail::OverlayFacts overlay(facts);
	detail::Walker walker(graph, state, overlay, options, result, now);
	const bool any_due = std::any_of(branches.begin(), branches.end(),
									 [&](const Branch &b) { return b.wake_at && *b.wake_at <= now; });
	for (size_t i = 0; i < branches.size(); ++i) {
		const Branch &branch = branches[i];
		const bool due = any_due ? branch.wake_at && *branch.wake_at <= now : i == 0;
		if (!due) {
			walker.Keep(branch);
			continue;
		}
		const Node &waiting = graph.nodes[branch.node];
		const bool timeout = waiting.kind == NodeKind::WaitFor;
		walker.Record(branch.node, "resumed", [&] { return detail::Detail("by", timeout ? "timeout" : "time"); });
		walker.Begin(timeout ? waiting.alt : waiting.next);
	}
	walker.Run();
	return result;
}

StepResult
ResumeOnEvent(const Graph &graph, InstanceState &state, const std::string &name, const Json &props,
			  Timestamp event_at, Facts &facts, const StepOptions &options)
{
	const std::vector<Branch> branches = WaitingBranches(graph, state, "resume on an event");
	std::vector<bool> accepts(branches.size(), false);
	bool any = false;
	if (detail::KeyMatches(graph, state.entry_key, props))
		for (size_t i = 0; i < branches.size(); ++i)
			any |= accepts[i] = detail::BranchAccepts(graph, state, branches[i], name, props, event_at, facts);
	if (!any)
		return {};
	const Timestamp now = StepTime(state, event_at);
	StepResult result;
	detail::OverlayFacts overlay(facts);
	detail::Walker walker(graph, state, overlay, options, result, now);
	for (size_t i = 0; i < branches.size(); ++i) {
		if (!accepts[i]) {
			walker.Keep(branches[i]);
			continue;
		}
		walker.Record(branches[i].node, "resumed", [&] { return detail::Detail("by", "event", "event", name); });
		walker.Begin(graph.nodes[branches[i].node].next);
	}
	walker.Run();
	return result;
}

StepResult
ResumeOnEvent(const Graph &graph, InstanceState &state, Timestamp event_at, Facts &facts, const StepOptions &options)
{
	const std::vector<Branch> branches = WaitingBranches(graph, state, "resume on an event");
	const auto at_wait_for = [&](const Branch &b) { return graph.nodes[b.node].kind == NodeKind::WaitFor; };
	if (std::none_of(branches.begin(), branches.end(), at_wait_for))
		throw StepError("cannot resume on an event: node \"" + graph.nodes[branches.front().node].id +
						"\" is not a wait_for");
	const Timestamp now = StepTime(state, event_at);
	StepResult result;
	detail::OverlayFacts overlay(facts);
	detail::Walker walker(graph, state, overlay, options, result, now);
	for (const Branch &branch : branches) {
		if (!at_wait_for(branch)) {
			walker.Keep(branch);
			continue;
		}
		const Node &waiting = graph.nodes[branch.node];
		walker.Record(branch.node, "resumed", [&] { return detail::Detail("by", "event", "event", waiting.event); });
		walker.Begin(waiting.next);
	}
	walker.Run();
	return result;
}

StepResult
ExitInstance(InstanceState &state, const std::string &reason, Timestamp at)
{
	if (state.status != InstanceStatus::Active)
		throw StepError(std::string("cannot exit an instance that is ") + StatusName(state.status));
	const NodeId node = state.node;
	state.status = InstanceStatus::Exited;
	state.exit_reason = reason;
	EndAll(state, at);
	StepResult result;
	result.history.push_back({*state.ended_at, node, "exited", detail::Detail("reason", reason)});
	if (state.keep_history) {
		const HistoryEffect &line = result.history.back();
		AppendHistoryLine(state, line.at, line.node, line.what.c_str(), line.detail);
	}
	return result;
}

StepResult
FailInstance(InstanceState &state, const std::string &error, Timestamp at)
{
	const NodeId node = state.node;
	state.status = InstanceStatus::Failed;
	state.error = error;
	// It keeps the node and branches it had when the failing step began (SPEC §9), with its context and
	// split label: what an operator needs to see where it failed. It wakes no more.
	state.wake_at.reset();
	state.ended_at = StepTime(state, at);
	StepResult result;
	result.history.push_back({*state.ended_at, node, "failed", detail::Detail("error", error)});
	if (state.keep_history) {
		const HistoryEffect &line = result.history.back();
		AppendHistoryLine(state, line.at, line.node, line.what.c_str(), line.detail);
	}
	return result;
}

}	 // namespace journey
