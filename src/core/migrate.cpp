// publish(in_flight => 'migrate'): an instance moves to the same-named nodes of the new version.
#include "evaluator.hpp"

#include <algorithm>

namespace journey {

bool
MigrateState(const Graph &from, const Graph &to, InstanceState &state)
{
	std::vector<Branch> branches = Branches(state);
	for (Branch &branch : branches) {
		if (branch.node < 0 || branch.node >= static_cast<NodeId>(from.nodes.size()))
			return false;
		const NodeId target = to.FindNode(from.nodes[branch.node].id);
		if (target == kNoNode || !to.nodes[target].IsWaiting())
			return false;
		branch.node = target;  // the deadline stays
	}
	std::vector<int32_t> visits(to.nodes.size(), 0);
	for (size_t v = 0; v < state.visits.size() && v < from.nodes.size(); ++v) {
		const NodeId target = to.FindNode(from.nodes[v].id);
		if (target != kNoNode)
			visits[target] = state.visits[v];
	}
	const bool label_kept =
		!state.variant.empty() && std::any_of(to.nodes.begin(), to.nodes.end(), [&](const Node &node) {
			return node.kind == NodeKind::Split &&
				   std::any_of(node.arms.begin(), node.arms.end(),
							   [&](const SplitArm &arm) { return arm.label == state.variant; });
		});
	// Every branch keeps its place in the wake order: store them as they were, without re-sorting.
	state.node = branches.empty() ? kNoNode : branches.front().node;
	if (!branches.empty())
		state.other_branches.assign(branches.begin() + 1, branches.end());
	state.visits = std::move(visits);
	if (!label_kept)
		state.variant.clear();
	return true;
}

}	 // namespace journey
