// Local times: the generic FromLocal over any ToLocal, UTC, clock and weekday texts.
#include "timezone.hpp"

#include "civil.hpp"

#include <array>
#include <initializer_list>

namespace journey {

using detail::FloorDiv;

LocalTime
CivilTime(Timestamp ts)
{
	const int64_t day_number = FloorDiv(ts, kMicrosPerDay);
	int64_t rest = ts - day_number * kMicrosPerDay;
	const detail::Civil civil = detail::CivilFromDays(day_number + detail::kDaysFrom1970To2000);
	LocalTime local;
	local.year = static_cast<int>(civil.year);
	local.month = civil.month;
	local.day = civil.day;
	local.hour = static_cast<int>(rest / kMicrosPerHour);
	rest %= kMicrosPerHour;
	local.minute = static_cast<int>(rest / kMicrosPerMinute);
	rest %= kMicrosPerMinute;
	local.second = static_cast<int>(rest / kMicrosPerSecond);
	local.micros = rest % kMicrosPerSecond;
	local.weekday = static_cast<int>(((day_number % 7) + 7 + 6) % 7);	// day 0 (2000-01-01) was a saturday
	return local;
}

Timestamp
CivilTimestamp(const LocalTime &local)
{
	const int64_t days = detail::DaysFromCivil(local.year, local.month, local.day) - detail::kDaysFrom1970To2000;
	return days * kMicrosPerDay + local.hour * kMicrosPerHour + local.minute * kMicrosPerMinute +
		   local.second * kMicrosPerSecond + local.micros;
}

LocalTime
AddLocalDays(const LocalTime &local, int days)
{
	return CivilTime(CivilTimestamp(local) + days * kMicrosPerDay);
}

Timestamp
TimeZones::FromLocal(const LocalTime &local, const std::string &tz) const
{
	const Timestamp naive = CivilTimestamp(local);
	const auto offset = [&](Timestamp t) { return CivilTimestamp(ToLocal(t, tz)) - t; };
	const int64_t before = offset(naive - kMicrosPerDay);
	const int64_t after = offset(naive + kMicrosPerDay);
	std::optional<Timestamp> earliest;
	for (const int64_t candidate : {before, after}) {
		const Timestamp t = naive - candidate;
		if (offset(t) == candidate && (!earliest || t < *earliest))
			earliest = t;
	}
	if (earliest)
		return *earliest;
	// A gap: the clock jumped from before to after. The transition T lies in (naive - after, naive - before];
	// find it, then round up to a whole minute.
	Timestamp lo = naive - after;
	Timestamp hi = naive - before;
	while (hi - lo > 1) {
		const Timestamp mid = lo + (hi - lo) / 2;
		if (offset(mid) == before)
			lo = mid;
		else
			hi = mid;
	}
	const Timestamp minute = FloorDiv(hi, kMicrosPerMinute) * kMicrosPerMinute;
	return minute == hi ? hi : minute + kMicrosPerMinute;
}

bool
UtcTimeZones::IsValid(const std::string &tz) const
{
	return tz == "UTC" || tz == "Etc/UTC" || tz == "Z";
}

LocalTime
UtcTimeZones::ToLocal(Timestamp ts, const std::string &) const
{
	return CivilTime(ts);
}

Timestamp
UtcTimeZones::FromLocal(const LocalTime &local, const std::string &) const
{
	return CivilTimestamp(local);
}

const TimeZones &
DefaultTimeZones()
{
	static const UtcTimeZones zones;
	return zones;
}

Timestamp
AddIntervalInZone(Timestamp ts, const Interval &interval, const TimeZones &zones, const std::string &tz)
{
	if (interval.months != 0 || interval.days != 0) {
		const Timestamp naive = CivilTimestamp(zones.ToLocal(ts, tz));
		const Timestamp moved = AddInterval(naive, Interval{interval.months, interval.days, 0});
		ts = zones.FromLocal(CivilTime(moved), tz);
	}
	return AddInterval(ts, Interval{0, 0, interval.micros});
}

namespace {

constexpr std::array<const char *, 7> kWeekdays = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

bool
IsDigit(char c)
{
	return c >= '0' && c <= '9';
}

}	 // namespace

std::optional<int>
ParseClock(std::string_view text)
{
	const size_t colon = text.find(':');
	if (colon == std::string_view::npos || colon < 1 || colon > 2 || text.size() != colon + 3)
		return std::nullopt;
	for (size_t i = 0; i < text.size(); ++i)
		if (i != colon && !IsDigit(text[i]))
			return std::nullopt;
	const int hour = colon == 1 ? text[0] - '0' : (text[0] - '0') * 10 + (text[1] - '0');
	const int minute = (text[colon + 1] - '0') * 10 + (text[colon + 2] - '0');
	if (hour > 23 || minute > 59)
		return std::nullopt;
	return hour * 60 + minute;
}

std::optional<int>
ParseWeekday(std::string_view text)
{
	for (size_t i = 0; i < kWeekdays.size(); ++i)
		if (text == kWeekdays[i])
			return static_cast<int>(i);
	return std::nullopt;
}

const char *
WeekdayName(int weekday)
{
	return weekday >= 0 && weekday < 7 ? kWeekdays[weekday] : "?";
}

}	 // namespace journey
