// Interval parsing, calendar arithmetic and timestamp text.
#include "core/time.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace journey {
namespace {

Interval
Parse(std::string_view text)
{
	const std::optional<Interval> interval = ParseInterval(text);
	EXPECT_TRUE(interval.has_value()) << text;
	return interval.value_or(Interval{});
}

TEST(ParseInterval, UnitsAndCombinations)
{
	EXPECT_EQ(Parse("2 hours"), (Interval{0, 0, 2 * kMicrosPerHour}));
	EXPECT_EQ(Parse("1 day 2 hours"), (Interval{0, 1, 2 * kMicrosPerHour}));
	EXPECT_EQ(Parse("1 mon"), (Interval{1, 0, 0}));
	EXPECT_EQ(Parse("90 minutes"), (Interval{0, 0, 90 * kMicrosPerMinute}));
	EXPECT_EQ(Parse("2 weeks"), (Interval{0, 14, 0}));
	EXPECT_EQ(Parse("1 year"), (Interval{12, 0, 0}));
	EXPECT_EQ(Parse("1 year 2 mons 3 days"), (Interval{14, 3, 0}));
	EXPECT_EQ(Parse("7 days"), (Interval{0, 7, 0}));
	EXPECT_EQ(Parse("0 seconds"), (Interval{0, 0, 0}));
	EXPECT_EQ(Parse("250 ms"), (Interval{0, 0, 250000}));
	EXPECT_EQ(Parse("15 us"), (Interval{0, 0, 15}));
}

TEST(ParseInterval, AbbreviationsAndCase)
{
	EXPECT_EQ(Parse("3h"), (Interval{0, 0, 3 * kMicrosPerHour}));
	EXPECT_EQ(Parse("1h30m"), (Interval{0, 0, 90 * kMicrosPerMinute}));
	EXPECT_EQ(Parse("10 secs"), (Interval{0, 0, 10 * kMicrosPerSecond}));
	EXPECT_EQ(Parse("5 MINS"), (Interval{0, 0, 5 * kMicrosPerMinute}));
	EXPECT_EQ(Parse("2 Hrs"), (Interval{0, 0, 2 * kMicrosPerHour}));
	EXPECT_EQ(Parse("1 d"), (Interval{0, 1, 0}));
	EXPECT_EQ(Parse("1 w"), (Interval{0, 7, 0}));
	EXPECT_EQ(Parse("2 yrs"), (Interval{24, 0, 0}));
	EXPECT_EQ(Parse("3 mons"), (Interval{3, 0, 0}));
	EXPECT_EQ(Parse("@ 1 hour"), (Interval{0, 0, kMicrosPerHour}));
}

TEST(ParseInterval, FractionsCascadeLikePostgres)
{
	EXPECT_EQ(Parse("1.5 hours"), (Interval{0, 0, 90 * kMicrosPerMinute}));
	EXPECT_EQ(Parse("1.5 days"), (Interval{0, 1, 12 * kMicrosPerHour}));
	EXPECT_EQ(Parse("1.5 mons"), (Interval{1, 15, 0}));
	EXPECT_EQ(Parse("1.5 years"), (Interval{18, 0, 0}));
	EXPECT_EQ(Parse("0.5 seconds"), (Interval{0, 0, 500000}));
	EXPECT_EQ(Parse(".25 hours"), (Interval{0, 0, 15 * kMicrosPerMinute}));
}

TEST(ParseInterval, SignsAndAgo)
{
	EXPECT_EQ(Parse("-10 days"), (Interval{0, -10, 0}));
	EXPECT_EQ(Parse("+3 hours"), (Interval{0, 0, 3 * kMicrosPerHour}));
	EXPECT_EQ(Parse("3 hours ago"), (Interval{0, 0, -3 * kMicrosPerHour}));
	EXPECT_EQ(Parse("1 day -2 hours"), (Interval{0, 1, -2 * kMicrosPerHour}));
	EXPECT_EQ(Parse("-1 days +02:00:00"), (Interval{0, -1, 2 * kMicrosPerHour}));
}

TEST(ParseInterval, TimeFields)
{
	EXPECT_EQ(Parse("00:30:00"), (Interval{0, 0, 30 * kMicrosPerMinute}));
	EXPECT_EQ(Parse("1 day 02:00"), (Interval{0, 1, 2 * kMicrosPerHour}));
	EXPECT_EQ(Parse("01:02:03.5"), (Interval{0, 0, kMicrosPerHour + 2 * kMicrosPerMinute + 3500000}));
	EXPECT_EQ(Parse("-01:30"), (Interval{0, 0, -90 * kMicrosPerMinute}));
	EXPECT_EQ(Parse("100:00:00"), (Interval{0, 0, 100 * kMicrosPerHour}));
}

TEST(ParseInterval, BadForms)
{
	for (const char *text : {"", "   ", "hours", "2", "2 hourz", "two hours", "2 hours later", "ago", "1 hour ago ago",
							 "1 hour 2 hours", "00:60", "00:30:75", "1.5:00", "1 day 01:00 00:30", "--1 day", "1e3 s",
							 "- 1 day", "1 hour,", "99999999999999999 years", "1 day 1 d"})
		EXPECT_FALSE(ParseInterval(text).has_value()) << '"' << text << '"';
}

TEST(Interval, IsNegative)
{
	EXPECT_FALSE((Interval{}).IsNegative());
	EXPECT_FALSE(Parse("1 day").IsNegative());
	EXPECT_TRUE(Parse("-1 day").IsNegative());
	EXPECT_TRUE(Parse("-1 mon -2 days").IsNegative());
	EXPECT_TRUE(Parse("1 day -25 hours").IsNegative());
	EXPECT_FALSE(Parse("1 day -23 hours").IsNegative());
	EXPECT_FALSE(Parse("1 mon -30 days").IsNegative());
	EXPECT_TRUE(Parse("1 mon -31 days").IsNegative());
}

TEST(Interval, FormatLikePostgres)
{
	EXPECT_EQ(FormatInterval(Interval{}), "00:00:00");
	EXPECT_EQ(FormatInterval(Parse("1 day 2 hours")), "1 day 02:00:00");
	EXPECT_EQ(FormatInterval(Parse("2 hours")), "02:00:00");
	EXPECT_EQ(FormatInterval(Parse("1 year 2 mons 3 days")), "1 year 2 mons 3 days");
	EXPECT_EQ(FormatInterval(Parse("-1 days +02:00:00")), "-1 days +02:00:00");
	EXPECT_EQ(FormatInterval(Parse("-10 days")), "-10 days");
	EXPECT_EQ(FormatInterval(Parse("3 hours ago")), "-03:00:00");
	EXPECT_EQ(FormatInterval(Parse("1.5 seconds")), "00:00:01.5");
	EXPECT_EQ(FormatInterval(Parse("1 mon")), "1 mon");
	EXPECT_EQ(FormatInterval(Parse("2 mons")), "2 mons");
	EXPECT_EQ(FormatInterval(Parse("100 hours")), "100:00:00");
}

TEST(Timestamp, EpochIs2000)
{
	EXPECT_EQ(MakeTimestamp(2000, 1, 1), 0);
	EXPECT_EQ(MakeTimestamp(2000, 1, 2), kMicrosPerDay);
	EXPECT_EQ(MakeTimestamp(1999, 12, 31, 23, 59, 59), -kMicrosPerSecond);
	EXPECT_EQ(FormatTimestamp(0), "2000-01-01T00:00:00Z");
}

TEST(Timestamp, Format)
{
	EXPECT_EQ(FormatTimestamp(MakeTimestamp(2026, 11, 23, 7, 39, 49)), "2026-11-23T07:39:49Z");
	EXPECT_EQ(FormatTimestamp(MakeTimestamp(2026, 11, 23, 7, 39, 49) + 500000), "2026-11-23T07:39:49.5Z");
	EXPECT_EQ(FormatTimestamp(MakeTimestamp(2026, 11, 23) + 1), "2026-11-23T00:00:00.000001Z");
	EXPECT_EQ(FormatTimestamp(-1), "1999-12-31T23:59:59.999999Z");
	EXPECT_EQ(FormatTimestamp(MakeTimestamp(1970, 1, 1)), "1970-01-01T00:00:00Z");
	EXPECT_EQ(FormatTimestamp(MakeTimestamp(2024, 2, 29, 12)), "2024-02-29T12:00:00Z");
}

TEST(AddInterval, HoursAndDaysAreExact)
{
	const Timestamp t = MakeTimestamp(2026, 3, 1, 10);
	EXPECT_EQ(AddInterval(t, Parse("2 hours")), MakeTimestamp(2026, 3, 1, 12));
	EXPECT_EQ(AddInterval(t, Parse("1 day 2 hours")), MakeTimestamp(2026, 3, 2, 12));
	EXPECT_EQ(AddInterval(t, Parse("-10 days")), MakeTimestamp(2026, 2, 19, 10));
	EXPECT_EQ(AddInterval(MakeTimestamp(2026, 12, 31, 23), Parse("2 hours")), MakeTimestamp(2027, 1, 1, 1));
}

TEST(AddInterval, MonthsClampToMonthEnd)
{
	EXPECT_EQ(AddInterval(MakeTimestamp(2026, 1, 31, 9), Parse("1 mon")), MakeTimestamp(2026, 2, 28, 9));
	EXPECT_EQ(AddInterval(MakeTimestamp(2024, 1, 31, 9), Parse("1 mon")), MakeTimestamp(2024, 2, 29, 9));
	EXPECT_EQ(AddInterval(MakeTimestamp(2026, 3, 31), Parse("1 mon")), MakeTimestamp(2026, 4, 30));
	EXPECT_EQ(AddInterval(MakeTimestamp(2026, 3, 31), Parse("-1 mon")), MakeTimestamp(2026, 2, 28));
	EXPECT_EQ(AddInterval(MakeTimestamp(2026, 11, 15), Parse("3 mons")), MakeTimestamp(2027, 2, 15));
	EXPECT_EQ(AddInterval(MakeTimestamp(2026, 1, 15), Parse("-13 mons")), MakeTimestamp(2024, 12, 15));
}

TEST(AddInterval, LeapYears)
{
	EXPECT_EQ(AddInterval(MakeTimestamp(2024, 2, 29), Parse("1 year")), MakeTimestamp(2025, 2, 28));
	EXPECT_EQ(AddInterval(MakeTimestamp(2024, 2, 29), Parse("4 years")), MakeTimestamp(2028, 2, 29));
	EXPECT_EQ(AddInterval(MakeTimestamp(2000, 2, 28), Parse("1 day")), MakeTimestamp(2000, 2, 29));
	EXPECT_EQ(AddInterval(MakeTimestamp(1900, 2, 28), Parse("1 day")), MakeTimestamp(1900, 3, 1));
	EXPECT_EQ(AddInterval(MakeTimestamp(2100, 1, 31), Parse("1 mon")), MakeTimestamp(2100, 2, 28));
}

TEST(AddInterval, MonthsThenDaysThenTime)
{
	// Postgres: '2026-01-31' + '1 mon 1 day' = 2026-03-01 (Feb 28 + 1 day), not Mar 1 + clamp.
	EXPECT_EQ(AddInterval(MakeTimestamp(2026, 1, 31), Parse("1 mon 1 day")), MakeTimestamp(2026, 3, 1));
	EXPECT_EQ(AddInterval(MakeTimestamp(2026, 1, 30, 23), Parse("1 mon 2 hours")), MakeTimestamp(2026, 3, 1, 1));
	EXPECT_EQ(SubtractInterval(MakeTimestamp(2026, 3, 31), Parse("1 mon")), MakeTimestamp(2026, 2, 28));
	EXPECT_EQ(SubtractInterval(MakeTimestamp(2026, 3, 1, 12), Parse("7 days")), MakeTimestamp(2026, 2, 22, 12));
}

}	 // namespace
}	 // namespace journey

namespace journey {
namespace {

TEST(AddInterval, SaturatesInsteadOfOverflowing)
{
	constexpr Timestamp kInfinity = std::numeric_limits<int64_t>::max();
	const Timestamp t = MakeTimestamp(2026, 1, 1);
	EXPECT_EQ(AddInterval(t, Interval{0, 2000000000, 0}), kInfinity);
	EXPECT_EQ(AddInterval(t, Interval{2000000000, 0, 0}), kInfinity);
	EXPECT_EQ(AddInterval(t, Interval{0, 0, kInfinity}), kInfinity);
	EXPECT_EQ(AddInterval(t, Interval{-2000000000, 0, 0}), std::numeric_limits<int64_t>::min());
	EXPECT_EQ(SubtractInterval(t, Interval{std::numeric_limits<int32_t>::min(), 0, 0}), kInfinity);
	EXPECT_EQ(AddInterval(kInfinity, Interval{0, -1, 0}), kInfinity);	// infinity stays infinity
	EXPECT_EQ(AddInterval(t, Interval{12 * 10000, 0, 0}), MakeTimestamp(12026, 1, 1));
}

}	 // namespace
}	 // namespace journey
