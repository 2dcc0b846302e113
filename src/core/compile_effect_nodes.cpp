// Nodes with effects beyond the outbox: update (the user's profile) and call (a SQL function into the context).
#include "compiler.hpp"

#include <algorithm>

namespace journey::detail {

namespace {

bool
IsIdentifier(std::string_view text)
{
	if (text.empty() || text.size() > 63)
		return false;
	const auto start = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
	return start(text[0]) && std::all_of(text.begin() + 1, text.end(), [&](char c) {
			   return start(c) || (c >= '0' && c <= '9') || c == '$';
		   });
}

// "name" or "schema.name".
bool
IsFunctionName(std::string_view text)
{
	const size_t dot = text.find('.');
	if (dot == std::string_view::npos)
		return IsIdentifier(text);
	return IsIdentifier(text.substr(0, dot)) && IsIdentifier(text.substr(dot + 1));
}

}	 // namespace

// {"update": {ATTR: {"set": V} | {"add": NUMBER | DURATION} | {"unset": true}, ...}, "next": N}
void
Compiler::UpdateNode(Node &node, const Json &value, const std::string &path)
{
	CheckKeys(value, path, {"update", "next"});
	node.kind = NodeKind::Update;
	node.next = Target(value, "next", path);
	const std::string update_path = JoinPath(path, "update");
	const Json &updates = value["update"];
	if (!updates.is_object() || updates.empty()) {
		Error(update_path, "expected an object of attribute -> {\"set\": V} | {\"add\": N} | {\"unset\": true}");
		return;
	}
	for (const auto &[attribute, change] : updates.items()) {
		const std::string attribute_path = JoinPath(update_path, attribute);
		if (attribute.empty())
			Error(attribute_path, "expected a non-empty attribute name");
		if (!ExpectObject(change, attribute_path, "{\"set\": V} | {\"add\": N} | {\"unset\": true}"))
			continue;
		const std::optional<std::string> op = KindKey(change, attribute_path, "update", {"set", "add", "unset"}, {});
		if (!op)
			continue;
		CheckKeys(change, attribute_path, {*op});
		AttributeUpdate update;
		update.attribute = attribute;
		const std::string op_path = JoinPath(attribute_path, *op);
		const Json &operand = change[*op];
		if (*op == "set") {
			update.op = UpdateOp::Set;
			Template(operand, op_path);
			update.value = operand;
		} else if (*op == "add") {
			update.op = UpdateOp::Add;
			if (operand.is_number())
				update.value = operand;
			else if (operand.is_string())
				update.add_duration = Duration(operand, op_path, DurationRule::Any);
			else
				Error(op_path, "expected a number or a duration such as \"7 days\"");
		} else {
			update.op = UpdateOp::Unset;
			if (operand != true)
				Error(op_path, "expected true");
		}
		node.updates.push_back(std::move(update));
	}
}

// {"call": FUNC, "into": KEY, "next": N}
void
Compiler::CallNode(Node &node, const Json &value, const std::string &path)
{
	CheckKeys(value, path, {"call", "into", "next"});
	node.kind = NodeKind::Call;
	node.next = Target(value, "next", path);
	const std::string call_path = JoinPath(path, "call");
	const Json &function = value["call"];
	if (!function.is_string() || !IsFunctionName(function.get_ref<const std::string &>())) {
		Error(call_path, "expected a function name, optionally schema-qualified, such as \"app.recommend\"");
	} else {
		node.call.function = function.get<std::string>();
		const auto &allowed = options_.allowed_functions;
		if (options_.check_environment && std::find(allowed.begin(), allowed.end(), node.call.function) == allowed.end())
			NotAllowed(call_path, "function " + Quote(node.call.function) +
									  " is not allowed: register it with journey.allow_function");
	}
	if (const Json *into = Required(value, "into", path))
		if (std::optional<std::string> key = Name(*into, JoinPath(path, "into")))
			node.call.into = std::move(*key);
}

}	 // namespace journey::detail
