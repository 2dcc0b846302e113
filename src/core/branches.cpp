// The branches of an instance: the first in node/wake_at, the others in other_branches; their JSON form.
#include "evaluator.hpp"

#include "iso_time.hpp"

#include <algorithm>

namespace journey {

std::vector<Branch>
Branches(const InstanceState &state)
{
	std::vector<Branch> branches;
	if (state.node == kNoNode && state.other_branches.empty())
		return branches;
	branches.reserve(1 + state.other_branches.size());
	if (state.node != kNoNode)
		branches.push_back({state.node, state.wake_at});
	branches.insert(branches.end(), state.other_branches.begin(), state.other_branches.end());
	return branches;
}

void
SetBranches(InstanceState &state, std::vector<Branch> branches)
{
	// Earliest wake first; a branch without a wake time last.
	std::stable_sort(branches.begin(), branches.end(), [](const Branch &a, const Branch &b) {
		if (a.wake_at.has_value() != b.wake_at.has_value())
			return a.wake_at.has_value();
		return a.wake_at.has_value() && *a.wake_at < *b.wake_at;
	});
	state.other_branches.clear();
	if (branches.empty()) {
		state.node = kNoNode;
		state.wake_at.reset();
		return;
	}
	state.node = branches.front().node;
	state.wake_at = branches.front().wake_at;
	state.other_branches.assign(branches.begin() + 1, branches.end());
}

Json
BranchesToJson(const Graph &graph, const std::vector<Branch> &branches)
{
	Json out = Json::array();
	for (const Branch &branch : branches) {
		if (branch.node < 0 || branch.node >= static_cast<NodeId>(graph.nodes.size()))
			throw StepError("a branch is at node " + std::to_string(branch.node) + ", which the journey does not have");
		out.push_back({{"node", graph.nodes[branch.node].id},
					   {"wake_at", branch.wake_at ? Json(FormatTimestamp(*branch.wake_at)) : Json()}});
	}
	return out;
}

std::vector<Branch>
BranchesFromJson(const Graph &graph, const Json &value)
{
	std::vector<Branch> branches;
	if (value.is_null())
		return branches;
	if (!value.is_array())
		throw StepError("branches: expected an array");
	for (const Json &item : value) {
		const auto node = item.is_object() ? item.find("node") : item.end();
		if (!item.is_object() || node == item.end() || !node->is_string())
			throw StepError("branches: expected {\"node\": ID, \"wake_at\": TIMESTAMP}, got " + item.dump());
		Branch branch;
		branch.node = graph.FindNode(node->get<std::string>());
		if (branch.node == kNoNode)
			throw StepError("a branch is at node \"" + node->get<std::string>() + "\", which its version does not have");
		const auto wake = item.find("wake_at");
		if (wake != item.end() && !wake->is_null()) {
			const std::optional<IsoTime> time = wake->is_string() ? ParseIsoTime(wake->get<std::string>()) : std::nullopt;
			if (!time || !time->offset_micros)
				throw StepError("branches: bad wake_at " + wake->dump());
			branch.wake_at = IsoTimeInstant(*time, DefaultTimeZones(), "UTC");
		}
		branches.push_back(branch);
	}
	return branches;
}

std::vector<std::string>
WaitingEvents(const Graph &graph, const InstanceState &state)
{
	std::vector<std::string> events;
	if (state.status != InstanceStatus::Active)
		return events;
	for (const Branch &branch : Branches(state))
		if (branch.node >= 0 && branch.node < static_cast<NodeId>(graph.nodes.size()) &&
			graph.nodes[branch.node].kind == NodeKind::WaitFor)
			events.push_back(graph.nodes[branch.node].event);
	std::sort(events.begin(), events.end());
	events.erase(std::unique(events.begin(), events.end()), events.end());
	return events;
}

}	 // namespace journey
