// Look-ups on a compiled graph.
#include "graph.hpp"

#include <algorithm>

namespace journey {

NodeId
Graph::FindNode(const std::string &id) const
{
	const auto it = node_index.find(id);
	return it == node_index.end() ? kNoNode : it->second;
}

std::vector<std::string>
Graph::EventNames() const
{
	std::vector<std::string> names;
	for (const Trigger &trigger : triggers)
		if (trigger.kind == TriggerKind::Event)
			names.push_back(trigger.event);
	for (const ExitRule &rule : exit_when)
		names.push_back(rule.event);
	for (const Node &node : nodes)
		if (node.kind == NodeKind::WaitFor)
			names.push_back(node.event);
	std::sort(names.begin(), names.end());
	names.erase(std::unique(names.begin(), names.end()), names.end());
	return names;
}

}	 // namespace journey
