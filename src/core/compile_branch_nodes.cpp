// Nodes that choose where to go: switch, split, parallel.
#include "compiler.hpp"

#include <algorithm>
#include <unordered_set>

namespace journey::detail {

// {"switch": [{"when": COND, "next": N}, ...], "default": N}
void
Compiler::SwitchNode(Node &node, const Json &value, const std::string &path)
{
	CheckKeys(value, path, {"switch", "default"});
	node.kind = NodeKind::Switch;
	const std::string list_path = JoinPath(path, "switch");
	const Json &list = value["switch"];
	if (!list.is_array() || list.empty()) {
		Error(list_path, "expected a non-empty array of {\"when\": CONDITION, \"next\": NODE}");
		edges_complete_ = false;
	} else {
		for (size_t i = 0; i < list.size(); ++i) {
			const std::string case_path = IndexPath(list_path, i);
			if (!ExpectObject(list[i], case_path, "{\"when\": CONDITION, \"next\": NODE}")) {
				edges_complete_ = false;
				continue;
			}
			CheckKeys(list[i], case_path, {"when", "next"});
			SwitchCase c;
			if (const Json *when = Required(list[i], "when", case_path))
				c.when = Condition(*when, JoinPath(case_path, "when"), CondPlace::Plain);
			c.next = Target(list[i], "next", case_path);
			node.cases.push_back(c);
		}
	}
	node.alt = Target(value, "default", path);
}

// {"split": [{"label": L, "percent": P, "next": N | null}, ...]}: percents sum to 100, labels unique.
void
Compiler::SplitNode(Node &node, const Json &value, const std::string &path)
{
	CheckKeys(value, path, {"split"});
	node.kind = NodeKind::Split;
	const std::string list_path = JoinPath(path, "split");
	const Json &list = value["split"];
	if (!list.is_array() || list.empty()) {
		Error(list_path, "expected a non-empty array of {\"label\": L, \"percent\": P, \"next\": NODE or null}");
		edges_complete_ = false;
		return;
	}
	int64_t sum = 0;
	bool sum_known = true;
	std::unordered_set<std::string> labels;	 // a set, not a scan per arm: a split may have thousands of arms
	for (size_t i = 0; i < list.size(); ++i) {
		const std::string arm_path = IndexPath(list_path, i);
		if (!ExpectObject(list[i], arm_path, "{\"label\": L, \"percent\": P, \"next\": NODE or null}")) {
			edges_complete_ = false;
			sum_known = false;
			continue;
		}
		CheckKeys(list[i], arm_path, {"label", "percent", "next"});
		SplitArm arm;
		if (const Json *label = Required(list[i], "label", arm_path)) {
			if (std::optional<std::string> name = Name(*label, JoinPath(arm_path, "label"))) {
				if (!labels.insert(*name).second)
					Error(JoinPath(arm_path, "label"), "duplicate label " + Quote(*name));
				arm.label = std::move(*name);
			}
		}
		std::optional<int64_t> percent;
		if (const Json *p = Required(list[i], "percent", arm_path)) {
			percent = Integer(*p, JoinPath(arm_path, "percent"), 0, "an integer percent from 0 to 100");
			if (percent && *percent > 100) {
				Error(JoinPath(arm_path, "percent"), "expected an integer percent from 0 to 100");
				percent.reset();
			}
		}
		if (percent) {
			arm.percent = static_cast<int>(*percent);
			sum += *percent;
		} else {
			sum_known = false;
		}
		if (const Json *next = Required(list[i], "next", arm_path)) {
			if (!next->is_null())
				arm.next = TargetValue(*next, JoinPath(arm_path, "next"));
		} else {
			edges_complete_ = false;
		}
		node.arms.push_back(std::move(arm));
	}
	if (sum_known && sum != 100)
		Error(list_path, "the percents must sum to 100, not " + std::to_string(sum));
}

// {"parallel": [N1, N2, ...]}: at least two distinct nodes.
void
Compiler::ParallelNode(Node &node, const Json &value, const std::string &path)
{
	CheckKeys(value, path, {"parallel"});
	node.kind = NodeKind::Parallel;
	const std::string list_path = JoinPath(path, "parallel");
	const Json &list = value["parallel"];
	if (!list.is_array() || list.size() < 2) {
		Error(list_path, "expected an array of at least two node ids (the branches)");
		edges_complete_ = false;
		return;
	}
	std::unordered_set<NodeId> seen;  // a set, not a scan per branch: a parallel may have thousands of branches
	for (size_t i = 0; i < list.size(); ++i) {
		const NodeId branch = TargetValue(list[i], IndexPath(list_path, i));
		if (branch == kNoNode)
			continue;
		if (!seen.insert(branch).second)
			Error(IndexPath(list_path, i), "duplicate branch " + Quote(list[i].get<std::string>()));
		else
			node.branches.push_back(branch);
	}
}

}	 // namespace journey::detail
