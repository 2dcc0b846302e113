// The plain text a diagram shows for a node: its kind and key facts.
#include "diagram_text.hpp"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace journey {

namespace {

constexpr std::array<const char *, 7> kWeekdays = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

const char *
OpText(CompareOp op)
{
	switch (op) {
	case CompareOp::Eq:
		return "=";
	case CompareOp::Ne:
		return "!=";
	case CompareOp::Gt:
		return ">";
	case CompareOp::Ge:
		return ">=";
	case CompareOp::Lt:
		return "<";
	case CompareOp::Le:
		return "<=";
	case CompareOp::In:
		return "in";
	case CompareOp::NotIn:
		return "not in";
	case CompareOp::Contains:
		return "contains";
	case CompareOp::Exists:
		return "exists";
	case CompareOp::NotExists:
		return "does not exist";
	case CompareOp::Between:
		return "between";
	}
	return "?";
}

std::string
Name(std::string_view name)
{
	return CutText(name, kMaxNameText);
}

std::string
ValueText(const Json &value)
{
	return CutText(value.dump(-1, ' ', false, Json::error_handler_t::replace), kMaxNameText);
}

// "2 hours", "1 hour", "1.5 seconds".
std::string
Unit(int64_t amount, const char *unit)
{
	return std::to_string(amount) + " " + unit + (amount == 1 || amount == -1 ? "" : "s");
}

std::string
ClockText(int minutes)
{
	char text[8];
	std::snprintf(text, sizeof text, "%02d:%02d", (minutes / 60) % 100, minutes % 60);
	return text;
}

void AppendCondition(const Graph &graph, CondId id, std::string &out);

void
AppendList(const Graph &graph, const Condition &cond, const char *joint, std::string &out)
{
	out += "(";
	for (size_t i = 0; i < cond.children.size(); ++i) {
		if (i > 0)
			out += joint;
		AppendCondition(graph, cond.children[i], out);
		if (out.size() > 4 * kMaxConditionText)
			return;	 // cut later anyway: a condition of thousands of parts costs no more
	}
	out += ")";
}

void
AppendCondition(const Graph &graph, CondId id, std::string &out)
{
	if (id < 0 || static_cast<size_t>(id) >= graph.conditions.size()) {
		out += "?";
		return;
	}
	const Condition &cond = graph.conditions[id];
	switch (cond.kind) {
	case CondKind::Attribute:
	case CondKind::Prop:
		out += (cond.kind == CondKind::Prop ? "event." : "user.") + Name(cond.name);
		out += std::string(" ") + OpText(cond.op);
		if (cond.op != CompareOp::Exists && cond.op != CompareOp::NotExists)
			out += " " + ValueText(cond.value);
		break;
	case CondKind::Event:
		out += "event " + Name(cond.name);
		if (cond.since == EventSince::Entry)
			out += " since entry";
		else if (cond.since == EventSince::Within)
			out += " within " + DurationText(cond.within);
		if (cond.where != kNoCond) {
			out += " where ";
			AppendCondition(graph, cond.where, out);
		}
		if (cond.count_op != CompareOp::Ge || cond.count != 1)
			out += std::string(" count ") + OpText(cond.count_op) + " " + std::to_string(cond.count);
		break;
	case CondKind::Reachable:
		out += "reachable " + Name(cond.name);
		break;
	case CondKind::Segment:
		out += "in segment " + Name(cond.name);
		break;
	case CondKind::All:
		AppendList(graph, cond, " and ", out);
		break;
	case CondKind::Any:
		AppendList(graph, cond, " or ", out);
		break;
	case CondKind::Not:
		out += "not ";
		if (!cond.children.empty())
			AppendCondition(graph, cond.children[0], out);
		break;
	}
}

// "user.birthday - 10 days at 09:00", "09:00 tomorrow", "2026-12-24T09:00:00Z (Europe/Paris)".
std::string
UntilText(const WaitUntilSpec &until)
{
	std::string text;
	switch (until.kind) {
	case UntilKind::Instant:
		return FormatTimestamp(until.instant);
	case UntilKind::Attribute:
		text = "user." + Name(until.attribute);
		break;
	case UntilKind::EventProp:
		text = "event." + Name(until.attribute);
		break;
	case UntilKind::Context:
		text = "context." + Name(until.attribute);
		break;
	case UntilKind::Clock:
		text = ClockText(until.clock.value_or(0));
		switch (until.day) {
		case UntilDay::Next:
			break;
		case UntilDay::Today:
			text += " today";
			break;
		case UntilDay::Tomorrow:
			text += " tomorrow";
			break;
		case UntilDay::Weekday:
			text += std::string(" ") + kWeekdays[static_cast<size_t>(until.weekday) % 7];
			break;
		case UntilDay::Date: {
			char date[16];
			std::snprintf(date, sizeof date, "%04d-%02d-%02d", until.year % 10000, until.month % 100, until.date % 100);
			text += std::string(" on ") + date;
			break;
		}
		}
		break;
	}
	if (until.kind != UntilKind::Clock) {
		if (until.offset.IsNegative())
			text += " - " + DurationText(Interval{-until.offset.months, -until.offset.days, -until.offset.micros});
		else if (!until.offset.IsZero())
			text += " + " + DurationText(until.offset);
		if (until.clock)
			text += " at " + ClockText(*until.clock);
	}
	if (!until.timezone.empty())
		text += " (" + Name(until.timezone) + ")";
	return text;
}

// "09:00-18:00 mon tue wed thu fri (Europe/Paris)"; every day is not listed.
std::string
WindowText(const WindowSpec &window)
{
	std::string text = ClockText(window.from) + "-" + ClockText(window.to);
	if ((window.days & 0x7f) != 0x7f) {
		// Monday first, as people write weeks.
		for (size_t k = 1; k <= 7; ++k)
			if (window.days & (1u << (k % 7)))
				text += std::string(" ") + kWeekdays[k % 7];
	}
	if (!window.timezone.empty())
		text += " (" + Name(window.timezone) + ")";
	return text;
}

std::string
UpdateText(const AttributeUpdate &update)
{
	const std::string name = Name(update.attribute);
	switch (update.op) {
	case UpdateOp::Set:
		return name + " = " + ValueText(update.value);
	case UpdateOp::Add:
		return name + " + " + (update.add_duration ? DurationText(*update.add_duration) : ValueText(update.value));
	case UpdateOp::Unset:
		return name + " unset";
	}
	return name;
}

}	 // namespace

std::string
CutText(std::string_view text, size_t max)
{
	if (text.size() <= max)
		return std::string(text);
	size_t end = max;
	while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
		--end;	// not inside a UTF-8 sequence
	return std::string(text.substr(0, end)) + "...";
}

std::string
ConditionText(const Graph &graph, CondId id)
{
	std::string out;
	AppendCondition(graph, id, out);
	return CutText(out, kMaxConditionText);
}

std::string
DurationText(const Interval &interval)
{
	std::vector<std::string> parts;
	if (interval.months / 12 != 0)
		parts.push_back(Unit(interval.months / 12, "year"));
	if (interval.months % 12 != 0)
		parts.push_back(Unit(interval.months % 12, "month"));
	if (interval.days != 0)
		parts.push_back(Unit(interval.days, "day"));
	const int64_t micros = interval.micros;
	if (micros / kMicrosPerHour != 0)
		parts.push_back(Unit(micros / kMicrosPerHour, "hour"));
	if (micros % kMicrosPerHour / kMicrosPerMinute != 0)
		parts.push_back(Unit(micros % kMicrosPerHour / kMicrosPerMinute, "minute"));
	const int64_t rest = micros % kMicrosPerMinute;	 // seconds and their fraction
	if (rest % kMicrosPerSecond != 0) {
		char text[32];
		std::snprintf(text, sizeof text, "%s%lld.%06lld", rest < 0 ? "-" : "",
					  static_cast<long long>(std::llabs(rest) / kMicrosPerSecond),
					  static_cast<long long>(std::llabs(rest) % kMicrosPerSecond));
		std::string seconds = text;
		seconds.erase(seconds.find_last_not_of('0') + 1);
		parts.push_back(seconds + " seconds");
	} else if (rest != 0 || parts.empty()) {
		parts.push_back(Unit(rest / kMicrosPerSecond, "second"));
	}
	std::string text;
	for (const std::string &part : parts)
		text += (text.empty() ? "" : " ") + part;
	return text;
}

std::string
PercentText(int basis_points)
{
	std::string text = std::to_string(basis_points / 100);
	if (const int hundredths = basis_points % 100; hundredths != 0) {
		text += '.';	// (appended apart: GCC 12 at -O3 warns of an overlapping copy in "." + to_string)
		text += std::to_string(hundredths / 10);
		if (hundredths % 10 != 0)
			text += std::to_string(hundredths % 10);
	}
	return text + "%";
}

std::string
NodeFacts(const Graph &graph, const Node &node)
{
	switch (node.kind) {
	case NodeKind::Wait:
		return "wait " + DurationText(node.duration);
	case NodeKind::WaitUntil:
		return "wait until " + UntilText(node.until) + (node.until.skip_if_past ? ", skip if past" : "");
	case NodeKind::WaitFor: {
		std::string text =
			node.segment.empty() ? "wait for event " + Name(node.event) : "wait for segment " + Name(node.segment);
		if (node.cond != kNoCond)
			text += " where " + ConditionText(graph, node.cond);
		return text + ", up to " + DurationText(node.duration);
	}
	case NodeKind::Window:
		return "window " + WindowText(node.window);
	case NodeKind::If:
		return "if " + ConditionText(graph, node.cond);
	case NodeKind::Switch:
		return "switch";
	case NodeKind::Split:
		return "split";
	case NodeKind::Parallel:
		return "parallel";
	case NodeKind::Send:
		return "send " + Name(node.send.channel) + ": " + Name(node.send.template_name);
	case NodeKind::Update: {
		std::string text = "update";
		for (size_t i = 0; i < node.updates.size(); ++i)
			text += (i == 0 ? " " : ", ") + UpdateText(node.updates[i]);
		return CutText(text, kMaxConditionText);
	}
	case NodeKind::Call:
		return "call " + Name(node.call.function) + " into " + Name(node.call.into);
	case NodeKind::Exit:
		return "exit " + Name(node.reason);
	}
	return "?";
}

}	 // namespace journey
