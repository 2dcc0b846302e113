// Internal to src/core: proleptic Gregorian calendar arithmetic on day numbers (Howard Hinnant's algorithms),
// shared by time.cpp (UTC) and timezone.cpp (local times).
#pragma once
#include "no_postgres.hpp"

#include <cstdint>

namespace journey::detail {

constexpr int64_t kDaysFrom1970To2000 = 10957;

struct Civil {
	int64_t year;
	int month;	// 1-12
	int day;	// 1-31
};

int64_t DaysFromCivil(int64_t y, int m, int d);	 // days since 1970-01-01
Civil CivilFromDays(int64_t z);
bool IsLeapYear(int64_t y);
int DaysInMonth(int64_t y, int m);
int64_t FloorDiv(int64_t a, int64_t b);

}	 // namespace journey::detail
