// UTC calendar arithmetic on timestamps (µs since 2000-01-01) and the canonical text of intervals.
#include "time.hpp"

#include "civil.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>

namespace journey {

namespace {

// Beyond this year, a day count in microseconds no longer fits in int64 (Postgres stops at 294276 AD).
constexpr int64_t kMaxYear = 290000;

using detail::Civil;
using detail::CivilFromDays;
using detail::DaysFromCivil;
using detail::DaysInMonth;
using detail::FloorDiv;
using detail::kDaysFrom1970To2000;

}	 // namespace

bool
Interval::IsNegative() const
{
	if (IsZero())
		return false;
	if (months <= 0 && days <= 0 && micros <= 0)
		return true;
	const long double sum = static_cast<long double>(months) * 30 * kMicrosPerDay +
							static_cast<long double>(days) * kMicrosPerDay + static_cast<long double>(micros);
	return sum < 0;
}

namespace {

constexpr Timestamp kTimestampMax = std::numeric_limits<int64_t>::max();  // Postgres' 'infinity'
constexpr Timestamp kTimestampMin = std::numeric_limits<int64_t>::min();  // Postgres' '-infinity'

// a + b * factor, saturating at ±infinity instead of overflowing.
Timestamp
SaturatingAdd(Timestamp a, int64_t b, int64_t factor = 1)
{
	int64_t product;
	int64_t sum;
	if (__builtin_mul_overflow(b, factor, &product) || __builtin_add_overflow(a, product, &sum))
		return (b < 0) != (factor < 0) ? kTimestampMin : kTimestampMax;
	return sum;
}

}	 // namespace

Timestamp
AddInterval(Timestamp ts, const Interval &interval)
{
	if (ts == kTimestampMax || ts == kTimestampMin)
		return ts;
	if (interval.months != 0) {
		const int64_t day_number = FloorDiv(ts, kMicrosPerDay);
		const int64_t time_of_day = ts - day_number * kMicrosPerDay;
		const Civil civil = CivilFromDays(day_number + kDaysFrom1970To2000);
		const int64_t month_index = civil.year * 12 + (civil.month - 1) + interval.months;
		const int64_t year = FloorDiv(month_index, 12);
		if (year > kMaxYear || year < -kMaxYear)
			return interval.months > 0 ? kTimestampMax : kTimestampMin;
		const int month = static_cast<int>(month_index - year * 12) + 1;
		const int day = std::min(civil.day, DaysInMonth(year, month));
		ts = (DaysFromCivil(year, month, day) - kDaysFrom1970To2000) * kMicrosPerDay + time_of_day;
	}
	ts = SaturatingAdd(ts, interval.days, kMicrosPerDay);
	return ts == kTimestampMax || ts == kTimestampMin ? ts : SaturatingAdd(ts, interval.micros);
}

Timestamp
SubtractInterval(Timestamp ts, const Interval &interval)
{
	// Negating the most negative value would overflow: it is taken one above.
	const auto negate = [](auto value) {
		return value == std::numeric_limits<decltype(value)>::min() ? std::numeric_limits<decltype(value)>::max()
																	: -value;
	};
	return AddInterval(ts, Interval{negate(interval.months), negate(interval.days), negate(interval.micros)});
}

Timestamp
MakeTimestamp(int year, int month, int day, int hour, int minute, int second)
{
	return (DaysFromCivil(year, month, day) - kDaysFrom1970To2000) * kMicrosPerDay + hour * kMicrosPerHour +
		   minute * kMicrosPerMinute + second * kMicrosPerSecond;
}

namespace {

// Appends ".ffffff" without trailing zeros when fraction is non-zero.
void
AppendFraction(std::string &out, int64_t fraction)
{
	if (fraction == 0)
		return;
	char buf[16];
	std::snprintf(buf, sizeof buf, ".%06" PRId64, fraction);
	std::string text(buf);
	while (text.back() == '0')
		text.pop_back();
	out += text;
}

}	 // namespace

std::string
FormatTimestamp(Timestamp ts)
{
	const int64_t day_number = FloorDiv(ts, kMicrosPerDay);
	int64_t rest = ts - day_number * kMicrosPerDay;
	const Civil civil = CivilFromDays(day_number + kDaysFrom1970To2000);
	const int64_t hour = rest / kMicrosPerHour;
	rest %= kMicrosPerHour;
	const int64_t minute = rest / kMicrosPerMinute;
	rest %= kMicrosPerMinute;
	const int64_t second = rest / kMicrosPerSecond;
	char buf[64];
	std::snprintf(buf, sizeof buf, "%04" PRId64 "-%02d-%02dT%02" PRId64 ":%02" PRId64 ":%02" PRId64, civil.year,
				  civil.month, civil.day, hour, minute, second);
	std::string out(buf);
	AppendFraction(out, rest % kMicrosPerSecond);
	out += 'Z';
	return out;
}

namespace {

// One "N unit(s)" part of the postgres IntervalStyle, as Postgres' AddPostgresIntPart writes it.
void
AppendPart(std::string &out, int64_t value, const char *unit, bool &is_zero, bool &is_before)
{
	if (value == 0)
		return;
	if (!is_zero)
		out += ' ';
	if (is_before && value > 0)
		out += '+';
	out += std::to_string(value);
	out += ' ';
	out += unit;
	if (value != 1)
		out += 's';
	is_before = value < 0;
	is_zero = false;
}

}	 // namespace

std::string
FormatInterval(const Interval &interval)
{
	std::string out;
	bool is_zero = true;
	bool is_before = false;
	AppendPart(out, interval.months / 12, "year", is_zero, is_before);
	AppendPart(out, interval.months % 12, "mon", is_zero, is_before);
	AppendPart(out, interval.days, "day", is_zero, is_before);
	if (is_zero || interval.micros != 0) {
		const bool minus = interval.micros < 0;
		const uint64_t magnitude = minus ? -static_cast<uint64_t>(interval.micros) : interval.micros;
		const uint64_t hours = magnitude / kMicrosPerHour;
		const uint64_t minutes = magnitude % kMicrosPerHour / kMicrosPerMinute;
		const uint64_t seconds = magnitude % kMicrosPerMinute / kMicrosPerSecond;
		char buf[64];
		std::snprintf(buf, sizeof buf, "%s%s%02" PRIu64 ":%02" PRIu64 ":%02" PRIu64, is_zero ? "" : " ",
					  minus ? "-" : (is_before ? "+" : ""), hours, minutes, seconds);
		out += buf;
		AppendFraction(out, static_cast<int64_t>(magnitude % kMicrosPerSecond));
	}
	return out;
}

}	 // namespace journey
