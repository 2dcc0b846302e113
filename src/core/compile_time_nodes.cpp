// Nodes that wait for a time of the calendar: wait_until and window.
#include "compiler.hpp"

#include "iso_time.hpp"

namespace journey::detail {

// {"wait_until": TS | {...}, "next": N, "if_past": "continue"|"skip", "past_next": N}
void
Compiler::WaitUntilNode(Node &node, const Json &value, const std::string &path)
{
	CheckKeys(value, path, {"wait_until", "next", "if_past", "past_next"});
	node.kind = NodeKind::WaitUntil;
	WaitUntilSpec &until = node.until;
	const std::string until_path = JoinPath(path, "wait_until");
	const Json &target = value["wait_until"];
	if (target.is_string()) {
		const std::optional<IsoTime> time = ParseIsoTime(target.get_ref<const std::string &>());
		if (!time || !time->offset_micros)
			Error(until_path, "expected an ISO timestamp with an offset, such as \"2026-12-24T09:00:00Z\", got " +
								  target.dump());
		else
			until.instant = IsoTimeInstant(*time, zones_, "UTC");
		until.kind = UntilKind::Instant;
	} else if (target.is_object()) {
		UntilObject(until, target, until_path);
	} else {
		Error(until_path, "expected an ISO timestamp, {\"attribute\" | \"event\" | \"context\": NAME, \"offset\": DURATION} "
						  "or {\"at\": \"HH:MM\", \"day\": DAY}");
	}
	node.next = Target(value, "next", path);
	if (const Json *if_past = Optional(value, "if_past")) {
		if (*if_past == "skip")
			until.skip_if_past = true;
		else if (*if_past != "continue")
			Error(JoinPath(path, "if_past"), "expected \"continue\" or \"skip\"");
	}
	if (until.skip_if_past)
		node.alt = Target(value, "past_next", path);
	else if (Optional(value, "past_next") != nullptr)
		Error(JoinPath(path, "past_next"), "past_next is only used with \"if_past\": \"skip\"");
}

// {"attribute"|"event"|"context": NAME, "offset": DURATION, "at": "HH:MM", "timezone": Z} or
// {"at": "HH:MM", "day": "today"|"tomorrow"|"mon".."sun", "date": "YYYY-MM-DD", "timezone": Z}
void
Compiler::UntilObject(WaitUntilSpec &until, const Json &value, const std::string &path)
{
	if (const Json *zone = Optional(value, "timezone"))
		if (std::optional<std::string> name = Zone(*zone, JoinPath(path, "timezone")))
			until.timezone = std::move(*name);
	// A value's instant: a profile attribute, a property of the triggering event, a key of the context.
	struct Source {
		const char *key;
		UntilKind kind;
	};
	for (const Source source : {Source{"attribute", UntilKind::Attribute}, Source{"event", UntilKind::EventProp},
								Source{"context", UntilKind::Context}}) {
		const Json *name_value = Optional(value, source.key);
		if (name_value == nullptr)
			continue;
		CheckKeys(value, path, {source.key, "offset", "at", "timezone"});
		until.kind = source.kind;
		if (std::optional<std::string> name = Name(*name_value, JoinPath(path, source.key)))
			until.attribute = std::move(*name);
		if (const Json *offset = Optional(value, "offset"))
			if (std::optional<Interval> interval = Duration(*offset, JoinPath(path, "offset"), DurationRule::Any))
				until.offset = *interval;
		if (const Json *at = Optional(value, "at"))
			until.clock = Clock(*at, JoinPath(path, "at"));
		return;
	}
	CheckKeys(value, path, {"at", "day", "date", "timezone"});
	until.kind = UntilKind::Clock;
	if (const Json *at = Required(value, "at", path))
		until.clock = Clock(*at, JoinPath(path, "at"));
	const Json *day = Optional(value, "day");
	const Json *date = Optional(value, "date");
	if (day != nullptr && date != nullptr) {
		Error(JoinPath(path, "date"), "give either \"day\" or \"date\", not both");
		return;
	}
	if (day != nullptr) {
		const std::string day_path = JoinPath(path, "day");
		std::optional<int> weekday;
		if (day->is_string())
			weekday = ParseWeekday(day->get_ref<const std::string &>());
		if (*day == "today")
			until.day = UntilDay::Today;
		else if (*day == "tomorrow")
			until.day = UntilDay::Tomorrow;
		else if (weekday) {
			until.day = UntilDay::Weekday;
			until.weekday = *weekday;
		} else
			Error(day_path, "unknown day " + day->dump() + ": expected today, tomorrow, mon, tue, wed, thu, fri, sat or sun");
	}
	if (date != nullptr) {
		std::optional<IsoTime> time;
		if (date->is_string())
			time = ParseIsoTime(date->get_ref<const std::string &>());
		if (!time || !time->date_only) {
			Error(JoinPath(path, "date"), "expected a date \"YYYY-MM-DD\", got " + date->dump());
		} else {
			until.day = UntilDay::Date;
			until.year = time->local.year;
			until.month = time->local.month;
			until.date = time->local.day;
		}
	}
}

// {"window": {"from": "HH:MM", "to": "HH:MM", "days": ["mon", ...], "timezone": "user"|NAME}, "next": N}
void
Compiler::WindowNode(Node &node, const Json &value, const std::string &path)
{
	CheckKeys(value, path, {"window", "next"});
	node.kind = NodeKind::Window;
	node.next = Target(value, "next", path);
	const std::string window_path = JoinPath(path, "window");
	const Json &window = value["window"];
	if (!ExpectObject(window, window_path, "{\"from\": \"HH:MM\", \"to\": \"HH:MM\", \"days\": [..], \"timezone\": Z}"))
		return;
	CheckKeys(window, window_path, {"from", "to", "days", "timezone"});
	WindowSpec &spec = node.window;
	std::optional<int> from, to;
	if (const Json *value_from = Required(window, "from", window_path))
		from = Clock(*value_from, JoinPath(window_path, "from"));
	if (const Json *value_to = Required(window, "to", window_path))
		to = Clock(*value_to, JoinPath(window_path, "to"));
	if (from && to && *from == *to)
		Error(JoinPath(window_path, "to"), "the window is empty: \"to\" must differ from \"from\"");
	spec.from = from.value_or(0);
	spec.to = to.value_or(0);
	if (const Json *days = Optional(window, "days")) {
		const std::string days_path = JoinPath(window_path, "days");
		if (!days->is_array() || days->empty()) {
			Error(days_path, "expected a non-empty array of days such as [\"mon\", \"tue\"]");
		} else {
			spec.days = 0;
			for (size_t i = 0; i < days->size(); ++i) {
				const Json &day = (*days)[i];
				std::optional<int> weekday;
				if (day.is_string())
					weekday = ParseWeekday(day.get_ref<const std::string &>());
				if (weekday)
					spec.days |= static_cast<uint8_t>(1u << *weekday);
				else
					Error(IndexPath(days_path, i),
						  "unknown day " + day.dump() + ": expected mon, tue, wed, thu, fri, sat or sun");
			}
		}
	}
	if (const Json *zone = Optional(window, "timezone"))
		if (std::optional<std::string> name = Zone(*zone, JoinPath(window_path, "timezone")))
			spec.timezone = std::move(*name);
}

}	 // namespace journey::detail
