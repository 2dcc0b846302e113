// The rules around the graph: triggers, entry rules, exit_when.
#include "compiler.hpp"

#include <algorithm>

namespace journey::detail {

namespace {

const std::initializer_list<std::string_view> kTriggersNotYet = {
	"segment_enter", "segment_exit", "attribute_change", "schedule", "geofence_enter", "geofence_exit",
};

bool
Contains(std::initializer_list<std::string_view> list, std::string_view item)
{
	return std::find(list.begin(), list.end(), item) != list.end();
}

}	 // namespace

void
Compiler::Triggers(const Json &value)
{
	if (value.is_object()) {
		Trigger(value, "trigger");
	} else if (value.is_array() && !value.empty()) {
		for (size_t i = 0; i < value.size(); ++i)
			Trigger(value[i], IndexPath("trigger", i));
	} else {
		Error("trigger", "expected a trigger object or a non-empty array of triggers");
	}
}

void
Compiler::Trigger(const Json &value, const std::string &path)
{
	if (!ExpectObject(value, path, "a trigger"))
		return;
	const std::optional<std::string> kind = KindKey(value, path, "trigger", {"event", "manual"}, kTriggersNotYet);
	if (!kind)
		return;
	if (Contains(kTriggersNotYet, *kind)) {
		NotSupported(JoinPath(path, *kind), *kind);
		return;
	}
	journey::Trigger trigger;
	if (*kind == "manual") {
		CheckKeys(value, path, {"manual"});
		trigger.kind = TriggerKind::Manual;
		if (value["manual"] != true)
			Error(JoinPath(path, "manual"), "expected true");
	} else {
		CheckKeys(value, path, {"event", "where"});
		trigger.kind = TriggerKind::Event;
		if (std::optional<std::string> event = Name(value["event"], JoinPath(path, "event")))
			trigger.event = std::move(*event);
		if (const Json *where = Optional(value, "where"))
			trigger.where = Condition(*where, JoinPath(path, "where"), CondPlace::Where);
	}
	graph_.triggers.push_back(std::move(trigger));
}

void
Compiler::Entry(const Json &value)
{
	const std::string path = "entry";
	if (!ExpectObject(value, path, "entry rules"))
		return;
	CheckKeys(value, path, {"reentry", "cooldown", "max_entries", "when", "max_event_age"}, {"key", "throttle"});
	EntryRules &entry = graph_.entry;
	if (const Json *reentry = Optional(value, "reentry")) {
		if (*reentry == "never")
			entry.reentry = Reentry::Never;
		else if (*reentry == "after_exit")
			entry.reentry = Reentry::AfterExit;
		else if (*reentry == "always")
			entry.reentry = Reentry::Always;
		else
			Error(JoinPath(path, "reentry"), "expected \"never\", \"after_exit\" or \"always\"");
	}
	if (const Json *cooldown = Optional(value, "cooldown"))
		entry.cooldown = Duration(*cooldown, JoinPath(path, "cooldown"), DurationRule::NonNegative);
	if (const Json *max_entries = Optional(value, "max_entries"))
		entry.max_entries = Integer(*max_entries, JoinPath(path, "max_entries"), 1, "a positive integer");
	if (const Json *when = Optional(value, "when"))
		entry.when = Condition(*when, JoinPath(path, "when"), CondPlace::Plain);
	if (const Json *max_event_age = Optional(value, "max_event_age"))
		if (std::optional<Interval> age = Duration(*max_event_age, JoinPath(path, "max_event_age"),
												   DurationRule::NonNegative))
			entry.max_event_age = *age;
}

void
Compiler::ExitWhen(const Json &value)
{
	if (!value.is_array()) {
		Error("exit_when", "expected an array of {\"event\": NAME, \"where\": CONDITION}");
		return;
	}
	for (size_t i = 0; i < value.size(); ++i) {
		const std::string path = IndexPath("exit_when", i);
		const Json &item = value[i];
		if (!ExpectObject(item, path, "an exit rule"))
			continue;
		CheckKeys(item, path, {"event", "where"});
		ExitRule rule;
		if (const Json *event = Required(item, "event", path))
			if (std::optional<std::string> name = Name(*event, JoinPath(path, "event")))
				rule.event = std::move(*name);
		if (const Json *where = Optional(item, "where"))
			rule.where = Condition(*where, JoinPath(path, "where"), CondPlace::Where);
		graph_.exit_when.push_back(std::move(rule));
	}
}

}	 // namespace journey::detail
