// ISO 8601 timestamps and dates as users and jsonb write them: "2026-12-24T09:00:00Z",
// "2026-12-24 09:00:00.5+01:00", "2026-12-24T09:00" (no offset: a wall-clock time), "2026-12-24" (a date).
#pragma once
#include "no_postgres.hpp"

#include "timezone.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace journey {

struct IsoTime {
	LocalTime local;						// the fields as written (weekday not set)
	std::optional<int64_t> offset_micros;	// east of UTC; nullopt: no offset written (a wall-clock time)
	bool date_only = false;					// "YYYY-MM-DD"
};

// Years 0001-9999; "T", "t" or one space between date and time; seconds and up to 6 fraction digits optional;
// offset "Z", "z", "+HH", "+HHMM" or "+HH:MM" (or "-"). nullopt for anything else.
std::optional<IsoTime> ParseIsoTime(std::string_view text);

// The instant: with an offset, as written; without one, the wall-clock time (midnight for a date) in `tz`.
Timestamp IsoTimeInstant(const IsoTime &time, const TimeZones &zones, const std::string &tz);

// "YYYY-MM-DD".
std::string FormatIsoDate(const LocalTime &local);

}	 // namespace journey
