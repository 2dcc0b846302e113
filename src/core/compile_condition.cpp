// Conditions: attribute, prop, event, reachable, all, any, not.
#include "compiler.hpp"

#include <array>
#include <utility>

namespace journey::detail {

namespace {

constexpr std::array<std::pair<std::string_view, CompareOp>, 12> kOps = {{
	{"=", CompareOp::Eq},
	{"!=", CompareOp::Ne},
	{">", CompareOp::Gt},
	{">=", CompareOp::Ge},
	{"<", CompareOp::Lt},
	{"<=", CompareOp::Le},
	{"in", CompareOp::In},
	{"not_in", CompareOp::NotIn},
	{"contains", CompareOp::Contains},
	{"exists", CompareOp::Exists},
	{"not_exists", CompareOp::NotExists},
	{"between", CompareOp::Between},
}};

constexpr size_t kCountOps = 6;	// the first six: comparisons of an event count

std::optional<CompareOp>
FindOp(const Json &value, size_t limit)
{
	if (!value.is_string())
		return std::nullopt;
	for (size_t i = 0; i < limit; ++i)
		if (kOps[i].first == value.get_ref<const std::string &>())
			return kOps[i].second;
	return std::nullopt;
}

bool
IsScalarOrdered(const Json &value)
{
	return value.is_number() || value.is_string();
}

}	 // namespace

CondId
Compiler::Condition(const Json &value, const std::string &path, CondPlace place)
{
	if (!ExpectObject(value, path, "a condition"))
		return kNoCond;
	if (condition_depth_ >= kMaxNesting) {
		Error(path, "conditions nest too deeply (at most " + std::to_string(kMaxNesting) + " levels)");
		return kNoCond;
	}
	struct DepthGuard {
		int &depth;
		explicit DepthGuard(int &d) : depth(++d) {}
		~DepthGuard() { --depth; }
	} guard(condition_depth_);
	const std::optional<std::string> kind = KindKey(
		value, path, "condition", {"attribute", "prop", "event", "reachable", "segment", "all", "any", "not"}, {});
	if (!kind)
		return kNoCond;
	const bool combinator = *kind == "all" || *kind == "any" || *kind == "not";
	if (place == CondPlace::Plain && *kind == "prop")
		Error(JoinPath(path, "prop"), "a prop condition is only allowed inside \"where\"");
	if (place == CondPlace::EventWhere && *kind != "prop" && !combinator)
		Error(JoinPath(path, *kind),
			  "the \"where\" of an event condition allows only prop conditions and all, any, not");
	journey::Condition cond;
	if (*kind == "attribute" || *kind == "prop") {
		cond.kind = *kind == "prop" ? CondKind::Prop : CondKind::Attribute;
		Comparison(cond, value, path, *kind);
	} else if (*kind == "event") {
		cond.kind = CondKind::Event;
		EventCondition(cond, value, path);
	} else if (*kind == "reachable") {
		CheckKeys(value, path, {"reachable"});
		cond.kind = CondKind::Reachable;
		if (std::optional<std::string> channel = Channel(value["reachable"], JoinPath(path, "reachable")))
			cond.name = std::move(*channel);
	} else if (*kind == "segment") {
		CheckKeys(value, path, {"segment"});
		cond.kind = CondKind::Segment;
		if (std::optional<std::string> segment = Segment(value["segment"], JoinPath(path, "segment")))
			cond.name = std::move(*segment);
	} else if (*kind == "not") {
		CheckKeys(value, path, {"not"});
		cond.kind = CondKind::Not;
		cond.children.push_back(Condition(value["not"], JoinPath(path, "not"), place));
	} else {
		CheckKeys(value, path, {*kind});
		cond.kind = *kind == "all" ? CondKind::All : CondKind::Any;
		const std::string list_path = JoinPath(path, *kind);
		const Json &list = value[*kind];
		if (!list.is_array() || list.empty())
			Error(list_path, "expected a non-empty array of conditions");
		else
			for (size_t i = 0; i < list.size(); ++i)
				cond.children.push_back(Condition(list[i], IndexPath(list_path, i), place));
	}
	graph_.conditions.push_back(std::move(cond));
	return static_cast<CondId>(graph_.conditions.size() - 1);
}

// {"attribute"|"prop": NAME, "op": OP, "value": V}
void
Compiler::Comparison(journey::Condition &cond, const Json &value, const std::string &path, std::string_view kind)
{
	CheckKeys(value, path, {kind, "op", "value"});
	if (std::optional<std::string> name = Name(value[std::string(kind)], JoinPath(path, kind)))
		cond.name = std::move(*name);
	const Json *op = Required(value, "op", path);
	if (op == nullptr)
		return;
	const std::optional<CompareOp> found = FindOp(*op, kOps.size());
	if (!found) {
		Error(JoinPath(path, "op"), "unknown op " + (op->is_string() ? Quote(op->get<std::string>()) : op->dump()) +
										": expected one of = != > >= < <= in not_in contains exists not_exists between");
		return;
	}
	cond.op = *found;
	const std::string value_path = JoinPath(path, "value");
	const Json *operand = Optional(value, "value");
	if (cond.op == CompareOp::Exists || cond.op == CompareOp::NotExists) {
		if (operand != nullptr)
			Error(value_path, op->get<std::string>() + " takes no value");
		return;
	}
	operand = Required(value, "value", path);
	if (operand == nullptr)
		return;
	switch (cond.op) {
	case CompareOp::In:
	case CompareOp::NotIn:
		if (!operand->is_array())
			Error(value_path, "expected an array of values");
		break;
	case CompareOp::Between:
		if (!operand->is_array() || operand->size() != 2 || !IsScalarOrdered((*operand)[0]) ||
			(*operand)[0].is_string() != (*operand)[1].is_string() || !IsScalarOrdered((*operand)[1]))
			Error(value_path, "expected an array of two numbers or two strings: [low, high]");
		break;
	case CompareOp::Gt:
	case CompareOp::Ge:
	case CompareOp::Lt:
	case CompareOp::Le:
		if (!IsScalarOrdered(*operand))
			Error(value_path, "expected a number or a string");
		break;
	default:
		break;
	}
	cond.value = *operand;
}

// {"event": NAME, "since": "entry"|DURATION, "within": DURATION, "where": COND, "count": {OP: N}}
void
Compiler::EventCondition(journey::Condition &cond, const Json &value, const std::string &path)
{
	CheckKeys(value, path, {"event", "since", "within", "where", "count"});
	if (std::optional<std::string> name = Name(value["event"], JoinPath(path, "event")))
		cond.name = std::move(*name);
	const Json *since = Optional(value, "since");
	const Json *within = Optional(value, "within");
	if (since != nullptr && within != nullptr) {
		Error(JoinPath(path, "within"), "give either \"since\" or \"within\", not both");
	} else if (since != nullptr && *since == "entry") {
		cond.since = EventSince::Entry;
	} else if (since != nullptr || within != nullptr) {
		const std::string window_path = JoinPath(path, since != nullptr ? "since" : "within");
		const std::optional<Interval> window =
			Duration(since != nullptr ? *since : *within, window_path, DurationRule::Positive);
		if (window) {
			cond.since = EventSince::Within;
			cond.within = *window;
		}
	}
	if (const Json *where = Optional(value, "where"))
		cond.where = Condition(*where, JoinPath(path, "where"), CondPlace::EventWhere);
	if (const Json *count = Optional(value, "count"))
		Count(cond, *count, JoinPath(path, "count"));
}

// {OP: N}: exactly one comparison of = != > >= < <= and an integer N >= 0.
void
Compiler::Count(journey::Condition &cond, const Json &value, const std::string &path)
{
	if (!value.is_object() || value.size() != 1) {
		Error(path, "expected an object with one comparison, such as {\">=\": 2}");
		return;
	}
	const auto item = value.items().begin();
	const std::optional<CompareOp> op = FindOp(Json(item.key()), kCountOps);
	if (!op) {
		Error(path, "unknown comparison " + Quote(item.key()) + ": expected one of = != > >= < <=");
		return;
	}
	cond.count_op = *op;
	if (std::optional<int64_t> count = Integer(item.value(), path, 0, "an integer >= 0 as the count"))
		cond.count = *count;
}

}	 // namespace journey::detail
