// Compile(): parses a definition, validates it completely and builds the graph. Parsing (nlohmann's parser)
// and destroying a document do not recurse, so any depth is safe until PathBeyondDepth has bounded it.
#include "compile.hpp"

#include "compiler.hpp"

#include <memory>

namespace journey {

using detail::JoinPath;
using detail::Quote;

namespace detail {

CompileResult
Compiler::Run(const Json &definition)
{
	// Before anything recurses over the document (the checks below, copies and comparisons of its values).
	if (std::optional<std::string> deep = PathBeyondDepth(definition, kMaxJsonDepth)) {
		Error(*deep, "json nests too deeply (at most " + std::to_string(kMaxJsonDepth) +
						 " levels of arrays and objects)");
	} else if (!definition.is_object()) {
		Error("", "expected an object (a journey definition)");
	} else {
		IndexNodes(definition);
		TopLevel(definition);
		CheckGraph();
	}
	SortProblems(problems_);
	graph_.split_salt = options_.split_salt.empty() ? graph_.name : options_.split_salt;
	CompileResult result;
	result.problems = std::move(problems_);
	if (result.problems.empty())
		result.graph = std::make_shared<const Graph>(std::move(graph_));
	return result;
}

// Node ids are known before anything refers to them, so that targets resolve in one pass.
void
Compiler::IndexNodes(const Json &definition)
{
	const Json *nodes = Optional(definition, "nodes");
	if (nodes == nullptr || !nodes->is_object())
		return;
	for (const auto &[id, value] : nodes->items()) {
		graph_.node_index.emplace(id, static_cast<NodeId>(graph_.nodes.size()));
		graph_.nodes.emplace_back().id = id;
	}
}

void
Compiler::TopLevel(const Json &definition)
{
	CheckKeys(definition, "", {"name", "description", "trigger", "entry", "exit_when", "goal", "start", "nodes", "send_rate"});
	if (const Json *entry = Optional(definition, "entry"))
		definition_has_key_ = entry->is_object() && entry->contains("key");
	if (const Json *name = Required(definition, "name", "")) {
		if (!name->is_string())
			Error("name", "expected a string");
		else if (!IsValidJourneyName(name->get<std::string>()))
			Error("name", "invalid journey name " + Quote(name->get<std::string>()) +
							  ": expected [a-z][a-z0-9_]*, at most 63 characters");
		else
			graph_.name = name->get<std::string>();
	}
	if (const Json *description = Optional(definition, "description")) {
		if (description->is_string())
			graph_.description = description->get<std::string>();
		else
			Error("description", "expected a string");
	}
	if (const Json *trigger = Required(definition, "trigger", ""))
		Triggers(*trigger);
	if (const Json *entry = Optional(definition, "entry"))
		Entry(*entry);
	if (const Json *exit_when = Optional(definition, "exit_when"))
		ExitWhen(*exit_when);
	if (const Json *goal = Optional(definition, "goal"))
		if (!Refused("goal", "goal"))
			Goal(*goal);
	if (const Json *send_rate = Optional(definition, "send_rate"))
		if (!Refused("send_rate", "send_rate"))
			graph_.send_rate = RateOf(*send_rate, "send_rate", "messages");
	if (const Json *nodes = Required(definition, "nodes", ""))
		Nodes(*nodes);
	if (const Json *start = Required(definition, "start", "")) {
		if (!start->is_string()) {
			Error("start", "expected a node id (a string)");
		} else {
			graph_.start = graph_.FindNode(start->get<std::string>());
			if (graph_.start == kNoNode)
				Error("start", "unknown node " + Quote(start->get<std::string>()));
		}
	}
}

}	 // namespace detail

CompileResult
Compile(const Json &definition, const CompileOptions &options)
{
	return detail::Compiler(options).Run(definition);
}

CompileResult
Compile(std::string_view json_text, const CompileOptions &options)
{
	Json definition;
	try {
		definition = Json::parse(json_text.begin(), json_text.end());
	} catch (const Json::exception &error) {
		// A syntax error (parse_error), or a number beyond a double's range (out_of_range, "1e400": jsonb's
		// numeric holds it).
		CompileResult result;
		result.problems.push_back({"", std::string("invalid json: ") + error.what()});
		return result;
	}
	return Compile(definition, options);
}

CompileResult
Compile(const std::string &json_text, const CompileOptions &options)
{
	return Compile(std::string_view(json_text), options);
}

CompileResult
Compile(const char *json_text, const CompileOptions &options)
{
	return Compile(std::string_view(json_text), options);
}

std::string
FormatProblem(const std::string &journey_name, const Problem &problem)
{
	std::string text = journey_name.empty() ? "journey" : "journey " + Quote(journey_name);
	text += ": ";
	if (!problem.path.empty())
		text += problem.path + ": ";
	return text + problem.message;
}

}	 // namespace journey
