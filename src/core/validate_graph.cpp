// Checks of the graph as a whole: every node reachable from start, no cycle without a waiting node.
#include "compiler.hpp"

#include <algorithm>
#include <deque>

namespace journey::detail {

namespace {

// Does the node always make time pass? A wait of positive duration and a wait_for do (SPEC §5). A wait of
// zero does not, nor a wait_until already past or a window already open: a loop through them could run
// for ever in one step. (A loop that happens anyway at run time, e.g. a wait_for of timeout zero, fails
// that instance: the evaluator's visit limit.)
bool
PassesTime(const Node &node)
{
	if (node.kind == NodeKind::WaitFor)
		return true;
	return node.kind == NodeKind::Wait && !node.duration.IsZero() && !node.duration.IsNegative();
}

// Strongly connected components of the graph restricted to nodes that do not pass time (Tarjan, iterative).
// A component with more than one node, or one node with an edge to itself, is an instantaneous loop.
class LoopFinder {
public:
	explicit LoopFinder(const std::vector<Node> &nodes)
		: nodes_(nodes), index_(nodes.size(), -1), low_(nodes.size(), 0), on_stack_(nodes.size(), false)
	{
	}

	std::vector<std::vector<NodeId>>
	Components()
	{
		for (NodeId v = 0; v < static_cast<NodeId>(nodes_.size()); ++v)
			if (index_[v] < 0 && !PassesTime(nodes_[v]))
				Visit(v);
		return components_;
	}

	std::vector<NodeId>
	Edges(NodeId v) const
	{
		std::vector<NodeId> out;
		for (NodeId w : nodes_[v].Successors())
			if (!PassesTime(nodes_[w]))
				out.push_back(w);
		return out;
	}

private:
	struct Frame {
		NodeId node;
		std::vector<NodeId> edges;
		size_t next = 0;
	};

	void
	Visit(NodeId root)
	{
		std::vector<Frame> frames;
		Open(root, frames);
		while (!frames.empty()) {
			Frame &frame = frames.back();
			if (frame.next < frame.edges.size()) {
				const NodeId w = frame.edges[frame.next++];
				if (index_[w] < 0)
					Open(w, frames);
				else if (on_stack_[w])
					low_[frame.node] = std::min(low_[frame.node], index_[w]);
				continue;
			}
			const NodeId v = frame.node;
			frames.pop_back();
			if (!frames.empty())
				low_[frames.back().node] = std::min(low_[frames.back().node], low_[v]);
			if (low_[v] == index_[v])
				Close(v);
		}
	}

	void
	Open(NodeId v, std::vector<Frame> &frames)
	{
		index_[v] = low_[v] = counter_++;
		stack_.push_back(v);
		on_stack_[v] = true;
		frames.push_back({v, Edges(v)});
	}

	void
	Close(NodeId v)
	{
		std::vector<NodeId> component;
		NodeId w;
		do {
			w = stack_.back();
			stack_.pop_back();
			on_stack_[w] = false;
			component.push_back(w);
		} while (w != v);
		const std::vector<NodeId> edges = Edges(v);
		if (component.size() > 1 || std::find(edges.begin(), edges.end(), v) != edges.end())
			components_.push_back(std::move(component));
	}

	const std::vector<Node> &nodes_;
	std::vector<int> index_;
	std::vector<int> low_;
	std::vector<bool> on_stack_;
	std::vector<NodeId> stack_;
	std::vector<std::vector<NodeId>> components_;
	int counter_ = 0;
};

// A shortest cycle from `from` back to itself inside the component (breadth first).
std::vector<NodeId>
CycleThrough(const LoopFinder &finder, NodeId from, const std::vector<NodeId> &component)
{
	std::vector<NodeId> parent(*std::max_element(component.begin(), component.end()) + 1, kNoNode);
	std::deque<NodeId> queue{from};
	std::vector<bool> seen(parent.size(), false);
	while (!queue.empty()) {
		const NodeId v = queue.front();
		queue.pop_front();
		for (NodeId w : finder.Edges(v)) {
			if (std::find(component.begin(), component.end(), w) == component.end())
				continue;
			if (w == from) {
				std::vector<NodeId> cycle{from};
				for (NodeId u = v; u != from; u = parent[u])
					cycle.insert(cycle.begin() + 1, u);
				cycle.push_back(from);
				return cycle;
			}
			if (!seen[w]) {
				seen[w] = true;
				parent[w] = v;
				queue.push_back(w);
			}
		}
	}
	return {from, from};
}

}	 // namespace

void
Compiler::CheckGraph()
{
	if (graph_.nodes.empty())
		return;
	CheckLoops();
	if (edges_complete_ && graph_.start != kNoNode)
		CheckReachable();
}

void
Compiler::CheckReachable()
{
	std::vector<bool> reached(graph_.nodes.size(), false);
	std::vector<NodeId> pending{graph_.start};
	reached[graph_.start] = true;
	while (!pending.empty()) {
		const NodeId v = pending.back();
		pending.pop_back();
		for (NodeId w : graph_.nodes[v].Successors())
			if (!reached[w]) {
				reached[w] = true;
				pending.push_back(w);
			}
	}
	for (size_t v = 0; v < graph_.nodes.size(); ++v)
		if (!reached[v])
			Error(JoinPath("nodes", graph_.nodes[v].id), "node is unreachable from start");
}

void
Compiler::CheckLoops()
{
	LoopFinder finder(graph_.nodes);
	for (const std::vector<NodeId> &component : finder.Components()) {
		// Reported once, at the component's first node in document order.
		const NodeId first = *std::min_element(component.begin(), component.end());
		std::string text;
		for (NodeId v : CycleThrough(finder, first, component))
			text += (text.empty() ? "" : " -> ") + graph_.nodes[v].id;
		Error(JoinPath("nodes", graph_.nodes[first].id),
			  "instantaneous loop: " + text + " (every cycle must pass a wait_for or a wait longer than zero; a wait_until or a window may not wait)");
	}
}

}	 // namespace journey::detail
