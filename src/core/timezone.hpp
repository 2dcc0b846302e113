// Time zones behind an interface: GCC 12's <chrono> has no tz database. The core ships UtcTimeZones; the
// Postgres layer implements TimeZones with Postgres's own tz code; unit tests use a fake with a DST rule
// (test/unit/fake_zones.hpp).
#pragma once
#include "no_postgres.hpp"

#include "time.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace journey {

// A wall-clock time. weekday: 0 = sunday .. 6 = saturday (set by ToLocal, ignored by FromLocal).
struct LocalTime {
	int year = 2000;
	int month = 1;	 // 1-12
	int day = 1;	 // 1-31
	int hour = 0;
	int minute = 0;
	int second = 0;
	int64_t micros = 0;	 // below the second
	int weekday = 6;	 // 2000-01-01 was a saturday
};

class TimeZones {
public:
	virtual ~TimeZones() = default;
	// Is `tz` a zone name these time zones know?
	virtual bool IsValid(const std::string &tz) const = 0;
	// The wall-clock time in zone `tz` at instant `ts`.
	virtual LocalTime ToLocal(Timestamp ts, const std::string &tz) const = 0;
	// The instant when the wall clock of zone `tz` shows `local` (SPEC §10): a local time that does not
	// exist (a DST gap) moves forward to the next valid minute (02:30 on a spring-forward day at 02:00
	// becomes 03:00); an ambiguous one (fall back) takes the earlier instant. The default implementation
	// needs only ToLocal (it probes the zone's offsets a day around `local`, so it assumes no two offset
	// changes within two days, true of every real zone); an implementation may override it.
	virtual Timestamp FromLocal(const LocalTime &local, const std::string &tz) const;
};

// Only UTC: "UTC", "Etc/UTC" and "Z".
class UtcTimeZones : public TimeZones {
public:
	bool IsValid(const std::string &tz) const override;
	LocalTime ToLocal(Timestamp ts, const std::string &tz) const override;
	Timestamp FromLocal(const LocalTime &local, const std::string &tz) const override;
};

// A process-wide UtcTimeZones (the default of CompileOptions::zones and Facts::Zones()).
const TimeZones &DefaultTimeZones();

// The fields of `ts` in UTC (a LocalTime at offset zero), and back (weekday ignored). CivilTimestamp also
// reads a wall-clock time as if it were UTC: the "naive" instant of a local time.
LocalTime CivilTime(Timestamp ts);
Timestamp CivilTimestamp(const LocalTime &local);
// The same wall-clock time `days` calendar days later (earlier when negative).
LocalTime AddLocalDays(const LocalTime &local, int days);

// ts + interval as Postgres computes timestamptz + interval in a session whose TimeZone is `tz`: months and
// days move the wall clock (09:00 stays 09:00 across a DST change, resolved with FromLocal), then the
// microseconds move the instant.
Timestamp AddIntervalInZone(Timestamp ts, const Interval &interval, const TimeZones &zones, const std::string &tz);

// "HH:MM" (or "H:MM"), 00:00-23:59 → minutes since midnight; nullopt otherwise.
std::optional<int> ParseClock(std::string_view text);
// "sun", "mon", "tue", "wed", "thu", "fri", "sat" → 0..6; nullopt otherwise.
std::optional<int> ParseWeekday(std::string_view text);
const char *WeekdayName(int weekday);

}	 // namespace journey
