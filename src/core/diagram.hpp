// journey.render: a compiled journey drawn as a Mermaid flowchart or a Graphviz dot graph, with live counts.
//
// Vertices: a "start" marker, then the graph's nodes in the graph's order (n0, n1, ... — node ids may hold
// ? ! -, so the real id is only ever in a label), then one "holdout" end per holdout arm of a split (h0, h1,
// ...). Edges: the marker's edge to the start node, then each node's edges in the order of its definition
// (next; then/else; cases then default; arms; branches; on_event/on_timeout; due/past).
//
// No per-edge data is stored, so an edge's count is inferred from node counts:
//   1. its target is a node with exactly one incoming edge: visits(target);
//   2. else its source has exactly one outgoing edge and is not a node users wait at (wait, wait_until,
//      wait_for, window: exit_when, goals, journey.exit and failures take users out of those, not by an edge):
//      visits(source) - waiting(source) (at least 0), the ones that left;
//   3. else it has no count (never guessed).
// The start marker's edge follows rule 1 only (the marker has no visits).
#pragma once
#include "no_postgres.hpp"

#include "graph.hpp"
#include "json.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace journey {

struct NodeCounts {
	int64_t visits = 0;
	int64_t waiting = 0;
};

struct ArmCounts {
	int64_t entered = 0;
	int64_t converted = 0;
	std::optional<double> rate;	 // a fraction; converted / entered when absent
	std::optional<double> p_value;
};

struct DiagramCounts {
	std::map<std::string, NodeCounts> nodes;						// by node id; a missing node counts 0
	std::map<std::pair<std::string, std::string>, ArmCounts> arms;	// by (split node id, arm label)
};

// {"nodes": {"<node id>": {"visits": n, "waiting": n}}, "arms": [{"node": "<split id>", "label": "A",
//  "entered": n, "converted": n, "conversion_rate": x|null, "p_value": x|null}]}. Every key may be missing or
// null (0, no rate, no p value). Throws std::invalid_argument ("counts.nodes.wait.visits: expected an
// integer") for a value of the wrong type.
DiagramCounts ParseDiagramCounts(const Json &counts);

enum class DiagramFormat : uint8_t { Mermaid, Dot };
std::optional<DiagramFormat> ParseDiagramFormat(std::string_view name);	 // "mermaid", "dot"

enum class VertexShape : uint8_t { Start, Wait, Branch, Parallel, Send, Action, Exit, Holdout };

struct DiagramVertex {
	std::string key;  // "start", "n0", "h0": safe in either format
	VertexShape shape = VertexShape::Action;
	std::vector<std::string> lines;	 // plain text; the writers escape it
};

struct DiagramEdge {
	size_t from = 0;  // vertex indexes
	size_t to = 0;
	std::string branch;			   // "then", "case 1: ...", "A 50%", "" for a plain next
	std::optional<int64_t> count;  // inferred (see above)
	std::string conversion;		   // split arms with counts: "40/200 converted (20.0%) · p 0.032"
};

struct Diagram {
	std::string title;	// the journey's name
	std::vector<DiagramVertex> vertices;
	std::vector<DiagramEdge> edges;
};

Diagram LayOutDiagram(const Graph &graph, const DiagramCounts &counts);

std::string DrawMermaid(const Diagram &diagram);
std::string DrawDot(const Diagram &diagram);
std::string DrawDiagram(const Graph &graph, const DiagramCounts &counts, DiagramFormat format);

// A label's text escaped for each format (exposed for tests). Mermaid: inside a quoted label, with entity
// codes (#quot; #35; #lt; ...) for the characters Mermaid or its HTML labels would read; dot: inside a quoted
// string (\" \\), newlines as \n.
std::string EscapeMermaid(std::string_view text);
std::string EscapeDot(std::string_view text);

}	 // namespace journey
