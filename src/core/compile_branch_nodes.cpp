// Nodes that choose where to go: switch, split, parallel.
#include "compiler.hpp"

#include <algorithm>
#include <cmath>
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

// {"split": [{"label": L, "percent": P, "next": N | null}, ...]}: percents (up to two decimals) sum to exactly 100, labels unique.
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
		std::optional<int64_t> basis_points;
		if (const Json *p = Required(list[i], "percent", arm_path)) {
			// Up to two decimals: 33.33 is 3333 hundredths (a double's error on x.yz is far below 1e-6).
			const double scaled = p->is_number() ? p->get<double>() * 100 : -1;
			const double rounded = std::round(scaled);
			if (!p->is_number() || !(scaled >= 0 && scaled <= kSplitWhole) || std::fabs(scaled - rounded) > 1e-6)
				Error(JoinPath(arm_path, "percent"), "expected a percent from 0 to 100 with at most two decimals, got " +
														 p->dump());
			else
				basis_points = static_cast<int64_t>(rounded);
		}
		if (basis_points) {
			arm.basis_points = static_cast<int>(*basis_points);
			sum += *basis_points;
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
	if (sum_known && sum != kSplitWhole) {
		std::string percents = std::to_string(sum / 100);
		if (sum % 100 != 0)
			percents += (sum % 100 < 10 ? ".0" : ".") + std::to_string(sum % 100);
		Error(list_path, "the percents must sum to exactly 100, not " + percents);
	}
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
