// Look-ups on a compiled graph.
#include "graph.hpp"

#include <algorithm>
#include <unordered_set>

namespace journey {

namespace {

std::vector<std::string>
SortedUnique(std::vector<std::string> names)
{
	std::sort(names.begin(), names.end());
	names.erase(std::unique(names.begin(), names.end()), names.end());
	return names;
}

}	 // namespace

const char *
UpdateOpName(UpdateOp op)
{
	switch (op) {
	case UpdateOp::Set:
		return "set";
	case UpdateOp::Add:
		return "add";
	case UpdateOp::Unset:
		return "unset";
	}
	return "?";
}

const char *
ReentryName(Reentry reentry)
{
	switch (reentry) {
	case Reentry::Never:
		return "never";
	case Reentry::AfterExit:
		return "after_exit";
	case Reentry::Always:
		return "always";
	}
	return "?";
}

std::vector<NodeId>
Node::Successors() const
{
	std::vector<NodeId> out;
	out.reserve(2 + cases.size() + arms.size() + branches.size());
	const auto add = [&out](NodeId target) {
		if (target != kNoNode)
			out.push_back(target);
	};
	add(next);
	add(alt);
	for (const SwitchCase &c : cases)
		add(c.next);
	for (const SplitArm &arm : arms)
		add(arm.next);
	for (NodeId branch : branches)
		add(branch);
	// Without duplicates, first occurrences kept in order; a set for wide nodes (a switch, split or parallel
	// of thousands of targets), not a scan per target.
	constexpr size_t kScanUpTo = 16;
	if (out.size() <= kScanUpTo) {
		size_t kept = 0;
		for (NodeId target : out)
			if (std::find(out.begin(), out.begin() + kept, target) == out.begin() + kept)
				out[kept++] = target;
		out.resize(kept);
	} else {
		std::unordered_set<NodeId> seen;
		seen.reserve(out.size());
		out.erase(std::remove_if(out.begin(), out.end(), [&seen](NodeId target) { return !seen.insert(target).second; }),
				  out.end());
	}
	return out;
}

NodeId
Graph::FindNode(const std::string &id) const
{
	const auto it = node_index.find(id);
	return it == node_index.end() ? kNoNode : it->second;
}

std::vector<std::string>
Graph::EventNames() const
{
	std::vector<std::string> names = EntryEventNames();
	for (const ExitRule &rule : exit_when)
		names.push_back(rule.event);
	for (const Node &node : nodes)
		if (node.kind == NodeKind::WaitFor)
			names.push_back(node.event);
	if (goal)
		names.push_back(goal->event);
	return SortedUnique(std::move(names));
}

std::vector<std::string>
Graph::EntryEventNames() const
{
	std::vector<std::string> names;
	for (const Trigger &trigger : triggers) {
		if (trigger.kind == TriggerKind::Event)
			names.push_back(trigger.event);
		else if (trigger.kind == TriggerKind::GeofenceEnter || trigger.kind == TriggerKind::GeofenceExit)
			names.push_back("location");
	}
	return SortedUnique(std::move(names));
}

std::vector<std::string>
Graph::ChangeAttributes() const
{
	std::vector<std::string> names;
	for (const Trigger &trigger : triggers)
		if (trigger.kind == TriggerKind::AttributeChange)
			names.push_back(trigger.attribute);
	return SortedUnique(std::move(names));
}

std::vector<std::string>
Graph::MembershipSegments() const
{
	std::vector<std::string> names;
	for (const Condition &cond : conditions)
		if (cond.kind == CondKind::Segment)
			names.push_back(cond.name);
	for (const Node &node : nodes)
		if (node.kind == NodeKind::WaitFor && !node.segment.empty())
			names.push_back(node.segment);
	return SortedUnique(std::move(names));
}

bool
Graph::HasGeofenceTriggers() const
{
	return std::any_of(triggers.begin(), triggers.end(), [](const Trigger &t) {
		return t.kind == TriggerKind::GeofenceEnter || t.kind == TriggerKind::GeofenceExit;
	});
}

bool
Graph::HasManualTrigger() const
{
	return std::any_of(triggers.begin(), triggers.end(), [](const Trigger &t) { return t.kind == TriggerKind::Manual; });
}

bool
Graph::HasCalls() const
{
	for (const Node &node : nodes)
		if (node.kind == NodeKind::Call)
			return true;
	return false;
}

}	 // namespace journey
