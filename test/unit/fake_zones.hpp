// Time zones with a real DST rule for tests: "Test/Europe" follows Europe/Paris (UTC+1; UTC+2 from the last
// sunday of March 01:00 UTC to the last sunday of October 01:00 UTC), "Test/Plus5" is UTC+5 all year, and
// "UTC". FromLocal is TimeZones' generic one, so the tests exercise it.
#pragma once

#include "core/timezone.hpp"

namespace journey::testing {

class FakeZones : public TimeZones {
public:
	bool
	IsValid(const std::string &tz) const override
	{
		return tz == "Test/Europe" || tz == "Test/Plus5" || tz == "UTC";
	}

	LocalTime
	ToLocal(Timestamp ts, const std::string &tz) const override
	{
		++to_local_calls;
		return CivilTime(ts + OffsetAt(ts, tz));
	}

	static int64_t
	OffsetAt(Timestamp ts, const std::string &tz)
	{
		if (tz == "Test/Plus5")
			return 5 * kMicrosPerHour;
		if (tz != "Test/Europe")
			return 0;
		const int year = CivilTime(ts).year;
		const Timestamp summer = LastSunday(year, 3) + kMicrosPerHour;
		const Timestamp winter = LastSunday(year, 10) + kMicrosPerHour;
		return ts >= summer && ts < winter ? 2 * kMicrosPerHour : kMicrosPerHour;
	}

	// Midnight UTC of the month's last sunday.
	static Timestamp
	LastSunday(int year, int month)
	{
		const Timestamp last_day = MakeTimestamp(year, month + 1, 1) - kMicrosPerDay;
		return last_day - CivilTime(last_day).weekday * kMicrosPerDay;
	}

	mutable int to_local_calls = 0;
};

}	 // namespace journey::testing
