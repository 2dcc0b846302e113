// Timestamps and PostgreSQL-style intervals, with UTC calendar arithmetic.
#pragma once
#include "no_postgres.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace journey {

// Microseconds since 2000-01-01 00:00:00 UTC: the representation of a Postgres timestamptz.
using Timestamp = int64_t;

constexpr int64_t kMicrosPerSecond = 1000000;
constexpr int64_t kMicrosPerMinute = 60 * kMicrosPerSecond;
constexpr int64_t kMicrosPerHour = 60 * kMicrosPerMinute;
constexpr int64_t kMicrosPerDay = 24 * kMicrosPerHour;

// A PostgreSQL interval: months, days and microseconds are kept apart, as Postgres does.
struct Interval {
	int32_t months = 0;
	int32_t days = 0;
	int64_t micros = 0;

	bool operator==(const Interval &) const = default;
	bool
	IsZero() const
	{
		return months == 0 && days == 0 && micros == 0;
	}
	bool IsNegative() const;	 // every non-zero part < 0, or the sum at 30 days a month is < 0
};

// Parses the interval text forms users write: "2 hours", "1 day 2 hours", "1 mon", "90 minutes",
// "1.5 hours", "-10 days", "2 weeks", "1 year", "00:30:00", "1 day 02:00", "3 hours ago".
// Units (singular, plural and Postgres abbreviations): microsecond(s)/us, millisecond(s)/ms,
// second(s)/sec(s)/s, minute(s)/min(s)/m, hour(s)/hr(s)/h, day(s)/d, week(s)/w, month(s)/mon(s),
// year(s)/yr(s)/y. Returns nullopt for anything else (empty text, unknown unit, no number).
std::optional<Interval> ParseInterval(std::string_view text);

// Canonical text of an interval (Postgres "postgres" IntervalStyle, e.g. "1 day 02:00:00").
std::string FormatInterval(const Interval &interval);

// ts + interval in UTC calendar terms: months first (clamping the day to the month's end), then days,
// then microseconds, as Postgres timestamptz + interval does in a UTC session. A result beyond the int64
// range saturates to INT64_MAX / INT64_MIN (Postgres' 'infinity' / '-infinity'), which stay as they are.
Timestamp AddInterval(Timestamp ts, const Interval &interval);
Timestamp SubtractInterval(Timestamp ts, const Interval &interval);

// ISO 8601 in UTC with microseconds when non-zero: "2026-11-23T07:39:49Z", "2026-11-23T07:39:49.5Z".
std::string FormatTimestamp(Timestamp ts);

// Builds a timestamp from UTC civil fields (for tests and tools).
Timestamp MakeTimestamp(int year, int month, int day, int hour = 0, int minute = 0, int second = 0);

}	 // namespace journey
