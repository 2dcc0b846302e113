// The core's TimeZones answered by Postgres's own time-zone database (pg_tzset, pg_localtime).
#pragma once
#include "pg/postgres.hpp"

#include "core/timezone.hpp"

namespace journey {

class PgTimeZones : public TimeZones {
public:
	bool IsValid(const std::string &tz) const override;
	LocalTime ToLocal(Timestamp ts, const std::string &tz) const override;
};

// The backend's instance.
const PgTimeZones &PostgresTimeZones();

}	 // namespace journey
