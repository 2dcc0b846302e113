#include "pg/postgres.hpp"

#include "core/quote.hpp"
#include "ext/engine/pg_timezones.hpp"

#include "pg/guard.hpp"

extern "C" {
#include "datatype/timestamp.h"
#include "pgtime.h"
}

namespace journey {

namespace {

constexpr int64_t kUnixEpochOffsetSeconds = int64_t(POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY;

pg_tz *
LoadZone(const std::string &tz)
{
	const char *name = tz.c_str();
	return PgCall([&] { return pg_tzset(name); });
}

}	 // namespace

bool
PgTimeZones::IsValid(const std::string &tz) const
{
	if (tz.empty() || tz.size() > TZ_STRLEN_MAX)
		return false;
	return LoadZone(tz) != nullptr;
}

LocalTime
PgTimeZones::ToLocal(Timestamp ts, const std::string &tz) const
{
	pg_tz *zone = LoadZone(tz);
	if (!zone)
		throw StepError("unknown time zone " + Quoted(tz));
	int64_t seconds = ts / kMicrosPerSecond;
	int64_t micros = ts % kMicrosPerSecond;
	if (micros < 0) {
		micros += kMicrosPerSecond;
		seconds -= 1;
	}
	pg_time_t unix_seconds = (pg_time_t)(seconds + kUnixEpochOffsetSeconds);
	const struct pg_tm *found = PgCall([&] { return pg_localtime(&unix_seconds, zone); });
	if (!found)
		throw StepError("timestamp out of range for time zone " + Quoted(tz));
	const struct pg_tm tm = *found;
	LocalTime local;
	local.year = tm.tm_year + 1900;
	local.month = tm.tm_mon + 1;
	local.day = tm.tm_mday;
	local.hour = tm.tm_hour;
	local.minute = tm.tm_min;
	local.second = tm.tm_sec;
	local.micros = micros;
	local.weekday = tm.tm_wday;
	return local;
}

const PgTimeZones &
PostgresTimeZones()
{
	static PgTimeZones zones;
	return zones;
}

}	 // namespace journey
