// journey.render in the core: lays a compiled journey out as vertices and edges with inferred counts, and
// writes it as Mermaid or Graphviz dot text (diagram.hpp says how counts are inferred).
#include "diagram.hpp"

#include "diagram_text.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <limits>
#include <stdexcept>

namespace journey {

namespace {

// ---- counts ----

int64_t
CountValue(const Json &object, const char *key, const std::string &path)
{
	const auto found = object.find(key);
	if (found == object.end() || found->is_null())
		return 0;
	if (found->is_number_integer())
		return found->is_number_unsigned() && found->get<uint64_t>() > uint64_t(std::numeric_limits<int64_t>::max())
				   ? std::numeric_limits<int64_t>::max()
				   : found->get<int64_t>();
	if (found->is_number_float()) {
		const double value = found->get<double>();
		if (std::isfinite(value) && value == std::floor(value) && std::fabs(value) < 9.2e18)
			return static_cast<int64_t>(value);
	}
	throw std::invalid_argument(path + "." + key + ": expected an integer");
}

std::optional<double>
FractionValue(const Json &object, const char *key, const std::string &path)
{
	const auto found = object.find(key);
	if (found == object.end() || found->is_null())
		return std::nullopt;
	if (!found->is_number())
		throw std::invalid_argument(path + "." + key + ": expected a number or null");
	return found->get<double>();
}

std::string
StringValue(const Json &object, const char *key, const std::string &path)
{
	const auto found = object.find(key);
	if (found == object.end() || !found->is_string())
		throw std::invalid_argument(path + "." + key + ": expected a string");
	return found->get<std::string>();
}

// ---- layout ----

struct Tally {
	size_t out = 0;
	size_t in = 0;
};

std::string
CountsLine(const Node &node, const NodeCounts &counts)
{
	std::string line = "visits " + std::to_string(counts.visits);
	if (node.IsWaiting() || counts.waiting != 0)
		line += " · waiting " + std::to_string(counts.waiting);
	return line;
}

std::string
RateText(double fraction)
{
	char text[32];
	std::snprintf(text, sizeof text, "%.1f%%", fraction * 100.0);
	return text;
}

// "40/200 converted (20.0%) · p 0.032"
std::string
ConversionText(const ArmCounts &arm)
{
	std::string text = std::to_string(arm.converted) + "/" + std::to_string(arm.entered) + " converted";
	if (arm.rate)
		text += " (" + RateText(*arm.rate) + ")";
	else if (arm.entered > 0)
		text += " (" + RateText(static_cast<double>(arm.converted) / static_cast<double>(arm.entered)) + ")";
	if (arm.p_value) {
		char p[32];
		if (*arm.p_value < 0.001)
			std::snprintf(p, sizeof p, "p < 0.001");
		else
			std::snprintf(p, sizeof p, "p %.3f", *arm.p_value);
		text += std::string(" · ") + p;
	}
	return text;
}

VertexShape
ShapeOf(NodeKind kind)
{
	switch (kind) {
	case NodeKind::Wait:
	case NodeKind::WaitUntil:
	case NodeKind::WaitFor:
	case NodeKind::Window:
		return VertexShape::Wait;
	case NodeKind::If:
	case NodeKind::Switch:
	case NodeKind::Split:
		return VertexShape::Branch;
	case NodeKind::Parallel:
		return VertexShape::Parallel;
	case NodeKind::Send:
		return VertexShape::Send;
	case NodeKind::Update:
	case NodeKind::Call:
		return VertexShape::Action;
	case NodeKind::Exit:
		return VertexShape::Exit;
	}
	return VertexShape::Action;
}

// ---- writing ----

// The lines of an edge's label: "then · 35", then the arm's conversion when known.
std::vector<std::string>
EdgeLines(const DiagramEdge &edge)
{
	std::string first = edge.branch;
	if (edge.count)
		first += (first.empty() ? "" : " · ") + std::to_string(*edge.count);
	std::vector<std::string> lines;
	if (!first.empty())
		lines.push_back(first);
	if (!edge.conversion.empty())
		lines.push_back(edge.conversion);
	return lines;
}

std::string
JoinEscaped(const std::vector<std::string> &lines, std::string (*escape)(std::string_view), const char *br)
{
	std::string text;
	for (size_t i = 0; i < lines.size(); ++i)
		text += (i == 0 ? "" : br) + escape(lines[i]);
	return text;
}

// How each shape is drawn: Mermaid's brackets around the label, Graphviz's node attributes.
struct ShapeStyle {
	const char *mermaid_open;
	const char *mermaid_close;
	const char *dot;
};

const ShapeStyle &
StyleOf(VertexShape shape)
{
	// In the order of VertexShape.
	static constexpr ShapeStyle kStyles[] = {
		{"((", "))", "shape=circle"},						// Start
		{"{{", "}}", "shape=hexagon"},						// Wait
		{"{", "}", "shape=diamond"},							// Branch
		{"[/", "\\]", "shape=trapezium"},					// Parallel
		{"[/", "/]", "shape=parallelogram"},					// Send
		{"[", "]", "shape=box"},								// Action
		{"([", "])", "shape=box, style=\"rounded,bold\""},	// Exit
		{"([", "])", "shape=box, style=\"rounded,dashed\""},	// Holdout
	};
	static_assert(std::size(kStyles) == (size_t)VertexShape::Holdout + 1, "a style per VertexShape");
	return kStyles[(size_t)shape];
}

}	 // namespace

DiagramCounts
ParseDiagramCounts(const Json &counts)
{
	DiagramCounts parsed;
	if (counts.is_null())
		return parsed;
	if (!counts.is_object())
		throw std::invalid_argument("counts: expected an object");
	if (const auto nodes = counts.find("nodes"); nodes != counts.end() && !nodes->is_null()) {
		if (!nodes->is_object())
			throw std::invalid_argument("counts.nodes: expected an object");
		for (const auto &[id, value] : nodes->items()) {
			const std::string path = "counts.nodes." + CutText(id, kMaxNameText);
			if (value.is_null())
				continue;
			if (!value.is_object())
				throw std::invalid_argument(path + ": expected an object");
			parsed.nodes[id] = NodeCounts{CountValue(value, "visits", path), CountValue(value, "waiting", path)};
		}
	}
	if (const auto arms = counts.find("arms"); arms != counts.end() && !arms->is_null()) {
		if (!arms->is_array())
			throw std::invalid_argument("counts.arms: expected an array");
		for (size_t i = 0; i < arms->size(); ++i) {
			const Json &arm = (*arms)[i];
			const std::string path = std::string("counts.arms[") + std::to_string(i) + "]";
			if (!arm.is_object())
				throw std::invalid_argument(path + ": expected an object");
			ArmCounts value{CountValue(arm, "entered", path), CountValue(arm, "converted", path),
							FractionValue(arm, "conversion_rate", path), FractionValue(arm, "p_value", path)};
			parsed.arms[{StringValue(arm, "node", path), StringValue(arm, "label", path)}] = value;
		}
	}
	return parsed;
}

std::optional<DiagramFormat>
ParseDiagramFormat(std::string_view name)
{
	if (name == "mermaid")
		return DiagramFormat::Mermaid;
	if (name == "dot")
		return DiagramFormat::Dot;
	return std::nullopt;
}

Diagram
LayOutDiagram(const Graph &graph, const DiagramCounts &counts)
{
	Diagram diagram;
	diagram.title = graph.name;
	const auto node_counts = [&counts](const Node &node) {
		const auto found = counts.nodes.find(node.id);
		return found == counts.nodes.end() ? NodeCounts{} : found->second;
	};
	const size_t n = graph.nodes.size();
	const auto vertex_of = [](NodeId id) { return static_cast<size_t>(id) + 1; };

	diagram.vertices.push_back(DiagramVertex{"start", VertexShape::Start, {"start"}});
	for (size_t i = 0; i < n; ++i) {
		const Node &node = graph.nodes[i];
		diagram.vertices.push_back(
			DiagramVertex{std::string("n") + std::to_string(i),
						  ShapeOf(node.kind),
						  {node.id, NodeFacts(graph, node), CountsLine(node, node_counts(node))}});
	}

	std::vector<DiagramEdge> &edges = diagram.edges;
	const auto add = [&edges, &vertex_of, n](size_t from, NodeId target, std::string branch) {
		if (target < 0 || static_cast<size_t>(target) >= n)
			return false;
		edges.push_back(DiagramEdge{from, vertex_of(target), std::move(branch), std::nullopt, {}});
		return true;
	};
	if (graph.start != kNoNode)
		add(0, graph.start, "");
	size_t holdouts = 0;
	for (size_t i = 0; i < n; ++i) {
		const Node &node = graph.nodes[i];
		const size_t from = i + 1;
		switch (node.kind) {
		case NodeKind::If:
			add(from, node.next, "then");
			add(from, node.alt, "else");
			break;
		case NodeKind::WaitFor:
			add(from, node.next, "on_event");
			add(from, node.alt, "on_timeout");
			break;
		case NodeKind::WaitUntil:
			add(from, node.next, node.alt == kNoNode ? "" : "due");
			add(from, node.alt, "past");
			break;
		case NodeKind::Switch:
			for (size_t k = 0; k < node.cases.size(); ++k)
				add(from, node.cases[k].next,
					std::string("case ") + std::to_string(k + 1) + ": " + ConditionText(graph, node.cases[k].when));
			add(from, node.alt, "default");
			break;
		case NodeKind::Split:
			for (const SplitArm &arm : node.arms) {
				std::string branch = CutText(arm.label, kMaxNameText) + " " + PercentText(arm.basis_points);
				if (arm.next == kNoNode) {
					const size_t holdout = diagram.vertices.size();
					diagram.vertices.push_back(
						DiagramVertex{std::string("h") + std::to_string(holdouts++), VertexShape::Holdout, {"holdout"}});
					edges.push_back(DiagramEdge{from, holdout, std::move(branch), std::nullopt, {}});
				} else if (!add(from, arm.next, std::move(branch))) {
					continue;
				}
				if (const auto found = counts.arms.find({node.id, arm.label}); found != counts.arms.end())
					edges.back().conversion = ConversionText(found->second);
			}
			break;
		case NodeKind::Parallel:
			for (size_t k = 0; k < node.branches.size(); ++k)
				add(from, node.branches[k], std::string("branch ") + std::to_string(k + 1));
			break;
		default:
			add(from, node.next, "");
			break;
		}
	}

	std::vector<Tally> tally(diagram.vertices.size());
	for (const DiagramEdge &edge : edges) {
		tally[edge.from].out++;
		tally[edge.to].in++;
	}
	const auto is_node = [n](size_t vertex) { return vertex >= 1 && vertex <= n; };
	// Instances leave a waiting node other ways than its edges (exit_when, a goal, journey.exit, a failure
	// keeps the node it waited at): only a node that never holds anyone tells its edge by what left it.
	const auto holds_users = [](const Node &node) {
		return node.kind == NodeKind::Wait || node.kind == NodeKind::WaitUntil || node.kind == NodeKind::WaitFor ||
			   node.kind == NodeKind::Window;
	};
	for (DiagramEdge &edge : edges) {
		if (is_node(edge.to) && tally[edge.to].in == 1) {
			edge.count = node_counts(graph.nodes[edge.to - 1]).visits;
		} else if (is_node(edge.from) && tally[edge.from].out == 1 && !holds_users(graph.nodes[edge.from - 1])) {
			const NodeCounts c = node_counts(graph.nodes[edge.from - 1]);
			edge.count = c.visits > c.waiting ? c.visits - c.waiting : 0;
		}
	}
	return diagram;
}

std::string
EscapeMermaid(std::string_view text)
{
	std::string out;
	out.reserve(text.size());
	for (const char c : text) {
		switch (c) {
		case '"':
			out += "#quot;";
			break;
		case '#':
			out += "#35;";
			break;
		case '&':
			out += "#amp;";
			break;
		case '<':
			out += "#lt;";
			break;
		case '>':
			out += "#gt;";
			break;
		case '`':
			out += "#96;";
			break;
		case '|':
			out += "#124;";
			break;
		case '\n':
			out += "<br>";
			break;
		case '\r':
			break;
		default:
			out += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? ' ' : c;
			break;
		}
	}
	return out;
}

std::string
EscapeDot(std::string_view text)
{
	std::string out;
	out.reserve(text.size());
	for (const char c : text) {
		switch (c) {
		case '"':
			out += "\\\"";
			break;
		case '\\':
			out += "\\\\";
			break;
		case '\n':
			out += "\\n";
			break;
		case '\r':
			break;
		default:
			out += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? ' ' : c;
			break;
		}
	}
	return out;
}

std::string
DrawMermaid(const Diagram &diagram)
{
	std::string out = "flowchart TD\n";
	// A comment line: only the name's letters, digits and _ (a name is [a-z][a-z0-9_]*).
	std::string title;
	for (const char c : diagram.title)
		title += std::isalnum(static_cast<unsigned char>(c)) || c == '_' ? c : '_';
	if (!title.empty())
		out += "    %% journey " + title + "\n";
	for (const DiagramVertex &v : diagram.vertices)
		out += "    " + v.key + StyleOf(v.shape).mermaid_open + "\"" + JoinEscaped(v.lines, EscapeMermaid, "<br>") +
			   "\"" + StyleOf(v.shape).mermaid_close + "\n";
	for (const DiagramEdge &e : diagram.edges) {
		const std::vector<std::string> lines = EdgeLines(e);
		out += "    " + diagram.vertices[e.from].key + " -->";
		if (!lines.empty())
			out += "|\"" + JoinEscaped(lines, EscapeMermaid, "<br>") + "\"|";
		out += " " + diagram.vertices[e.to].key + "\n";
	}
	return out;
}

std::string
DrawDot(const Diagram &diagram)
{
	std::string out = "digraph \"" + EscapeDot(diagram.title) + "\" {\n";
	out += "    node [fontname=\"Helvetica\", fontsize=10];\n";
	out += "    edge [fontname=\"Helvetica\", fontsize=9];\n";
	for (const DiagramVertex &v : diagram.vertices)
		out += "    " + v.key + " [label=\"" + JoinEscaped(v.lines, EscapeDot, "\\n") + "\", " + StyleOf(v.shape).dot +
			   "];\n";
	for (const DiagramEdge &e : diagram.edges) {
		const std::vector<std::string> lines = EdgeLines(e);
		out += "    " + diagram.vertices[e.from].key + " -> " + diagram.vertices[e.to].key;
		if (!lines.empty())
			out += " [label=\"" + JoinEscaped(lines, EscapeDot, "\\n") + "\"]";
		out += ";\n";
	}
	return out + "}\n";
}

std::string
DrawDiagram(const Graph &graph, const DiagramCounts &counts, DiagramFormat format)
{
	const Diagram diagram = LayOutDiagram(graph, counts);
	return format == DiagramFormat::Dot ? DrawDot(diagram) : DrawMermaid(diagram);
}

}	 // namespace journey
