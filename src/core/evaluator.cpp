// The walk through the compiled graph: start, resumes, exits.
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

namespace {

bool
IsNode(const Graph &graph, NodeId node)
{
	return node >= 0 && node < static_cast<NodeId>(graph.nodes.size());
}

// Visits nodes from `node` as of `now` until a waiting node or an exit.
void
Walk(const Graph &graph, InstanceState &state, NodeId node, Timestamp now, Facts &facts, StepResult &result)
{
	if (state.visits.size() < graph.nodes.size())
		state.visits.resize(graph.nodes.size(), 0);
	while (true) {
		if (!IsNode(graph, node))
			throw StepError("journey \"" + graph.name + "\" has no node " + std::to_string(node));
		if (result.node_visits >= kMaxVisitsPerStep)
			throw StepError("more than " + std::to_string(kMaxVisitsPerStep) + " nodes visited in one step (at node \"" +
							graph.nodes[node].id + "\")");
		++result.node_visits;
		const int32_t visit = ++state.visits[node];
		const Node &current = graph.nodes[node];
		switch (current.kind) {
		case NodeKind::Wait:
		case NodeKind::WaitFor:
			state.node = node;
			state.wake_at = AddInterval(now, current.duration);
			return;
		case NodeKind::If:
			node = EvaluateCondition(graph, current.cond, now, state.entered_at, nullptr, facts) ? current.next
																								 : current.alt;
			break;
		case NodeKind::Send:
			result.sends.push_back(detail::BuildSend(graph, node, state, visit, now, facts));
			node = current.next;
			break;
		case NodeKind::Exit:
			state.status = InstanceStatus::Completed;
			state.exit_reason = current.reason;
			state.node = kNoNode;
			state.wake_at.reset();
			state.ended_at = now;
			return;
		}
	}
}

// The node an active instance waits at; throws when it is not waiting.
const Node &
WaitingNode(const Graph &graph, const InstanceState &state, const char *action)
{
	if (state.status != InstanceStatus::Active)
		throw StepError(std::string("cannot ") + action + " an instance that is " + StatusName(state.status));
	if (!IsNode(graph, state.node) || !graph.nodes[state.node].IsWaiting())
		throw StepError(std::string("cannot ") + action + " an instance that is not waiting");
	return graph.nodes[state.node];
}

// The time a step runs as of: never before the instance's previous step.
Timestamp
StepTime(InstanceState &state, Timestamp at)
{
	state.last_step_at = std::max(at, state.last_step_at);
	return state.last_step_at;
}

}	 // namespace

StepResult
Start(const Graph &graph, InstanceState &state, Timestamp at, Facts &facts)
{
	if (!IsNode(graph, graph.start))
		throw StepError("journey \"" + graph.name + "\" has no start node");
	state.status = InstanceStatus::Active;
	state.node = kNoNode;
	state.wake_at.reset();
	state.ended_at.reset();
	state.entered_at = state.last_step_at = at;
	state.exit_reason.clear();
	state.error.clear();
	state.visits.assign(graph.nodes.size(), 0);
	StepResult result;
	Walk(graph, state, graph.start, at, facts, result);
	return result;
}

StepResult
ResumeDue(const Graph &graph, InstanceState &state, Timestamp as_of, Facts &facts)
{
	const Node &waiting = WaitingNode(graph, state, "resume");
	const Timestamp now = StepTime(state, as_of);
	state.wake_at.reset();
	StepResult result;
	Walk(graph, state, waiting.kind == NodeKind::Wait ? waiting.next : waiting.alt, now, facts, result);
	return result;
}

StepResult
ResumeOnEvent(const Graph &graph, InstanceState &state, Timestamp event_at, Facts &facts)
{
	const Node &waiting = WaitingNode(graph, state, "resume on an event");
	if (waiting.kind != NodeKind::WaitFor)
		throw StepError("cannot resume on an event: node \"" + waiting.id + "\" is not a wait_for");
	const Timestamp now = StepTime(state, event_at);
	state.wake_at.reset();
	StepResult result;
	Walk(graph, state, waiting.next, now, facts, result);
	return result;
}

void
ExitInstance(InstanceState &state, const std::string &reason, Timestamp at)
{
	if (state.status != InstanceStatus::Active)
		throw StepError(std::string("cannot exit an instance that is ") + StatusName(state.status));
	state.status = InstanceStatus::Exited;
	state.exit_reason = reason;
	state.node = kNoNode;
	state.wake_at.reset();
	state.ended_at = StepTime(state, at);
}

void
FailInstance(InstanceState &state, const std::string &error, Timestamp at)
{
	state.status = InstanceStatus::Failed;
	state.error = error;
	state.node = kNoNode;
	state.wake_at.reset();
	state.ended_at = StepTime(state, at);
}

}	 // namespace journey
