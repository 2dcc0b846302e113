// When wait_until and window nodes wait until, in the user's (or the node's) time zone.
#include "evaluation.hpp"

#include "iso_time.hpp"
#include "quote.hpp"

#include <cmath>

namespace journey::detail {

namespace {

LocalTime
AtClock(LocalTime day, int minutes)
{
	day.hour = minutes / 60;
	day.minute = minutes % 60;
	day.second = 0;
	day.micros = 0;
	return day;
}

// The instant an attribute's value names: ISO text (with an offset as written; a wall-clock time or a date in
// the zone) or a number of unix seconds. nullopt for anything else.
std::optional<Timestamp>
AttributeInstant(const Json &value, const TimeZones &zones, const std::string &zone)
{
	constexpr int64_t kUnixEpochMicros = -946684800LL * kMicrosPerSecond;  // 1970-01-01 in µs since 2000
	if (value.is_number()) {
		const double seconds = value.get<double>();
		if (!std::isfinite(seconds) || std::fabs(seconds) > 1e11)
			return std::nullopt;
		return kUnixEpochMicros + static_cast<int64_t>(std::llround(seconds * kMicrosPerSecond));
	}
	if (!value.is_string())
		return std::nullopt;
	const std::optional<IsoTime> time = ParseIsoTime(value.get_ref<const std::string &>());
	if (!time)
		return std::nullopt;
	return IsoTimeInstant(*time, zones, zone);
}

}	 // namespace

std::string
ZoneFor(const std::string &zone, Facts &facts)
{
	if (!zone.empty())
		return zone;
	std::string user_zone = facts.TimeZone();
	if (user_zone.empty() || !facts.Zones().IsValid(user_zone))
		return "UTC";
	return user_zone;
}

std::optional<Timestamp>
UntilTime(const WaitUntilSpec &until, Timestamp now, Facts &facts, const InstanceState &state)
{
	if (until.kind == UntilKind::Instant)
		return until.instant;
	const TimeZones &zones = facts.Zones();
	const std::string zone = ZoneFor(until.timezone, facts);
	if (until.kind == UntilKind::Attribute || until.kind == UntilKind::EventProp || until.kind == UntilKind::Context) {
		std::optional<Json> value;
		const char *what = "attribute";
		if (until.kind == UntilKind::Attribute) {
			value = facts.Attribute(until.attribute);
		} else {
			const Json &object = until.kind == UntilKind::EventProp ? state.event : state.context;
			what = until.kind == UntilKind::EventProp ? "event property" : "context key";
			if (object.is_object())
				if (const auto it = object.find(until.attribute); it != object.end())
					value = *it;
		}
		// Null or missing: already past. Anything else must name an instant.
		if (!value || value->is_null())
			return std::nullopt;
		std::optional<Timestamp> at = AttributeInstant(*value, zones, zone);
		if (!at)
			throw StepError("wait_until: the " + std::string(what) + " " + Quoted(until.attribute) +
							" is not a timestamp: " + std::string(CutForMessage(value->dump())));
		*at = AddIntervalInZone(*at, until.offset, zones, zone);
		if (until.clock)
			*at = zones.FromLocal(AtClock(zones.ToLocal(*at, zone), *until.clock), zone);
		return at;
	}
	const LocalTime today = zones.ToLocal(now, zone);
	const int clock = until.clock.value_or(0);
	const auto on_day = [&](int days_ahead) {
		return zones.FromLocal(AtClock(AddLocalDays(today, days_ahead), clock), zone);
	};
	switch (until.day) {
	case UntilDay::Today:
		return on_day(0);
	case UntilDay::Tomorrow:
		return on_day(1);
	case UntilDay::Date: {
		LocalTime date;
		date.year = until.year;
		date.month = until.month;
		date.day = until.date;
		return zones.FromLocal(AtClock(date, clock), zone);
	}
	case UntilDay::Weekday: {
		const int ahead = (until.weekday - today.weekday + 7) % 7;
		const Timestamp at = on_day(ahead);
		return at >= now ? at : on_day(ahead + 7);
	}
	case UntilDay::Next:
		break;
	}
	const Timestamp at = on_day(0);
	return at >= now ? at : on_day(1);
}

std::optional<Timestamp>
WindowOpening(const WindowSpec &window, Timestamp now, Facts &facts)
{
	const TimeZones &zones = facts.Zones();
	const std::string zone = ZoneFor(window.timezone, facts);
	const LocalTime local = zones.ToLocal(now, zone);
	const auto open_on = [&](int weekday) { return (window.days >> ((weekday % 7 + 7) % 7) & 1) != 0; };
	const int64_t time_of_day = ((local.hour * 60 + local.minute) * 60 + local.second) * kMicrosPerSecond + local.micros;
	const int64_t from = window.from * kMicrosPerMinute;
	const int64_t to = window.to * kMicrosPerMinute;
	bool inside;
	if (window.from < window.to)
		inside = open_on(local.weekday) && time_of_day >= from && time_of_day < to;
	else	// wraps midnight: the part after midnight belongs to the day before
		inside = (time_of_day >= from && open_on(local.weekday)) || (time_of_day < to && open_on(local.weekday + 6));
	if (inside)
		return std::nullopt;
	for (int ahead = 0; ahead <= 7; ++ahead) {
		if (!open_on(local.weekday + ahead))
			continue;
		LocalTime opening = AddLocalDays(local, ahead);
		opening.hour = window.from / 60;
		opening.minute = window.from % 60;
		opening.second = 0;
		opening.micros = 0;
		const Timestamp at = zones.FromLocal(opening, zone);
		if (at > now)
			return at;
	}
	// Unreachable with at least one open day: a week later always opens after now.
	throw StepError("window has no opening");
}

}	 // namespace journey::detail
