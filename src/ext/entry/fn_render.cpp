// journey._render(definition, counts, format): a definition drawn as Mermaid or Graphviz dot text with the
// counts journey.render gathered (the drawing itself is src/core/diagram). Pure: it reads no table.
#include "pg/postgres.hpp"

#include "core/compile.hpp"
#include "core/diagram.hpp"
#include "core/quote.hpp"
#include "pg/convert.hpp"
#include "pg/guard.hpp"

extern "C" {
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(journey_render);
}

namespace journey {
namespace {

// The channels a definition's send nodes name. A stored definition was validated when it was defined: a
// channel added then (journey.add_channel) draws as it is, as the other checks against the database
// (segments, functions, time zones) are skipped too.
std::vector<std::string>
NamedChannels(const Json &definition)
{
	std::vector<std::string> channels;
	const auto nodes = definition.find("nodes");
	if (nodes == definition.end() || !nodes->is_object())
		return channels;
	for (const auto &[id, node] : nodes->items()) {
		if (!node.is_object())
			continue;
		const auto send = node.find("send");
		if (send == node.end() || !send->is_object())
			continue;
		const auto channel = send->find("channel");
		if (channel != send->end() && channel->is_string())
			channels.push_back(channel->get<std::string>());
	}
	return channels;
}

std::string
Render(const std::string &definition_text, const std::string &counts_text, const std::string &format_name)
{
	const std::optional<DiagramFormat> format = ParseDiagramFormat(format_name);
	if (!format)
		throw UserError("22023", "unknown format " + Quoted(format_name), {}, "the formats are 'mermaid' and 'dot'");
	const Json definition = Json::parse(definition_text);
	CompileOptions options;
	options.check_environment = false;
	options.extra_channels = NamedChannels(definition);
	CompileResult compiled = Compile(definition, options);
	if (!compiled.ok()) {
		const Problem &p = compiled.problems.front();
		const std::string name = definition.is_object() && definition.contains("name") && definition["name"].is_string()
									 ? definition["name"].get<std::string>()
									 : "";
		const char *sqlstate = p.sqlstate == kSqlstateNotSupported ? kSqlstateNotSupported
							   : p.sqlstate == kSqlstateNotAllowed ? kSqlstateNotAllowed
																   : kSqlstateInvalidParameter;
		throw UserError(sqlstate, FormatProblem(name, p));
	}
	DiagramCounts counts;
	try {
		if (!counts_text.empty())
			counts = ParseDiagramCounts(Json::parse(counts_text));
	} catch (const std::invalid_argument &e) {
		throw UserError("22023", e.what());
	}
	return DrawDiagram(*compiled.graph, counts, *format);
}

}	 // namespace
}	 // namespace journey

Datum
journey_render(PG_FUNCTION_ARGS)
{
	return journey::InvokeCpp([&]() -> Datum {
		using namespace journey;
		if (PG_ARGISNULL(0))
			throw UserError("22004", "definition must not be null");
		if (PG_ARGISNULL(2))
			throw UserError("22004", "format must not be null", {}, "the formats are 'mermaid' and 'dot'");
		const std::string definition = JsonbArgText(fcinfo, 0);
		const std::string counts = PG_ARGISNULL(1) ? std::string() : JsonbArgText(fcinfo, 1);
		const std::string format = TextArg(fcinfo, 2);
		const std::string text = Render(definition, counts, format);
		const char *data = text.data();
		const int size = static_cast<int>(text.size());
		return PgCall([&] { return PointerGetDatum(cstring_to_text_with_len(data, size)); });
	});
}
