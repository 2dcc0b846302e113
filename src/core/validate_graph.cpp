// Checks of the graph as a whole: every node reachable from start, no cycle without a waiting node.
#include "compiler.hpp"

#include <algorithm>
#include <deque>

namespace journey::detail {

namespace {

// Does the node always make time pass? A wait of positive duration and a wait_for on an event do (SPEC §5).
// A wait of zero does not, nor a wait_until already past or a window already open, nor a wait_for on a
// segment (a member goes on at once): a loop through them could run for ever in one step. (A loop that
// happens anyway at run time fails that instance: the evaluator's visit limit.)
bool
PassesTime(const Node &node)
{
	if (node.kind == NodeKind::WaitFor)
		return node.segment.empty();
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

// Shortest cycles through a node inside a component (breadth first). Its buffers are sized once for the
// graph and cleared per component: O(edges of the component) per search, however many components.
class CycleSearch {
public:
	CycleSearch(const LoopFinder &finder, size_t node_count)
		: finder_(finder), inside_(node_count, false), seen_(node_count, false), parent_(node_count, kNoNode)
	{
	}

	std::vector<NodeId>
	Through(NodeId from, const std::vector<NodeId> &component)
	{
		for (NodeId v : component)
			inside_[v] = true;
		std::vector<NodeId> cycle = Search(from);
		for (NodeId v : component) {
			inside_[v] = seen_[v] = false;
			parent_[v] = kNoNode;
		}
		return cycle;
	}

private:
	std::vector<NodeId>
	Search(NodeId from)
	{
		std::deque<NodeId> queue{from};
		while (!queue.empty()) {
			const NodeId v = queue.front();
			queue.pop_front();
			for (NodeId w : finder_.Edges(v)) {
				if (!inside_[w])
					continue;
				if (w == from) {
					std::vector<NodeId> cycle{from};  // built backwards, then turned round
					for (NodeId u = v; u != from; u = parent_[u])
						cycle.push_back(u);
					cycle.push_back(from);
					std::reverse(cycle.begin(), cycle.end());
					return cycle;
				}
				if (!seen_[w]) {
					seen_[w] = true;
					parent_[w] = v;
					queue.push_back(w);
				}
			}
		}
		return {from, from};
	}

	const LoopFinder &finder_;
	std::vector<bool> inside_;
	std::vector<bool> seen_;	// only nodes inside the component are ever marked
	std::vector<NodeId> parent_;
};

// "a -> b -> a"; a long cycle shows its first nodes and its last: "a -> b -> ... (10000 nodes) -> z -> a".
std::string
CycleText(const Graph &graph, const std::vector<NodeId> &cycle)
{
	constexpr size_t kShown = 10;
	std::string text;
	for (size_t i = 0; i < cycle.size(); ++i) {
		if (cycle.size() > 2 * kShown && i == kShown) {
			text += " -> ... (" + std::to_string(cycle.size() - 1) + " nodes)";
			i = cycle.size() - 3;  // then the last node before the return, and the return
			continue;
		}
		text += (text.empty() ? "" : " -> ") + graph.nodes[cycle[i]].id;
	}
	return text;
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
	CycleSearch cycles(finder, graph_.nodes.size());
	for (const std::vector<NodeId> &component : finder.Components()) {
		// Reported once, at the component's first node in document order.
		const NodeId first = *std::min_element(component.begin(), component.end());
		const std::string text = CycleText(graph_, cycles.Through(first, component));
		Error(JoinPath("nodes", graph_.nodes[first].id),
			  "instantaneous loop: " + text + " (every cycle must pass a wait_for or a wait longer than zero; a wait_until or a window may not wait)");
	}
}

}	 // namespace journey::detail
