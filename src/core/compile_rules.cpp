// The rules around the graph: triggers, entry rules, exit_when, goal.
#include "compiler.hpp"

#include <algorithm>

namespace journey::detail {

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
	const std::optional<std::string> kind = KindKey(
		value, path, "trigger",
		{"event", "attribute_change", "geofence_enter", "geofence_exit", "manual", "segment_enter", "segment_exit",
		 "schedule"},
		{});
	if (!kind)
		return;
	if (Refused(JoinPath(path, *kind), *kind))
		return;
	journey::Trigger trigger;
	if (*kind == "manual") {
		CheckKeys(value, path, {"manual"});
		trigger.kind = TriggerKind::Manual;
		if (value["manual"] != true)
			Error(JoinPath(path, "manual"), "expected true");
	} else if (*kind == "event") {
		CheckKeys(value, path, {"event", "where"});
		trigger.kind = TriggerKind::Event;
		if (std::optional<std::string> event = Name(value["event"], JoinPath(path, "event")))
			trigger.event = std::move(*event);
		if (const Json *where = Optional(value, "where"))
			trigger.where = Condition(*where, JoinPath(path, "where"), CondPlace::Where);
	} else if (*kind == "segment_enter" || *kind == "segment_exit") {
		// An event trigger on the event the segment's refreshes record for the user.
		CheckKeys(value, path, {*kind});
		trigger.kind = TriggerKind::Event;
		if (std::optional<std::string> segment = Segment(value[*kind], JoinPath(path, *kind))) {
			trigger.event = SegmentEventName(*kind == "segment_enter", *segment);
			trigger.segment = std::move(*segment);
		}
		if (definition_has_key_)
			Error(JoinPath(path, *kind), "a keyed journey (entry.key) cannot enter on " + *kind + ": no event carries the key");
	} else if (*kind == "schedule") {
		// {"schedule": CRON, "segment": SEG}: the layer's pg_cron job enrolls SEG's members at each CRON time.
		CheckKeys(value, path, {"schedule", "segment"});
		trigger.kind = TriggerKind::Schedule;
		const Json &cron = value["schedule"];
		const std::string cron_path = JoinPath(path, "schedule");
		if (!cron.is_string())
			Error(cron_path, "expected a pg_cron schedule such as \"0 9 * * 1\", got " + cron.dump());
		else if (const std::string problem = CheckCron(cron.get_ref<const std::string &>()); !problem.empty())
			Error(cron_path, problem);
		else
			trigger.cron = cron.get<std::string>();
		if (const Json *segment = Required(value, "segment", path))
			if (std::optional<std::string> name = Segment(*segment, JoinPath(path, "segment")))
				trigger.segment = std::move(*name);
		if (definition_has_key_)
			Error(JoinPath(path, "schedule"), "a keyed journey (entry.key) cannot enter on a schedule: no event carries the key");
	} else if (*kind == "attribute_change") {
		// The where's prop conditions see {"attribute": A, "old": OLD, "new": NEW}.
		CheckKeys(value, path, {"attribute_change", "where"});
		trigger.kind = TriggerKind::AttributeChange;
		if (std::optional<std::string> attribute = Name(value["attribute_change"], JoinPath(path, *kind)))
			trigger.attribute = std::move(*attribute);
		if (const Json *where = Optional(value, "where"))
			trigger.where = Condition(*where, JoinPath(path, "where"), CondPlace::Where);
		if (definition_has_key_)
			Error(JoinPath(path, *kind),
				  "a keyed journey (entry.key) cannot enter on attribute_change: no event carries the key");
	} else {
		CheckKeys(value, path, {*kind});
		trigger.kind = *kind == "geofence_enter" ? TriggerKind::GeofenceEnter : TriggerKind::GeofenceExit;
		Geofence(trigger, value[*kind], JoinPath(path, *kind));
	}
	graph_.triggers.push_back(std::move(trigger));
}

// {"lat": -90..90, "lon": -180..180, "radius_m": > 0}
void
Compiler::Geofence(journey::Trigger &trigger, const Json &value, const std::string &path)
{
	if (!ExpectObject(value, path, "{\"lat\": LAT, \"lon\": LON, \"radius_m\": METERS}"))
		return;
	CheckKeys(value, path, {"lat", "lon", "radius_m"});
	if (const Json *lat = Required(value, "lat", path))
		if (std::optional<double> n = Number(*lat, JoinPath(path, "lat"), -90, 90, "a latitude from -90 to 90"))
			trigger.fence.lat = *n;
	if (const Json *lon = Required(value, "lon", path))
		if (std::optional<double> n = Number(*lon, JoinPath(path, "lon"), -180, 180, "a longitude from -180 to 180"))
			trigger.fence.lon = *n;
	if (const Json *radius = Required(value, "radius_m", path)) {
		const std::string radius_path = JoinPath(path, "radius_m");
		if (std::optional<double> n = Number(*radius, radius_path, 0, 2.1e7, "a radius in meters above 0")) {
			if (*n <= 0)
				Error(radius_path, "expected a radius in meters above 0");
			else
				trigger.fence.radius_m = *n;
		}
	}
}

void
Compiler::Entry(const Json &value)
{
	const std::string path = "entry";
	if (!ExpectObject(value, path, "entry rules"))
		return;
	CheckKeys(value, path, {"reentry", "cooldown", "max_entries", "when", "max_event_age", "key", "throttle"});
	EntryRules &entry = graph_.entry;
	if (const Json *reentry = Optional(value, "reentry")) {
		bool known = false;
		for (Reentry r : {Reentry::Never, Reentry::AfterExit, Reentry::Always})
			if (!known && *reentry == ReentryName(r)) {
				entry.reentry = r;
				known = true;
			}
		if (!known)
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
	if (const Json *key = Optional(value, "key"))
		if (!Refused(JoinPath(path, "key"), "key"))
			entry.key = Name(*key, JoinPath(path, "key"));
	if (const Json *throttle = Optional(value, "throttle"))
		if (!Refused(JoinPath(path, "throttle"), "throttle"))
			entry.throttle = RateOf(*throttle, JoinPath(path, "throttle"), "entries");
}

// {"max": N >= 1, "per": DURATION > 0}: an entry throttle, a journey's send rate. nullopt after an error.
std::optional<Rate>
Compiler::RateOf(const Json &value, const std::string &path, std::string_view what)
{
	if (!ExpectObject(value, path, "{\"max\": N " + std::string(what) + ", \"per\": DURATION}"))
		return std::nullopt;
	CheckKeys(value, path, {"max", "per"});
	const Json *max = Required(value, "max", path);
	const Json *per = Required(value, "per", path);
	std::optional<int64_t> count;
	std::optional<Interval> period;
	if (max != nullptr)
		count = Integer(*max, JoinPath(path, "max"), 1, "a positive integer");
	if (per != nullptr)
		period = Duration(*per, JoinPath(path, "per"), DurationRule::Positive);
	if (count && period)
		return Rate{*count, *period};
	return std::nullopt;
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

// {"event": NAME, "within": DURATION, "where": COND?, "exit": false}
void
Compiler::Goal(const Json &value)
{
	const std::string path = "goal";
	if (!ExpectObject(value, path, "{\"event\": NAME, \"within\": DURATION, \"where\": CONDITION, \"exit\": BOOL}"))
		return;
	CheckKeys(value, path, {"event", "within", "where", "exit"});
	journey::Goal goal;
	if (const Json *event = Required(value, "event", path))
		if (std::optional<std::string> name = Name(*event, JoinPath(path, "event")))
			goal.event = std::move(*name);
	if (const Json *within = Required(value, "within", path))
		if (std::optional<Interval> duration = Duration(*within, JoinPath(path, "within"), DurationRule::Positive))
			goal.within = *duration;
	if (const Json *where = Optional(value, "where"))
		goal.where = Condition(*where, JoinPath(path, "where"), CondPlace::Where);
	if (const Json *exit = Optional(value, "exit")) {
		if (exit->is_boolean())
			goal.exit = exit->get<bool>();
		else
			Error(JoinPath(path, "exit"), "expected true or false");
	}
	graph_.goal = std::move(goal);
}

}	 // namespace journey::detail
