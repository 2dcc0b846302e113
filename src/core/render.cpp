// Templates: substitution of {{ path | default: "text" }} expressions. Nothing is ever executed.
#include "render.hpp"

#include "quote.hpp"

#include <cctype>
#include <optional>
#include <vector>

namespace journey {

namespace {

struct Expression {
	std::vector<std::string> path;		  // root first: user, event, context or journey
	std::optional<std::string> fallback;  // the default filter's text
};

std::string_view
Trim(std::string_view text)
{
	while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
		text.remove_prefix(1);
	while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
		text.remove_suffix(1);
	return text;
}

std::string
ParsePath(std::string_view text, std::vector<std::string> &path)
{
	if (text.empty())
		return "empty template expression";
	size_t start = 0;
	while (true) {
		const size_t dot = text.find('.', start);
		const std::string_view part = text.substr(start, dot == std::string_view::npos ? dot : dot - start);
		if (part.empty())
			return "bad template variable " + Quoted(text);
		for (char c : part)
			if (std::isspace(static_cast<unsigned char>(c)) || c == '{' || c == '}' || c == '"' || c == '\'')
				return "bad template variable " + Quoted(text);
		path.emplace_back(part);
		if (dot == std::string_view::npos)
			break;
		start = dot + 1;
	}
	const std::string &root = path[0];
	if (root == "user" && path.size() < 2)
		return "expected user.ATTRIBUTE";
	if (root == "journey" && (path.size() != 2 || path[1] != "name"))
		return "unknown journey variable " + Quoted(text) + ": only journey.name";
	if (root != "user" && root != "event" && root != "context" && root != "journey")
		return "unknown template root " + Quoted(root) + ": expected user, event, context or journey";
	return "";
}

// `default: "text"` or `default: 'text'`.
std::string
ParseFilter(std::string_view text, std::optional<std::string> &fallback)
{
	constexpr std::string_view kDefault = "default";
	size_t name_end = 0;
	while (name_end < text.size() && (std::isalnum(static_cast<unsigned char>(text[name_end])) || text[name_end] == '_'))
		++name_end;
	if (text.substr(0, name_end) != kDefault)
		return "unknown filter " + Quoted(text.substr(0, name_end == 0 ? text.size() : name_end)) +
			   ": only default is supported";
	std::string_view rest = Trim(text.substr(name_end));
	const char *const kBad = "bad default filter: expected default: \"text\"";
	if (rest.empty() || rest.front() != ':')
		return kBad;
	rest = Trim(rest.substr(1));
	if (rest.size() < 2 || (rest.front() != '"' && rest.front() != '\''))
		return kBad;
	const size_t close = rest.find(rest.front(), 1);
	if (close == std::string_view::npos || !Trim(rest.substr(close + 1)).empty())
		return kBad;
	fallback = std::string(rest.substr(1, close - 1));
	return "";
}

// Parses the text between "{{" and "}}"; returns the problem, or "" when fine.
std::string
ParseExpression(std::string_view inner, Expression &expression)
{
	if (inner.find("{{") != std::string_view::npos)
		return "unclosed \"{{\"";
	const size_t bar = inner.find('|');
	std::string problem = ParsePath(Trim(inner.substr(0, bar)), expression.path);
	if (problem.empty() && bar != std::string_view::npos)
		problem = ParseFilter(Trim(inner.substr(bar + 1)), expression.fallback);
	return problem;
}

// Walks object keys and array indexes below `value`; null when absent.
const Json *
Walk(const Json *value, const std::vector<std::string> &path, size_t from)
{
	for (size_t i = from; i < path.size() && value != nullptr; ++i) {
		if (value->is_object()) {
			const auto it = value->find(path[i]);
			value = it == value->end() ? nullptr : &*it;
		} else if (value->is_array() && !path[i].empty() &&
				   path[i].find_first_not_of("0123456789") == std::string::npos && path[i].size() < 10) {
			const size_t index = std::stoul(path[i]);
			value = index < value->size() ? &(*value)[index] : nullptr;
		} else {
			value = nullptr;
		}
	}
	return value;
}

std::optional<std::string>
Text(const Json *value)
{
	if (value == nullptr || value->is_null())
		return std::nullopt;
	if (value->is_string())
		return value->get<std::string>();
	return value->dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::optional<std::string>
Resolve(const Expression &expression, const RenderScope &scope)
{
	const std::string &root = expression.path[0];
	if (root == "journey")
		return scope.journey_name ? std::optional<std::string>(*scope.journey_name) : std::nullopt;
	if (root == "event")
		return Text(Walk(scope.event, expression.path, 1));
	if (root == "context")
		return Text(Walk(scope.context, expression.path, 1));
	if (scope.facts == nullptr)
		return std::nullopt;
	const std::optional<Json> attribute = scope.facts->Attribute(expression.path[1]);
	return attribute ? Text(Walk(&*attribute, expression.path, 2)) : std::nullopt;
}

// Calls on_text for literal text and on_expression for each valid {{ }}; a bad expression is passed on as
// literal text. Returns the first problem, or "" when the whole text is fine.
template <typename OnText, typename OnExpression>
std::string
Scan(std::string_view text, OnText on_text, OnExpression on_expression)
{
	std::string first_problem;
	size_t pos = 0;
	while (pos < text.size()) {
		const size_t open = text.find("{{", pos);
		if (open == std::string_view::npos)
			break;
		on_text(text.substr(pos, open - pos));
		const size_t close = text.find("}}", open + 2);
		if (close == std::string_view::npos) {
			on_text(text.substr(open));
			return first_problem.empty() ? "unclosed \"{{\"" : first_problem;
		}
		Expression expression;
		const std::string problem = ParseExpression(text.substr(open + 2, close - open - 2), expression);
		if (problem.empty())
			on_expression(expression);
		else
			on_text(text.substr(open, close + 2 - open));
		if (first_problem.empty())
			first_problem = problem;
		pos = close + 2;
	}
	if (pos < text.size())
		on_text(text.substr(pos));
	return first_problem;
}

}	 // namespace

std::string
RenderString(std::string_view text, const RenderScope &scope)
{
	std::string out;
	const auto on_text = [&](std::string_view literal) { out += literal; };
	const auto on_expression = [&](const Expression &expression) {
		std::optional<std::string> value = Resolve(expression, scope);
		if ((!value || value->empty()) && expression.fallback)
			value = expression.fallback;
		if (value)
			out += *value;
	};
	// A stored template is not validated at define: a bad expression is copied as it is.
	Scan(text, on_text, on_expression);
	return out;
}

Json
RenderJson(const Json &value, const RenderScope &scope)
{
	if (value.is_string())
		return RenderString(value.get_ref<const std::string &>(), scope);
	if (value.is_object()) {
		Json out = Json::object();
		for (const auto &[key, item] : value.items())
			out[key] = RenderJson(item, scope);
		return out;
	}
	if (value.is_array()) {
		Json out = Json::array();
		for (const Json &item : value)
			out.push_back(RenderJson(item, scope));
		return out;
	}
	return value;
}

std::string
CheckTemplate(std::string_view text)
{
	return Scan(text, [](std::string_view) {}, [](const Expression &) {});
}

}	 // namespace journey
