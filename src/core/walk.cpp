// The walk through the compiled graph: each node kind, branch by branch, until every branch waits or ends.
#include "evaluation.hpp"

#include "stable_hash.hpp"

#include <algorithm>

namespace journey::detail {

namespace {

bool
IsNode(const Graph &graph, NodeId node)
{
	return node >= 0 && node < static_cast<NodeId>(graph.nodes.size());
}

Json
TimeOrNull(const std::optional<Timestamp> &ts)
{
	return ts ? Json(FormatTimestamp(*ts)) : Json();
}

}	 // namespace

Walker::Walker(const Graph &graph, InstanceState &state, OverlayFacts &facts, const StepOptions &options, StepResult &result,
			   Timestamp now)
	: graph_(graph), state_(state), facts_(facts), options_(options), result_(result), now_(now)
{
	if (state_.visits.size() < graph_.nodes.size())
		state_.visits.resize(graph_.nodes.size(), 0);
}

std::string
Walker::NodeName(NodeId node) const
{
	return IsNode(graph_, node) ? graph_.nodes[node].id : std::string();
}

void
Walker::Run()
{
	while (next_pending_ < pending_.size())
		WalkBranch(pending_[next_pending_++]);
	if (state_.status == InstanceStatus::Active)
		SetBranches(state_, std::move(waiting_));
}

void
Walker::Wait(NodeId node, Timestamp until, const std::string *event)
{
	waiting_.push_back({node, until});
	Record(node, "waiting", [&] {
		Json detail = Detail("until", FormatTimestamp(until));
		if (event != nullptr)
			detail["event"] = *event;
		return detail;
	});
}

void
Walker::EndBranch(NodeId node, const std::string &reason)
{
	if (!waiting_.empty() || next_pending_ < pending_.size()) {
		Record(node, "branch_ended", [&] { return Detail("reason", reason); });
		return;
	}
	state_.status = InstanceStatus::Completed;
	state_.exit_reason = reason;
	state_.node = kNoNode;
	state_.wake_at.reset();
	state_.other_branches.clear();
	state_.ended_at = now_;
	Record(node, "completed", [&] { return Detail("reason", reason); });
}

NodeId
Walker::Split(NodeId node)
{
	const Node &current = graph_.nodes[node];
	const int bucket = SplitBucket(graph_.split_salt, current.id, state_.user_id);
	int upper = 0;
	const SplitArm *chosen = &current.arms.back();
	for (const SplitArm &arm : current.arms) {
		upper += arm.basis_points;
		if (bucket < upper) {
			chosen = &arm;
			break;
		}
	}
	state_.variant = chosen->label;
	Record(node, "branch", [&] {
		return Detail("label", chosen->label, "next", chosen->next == kNoNode ? Json() : Json(NodeName(chosen->next)));
	});
	return chosen->next;
}

void
Walker::Parallel(NodeId node)
{
	const Node &current = graph_.nodes[node];
	if (waiting_.size() + (pending_.size() - next_pending_) + current.branches.size() > kMaxBranches)
		throw StepError("more than " + std::to_string(kMaxBranches) + " parallel branches (at node \"" + current.id +
						"\")");
	Record(node, "branch", [&] {
		Json names = Json::array();
		for (NodeId branch : current.branches)
			names.push_back(NodeName(branch));
		return Detail("branches", std::move(names));
	});
	// The branches after the first walk next, before branches begun earlier (depth first).
	pending_.insert(pending_.begin() + static_cast<std::ptrdiff_t>(next_pending_), current.branches.begin() + 1,
					current.branches.end());
}

void
Walker::WalkBranch(NodeId node)
{
	// wait_until and window nodes this branch went through without waiting: a second pass in one step is an
	// instantaneous loop.
	std::vector<NodeId> passed;
	const auto pass = [&](NodeId through) {
		if (std::find(passed.begin(), passed.end(), through) != passed.end())
			throw StepError("instantaneous loop: node \"" + graph_.nodes[through].id +
							"\" was passed twice in one step without waiting");
		passed.push_back(through);
	};
	while (true) {
		if (!IsNode(graph_, node))
			throw StepError("journey \"" + graph_.name + "\" has no node " + std::to_string(node));
		if (result_.node_visits >= kMaxVisitsPerStep)
			throw StepError("more than " + std::to_string(kMaxVisitsPerStep) + " nodes visited in one step (at node \"" +
							graph_.nodes[node].id + "\")");
		++result_.node_visits;
		const int32_t visit = ++state_.visits[node];
		const Node &current = graph_.nodes[node];
		switch (current.kind) {
		case NodeKind::Wait:
			Wait(node, AddUserInterval(now_, current.duration, facts_), nullptr);
			return;
		case NodeKind::WaitFor:
			if (!current.segment.empty() && facts_.InSegment(current.segment)) {
				// Already a member: on at once, as if the refresh's event had arrived.
				pass(node);
				Record(node, "resumed", [&] { return Detail("by", "segment", "segment", current.segment); });
				node = current.next;
				break;
			}
			Wait(node, AddUserInterval(now_, current.duration, facts_), &current.event);
			return;
		case NodeKind::WaitUntil: {
			const std::optional<Timestamp> until = UntilTime(current.until, now_, facts_, state_);
			if (until && *until > now_) {
				Wait(node, *until, nullptr);
				return;
			}
			pass(node);
			const bool past = !until || *until < now_;
			Record(node, "visited", [&] { return Detail("until", TimeOrNull(until), "past", past); });
			node = past && current.until.skip_if_past ? current.alt : current.next;
			break;
		}
		case NodeKind::Window: {
			const std::optional<Timestamp> opening = WindowOpening(current.window, now_, facts_);
			if (opening) {
				Wait(node, *opening, nullptr);
				return;
			}
			pass(node);
			Record(node, "visited", [] { return Json::object(); });
			node = current.next;
			break;
		}
		case NodeKind::If: {
			const bool holds = EvaluateCondition(graph_, current.cond, now_, state_.entered_at, nullptr, facts_);
			const NodeId next = holds ? current.next : current.alt;
			Record(node, "branch", [&] { return Detail("result", holds, "next", NodeName(next)); });
			node = next;
			break;
		}
		case NodeKind::Switch: {
			NodeId next = current.alt;
			Json taken = "default";
			for (size_t i = 0; i < current.cases.size(); ++i)
				if (EvaluateCondition(graph_, current.cases[i].when, now_, state_.entered_at, nullptr, facts_)) {
					next = current.cases[i].next;
					taken = i;
					break;
				}
			Record(node, "branch", [&] { return Detail("case", taken, "next", NodeName(next)); });
			node = next;
			break;
		}
		case NodeKind::Split: {
			const NodeId split = node;
			node = Split(split);
			if (node == kNoNode) {
				EndBranch(split, "holdout");
				return;
			}
			break;
		}
		case NodeKind::Parallel:
			Parallel(node);
			node = current.branches.front();
			break;
		case NodeKind::Send: {
			SendEffect send = BuildSend(graph_, node, state_, visit, now_, facts_);
			Record(node, send.suppressed ? "suppressed" : "sent", [&] {
				Json detail =
					Detail("channel", send.channel, "template", send.template_name, "dedup_key", send.dedup_key);
				if (send.suppressed)
					detail["reason"] = send.suppress_reason;
				else if (send.available_at != send.at)
					detail["deferred_until"] = FormatTimestamp(send.available_at);	// quiet hours
				return detail;
			});
			result_.sends.push_back(std::move(send));
			node = current.next;
			break;
		}
		case NodeKind::Update:
			for (const AttributeUpdate &update : current.updates) {
				UpdateEffect effect =
					ApplyUpdate(graph_, node, update, state_, now_, facts_);
				Record(node, "updated", [&] {
					return Detail("attribute", effect.attribute, "op", UpdateOpName(effect.op), "value", effect.value);
				});
				result_.updates.push_back(std::move(effect));
			}
			node = current.next;
			break;
		case NodeKind::Call: {
			Json value = facts_.Call(current.call.function, state_.user_id, state_.context);
			if (!state_.context.is_object())
				state_.context = Json::object();
			state_.context[current.call.into] = std::move(value);
			Record(node, "called", [&] { return Detail("function", current.call.function, "into", current.call.into); });
			node = current.next;
			break;
		}
		case NodeKind::Exit:
			EndBranch(node, current.reason);
			return;
		}
	}
}

}	 // namespace journey::detail
