// Local times: the generic FromLocal (DST gaps and overlaps), UTC, clock/day/ISO texts, intervals in a zone.
#include "core/iso_time.hpp"
#include "core/timezone.hpp"
#include "fake_zones.hpp"

#include <gtest/gtest.h>

namespace journey {
namespace {

using testing::FakeZones;

constexpr const char *kParis = "Test/Europe";

LocalTime
Local(int year, int month, int day, int hour, int minute)
{
	LocalTime local;
	local.year = year;
	local.month = month;
	local.day = day;
	local.hour = hour;
	local.minute = minute;
	return local;
}

TEST(CivilTime, FieldsAndWeekday)
{
	const LocalTime t = CivilTime(MakeTimestamp(2026, 11, 23, 7, 39, 49) + 500);
	EXPECT_EQ(t.year, 2026);
	EXPECT_EQ(t.month, 11);
	EXPECT_EQ(t.day, 23);
	EXPECT_EQ(t.hour, 7);
	EXPECT_EQ(t.minute, 39);
	EXPECT_EQ(t.second, 49);
	EXPECT_EQ(t.micros, 500);
	EXPECT_EQ(t.weekday, 1);  // a monday
	EXPECT_EQ(CivilTime(0).weekday, 6);  // 2000-01-01 was a saturday
	EXPECT_EQ(CivilTime(-kMicrosPerDay).weekday, 5);
	EXPECT_EQ(CivilTimestamp(t), MakeTimestamp(2026, 11, 23, 7, 39, 49) + 500);
	const LocalTime next = AddLocalDays(Local(2026, 2, 28, 9, 30), 1);
	EXPECT_EQ(next.month, 3);
	EXPECT_EQ(next.day, 1);
	EXPECT_EQ(next.hour, 9);
	EXPECT_EQ(next.minute, 30);
}

TEST(FakeZones, FollowsTheEuropeanRule)
{
	EXPECT_EQ(FakeZones::LastSunday(2026, 3), MakeTimestamp(2026, 3, 29));
	EXPECT_EQ(FakeZones::LastSunday(2026, 10), MakeTimestamp(2026, 10, 25));
	const FakeZones zones;
	EXPECT_EQ(zones.ToLocal(MakeTimestamp(2026, 3, 29, 0, 59), kParis).hour, 1);
	EXPECT_EQ(zones.ToLocal(MakeTimestamp(2026, 3, 29, 1, 0), kParis).hour, 3);
	EXPECT_EQ(zones.ToLocal(MakeTimestamp(2026, 10, 25, 0, 30), kParis).hour, 2);
	EXPECT_EQ(zones.ToLocal(MakeTimestamp(2026, 10, 25, 1, 30), kParis).hour, 2);
}

TEST(FromLocal, OrdinaryTimes)
{
	const FakeZones zones;
	EXPECT_EQ(zones.FromLocal(Local(2026, 1, 15, 9, 0), kParis), MakeTimestamp(2026, 1, 15, 8, 0));
	EXPECT_EQ(zones.FromLocal(Local(2026, 7, 1, 9, 0), kParis), MakeTimestamp(2026, 7, 1, 7, 0));
	EXPECT_EQ(zones.FromLocal(Local(2026, 7, 1, 9, 0), "Test/Plus5"), MakeTimestamp(2026, 7, 1, 4, 0));
	EXPECT_EQ(zones.FromLocal(Local(2026, 3, 29, 1, 59), kParis), MakeTimestamp(2026, 3, 29, 0, 59));
	EXPECT_EQ(zones.FromLocal(Local(2026, 3, 29, 3, 0), kParis), MakeTimestamp(2026, 3, 29, 1, 0));
}

TEST(FromLocal, TimeInTheSpringGapMovesForwardToTheNextValidMinute)
{
	const FakeZones zones;
	// 02:00-02:59 do not exist on 2026-03-29 in Paris: the clock goes from 01:59:59 to 03:00.
	EXPECT_EQ(zones.FromLocal(Local(2026, 3, 29, 2, 30), kParis), MakeTimestamp(2026, 3, 29, 1, 0));
	EXPECT_EQ(zones.FromLocal(Local(2026, 3, 29, 2, 0), kParis), MakeTimestamp(2026, 3, 29, 1, 0));
	EXPECT_EQ(zones.FromLocal(Local(2026, 3, 29, 2, 59), kParis), MakeTimestamp(2026, 3, 29, 1, 0));
	EXPECT_EQ(zones.ToLocal(zones.FromLocal(Local(2026, 3, 29, 2, 30), kParis), kParis).hour, 3);
}

TEST(FromLocal, AmbiguousFallBackTimeTakesTheEarlierInstant)
{
	const FakeZones zones;
	// 02:00-02:59 happen twice on 2026-10-25 in Paris (first at +02, then at +01).
	EXPECT_EQ(zones.FromLocal(Local(2026, 10, 25, 2, 30), kParis), MakeTimestamp(2026, 10, 25, 0, 30));
	EXPECT_EQ(zones.FromLocal(Local(2026, 10, 25, 3, 0), kParis), MakeTimestamp(2026, 10, 25, 2, 0));
	EXPECT_EQ(zones.FromLocal(Local(2026, 10, 25, 1, 59), kParis), MakeTimestamp(2026, 10, 24, 23, 59));
}

TEST(UtcTimeZones, OnlyUtc)
{
	const UtcTimeZones zones;
	EXPECT_TRUE(zones.IsValid("UTC"));
	EXPECT_TRUE(zones.IsValid("Etc/UTC"));
	EXPECT_TRUE(zones.IsValid("Z"));
	EXPECT_FALSE(zones.IsValid("Europe/Paris"));
	EXPECT_FALSE(zones.IsValid(""));
	const Timestamp t = MakeTimestamp(2026, 3, 29, 2, 30);
	EXPECT_EQ(zones.FromLocal(zones.ToLocal(t, "UTC"), "UTC"), t);
	EXPECT_TRUE(DefaultTimeZones().IsValid("UTC"));
}

TEST(AddIntervalInZone, DaysKeepTheWallClockAcrossDst)
{
	const FakeZones zones;
	const Timestamp saturday_9 = MakeTimestamp(2026, 3, 28, 8, 0);	// 09:00 in Paris (+01)
	EXPECT_EQ(AddIntervalInZone(saturday_9, Interval{0, 1, 0}, zones, kParis), MakeTimestamp(2026, 3, 29, 7, 0));
	EXPECT_EQ(AddIntervalInZone(saturday_9, Interval{0, 0, 24 * kMicrosPerHour}, zones, kParis),
			  MakeTimestamp(2026, 3, 29, 8, 0));
	EXPECT_EQ(AddIntervalInZone(saturday_9, Interval{0, -1, 0}, zones, kParis), MakeTimestamp(2026, 3, 27, 8, 0));
	EXPECT_EQ(AddIntervalInZone(saturday_9, Interval{1, 0, 0}, zones, kParis), MakeTimestamp(2026, 4, 28, 7, 0));
}

TEST(Texts, ClockAndWeekday)
{
	EXPECT_EQ(ParseClock("09:00"), 540);
	EXPECT_EQ(ParseClock("9:05"), 545);
	EXPECT_EQ(ParseClock("23:59"), 23 * 60 + 59);
	EXPECT_EQ(ParseClock("00:00"), 0);
	for (const char *bad : {"24:00", "9", "09:60", "09:0", "0900", " 09:00", "09:00:00", "ab:cd", ""})
		EXPECT_FALSE(ParseClock(bad).has_value()) << bad;
	EXPECT_EQ(ParseWeekday("sun"), 0);
	EXPECT_EQ(ParseWeekday("sat"), 6);
	EXPECT_FALSE(ParseWeekday("monday").has_value());
	EXPECT_FALSE(ParseWeekday("Mon").has_value());
	EXPECT_STREQ(WeekdayName(3), "wed");
}

TEST(ParseIsoTime, Forms)
{
	const UtcTimeZones utc;
	const FakeZones zones;
	const auto instant = [&](const char *text) {
		const std::optional<IsoTime> time = ParseIsoTime(text);
		EXPECT_TRUE(time.has_value()) << text;
		return time ? IsoTimeInstant(*time, zones, kParis) : 0;
	};
	EXPECT_EQ(instant("2026-12-24T09:00:00Z"), MakeTimestamp(2026, 12, 24, 9));
	EXPECT_EQ(instant("2026-12-24 09:00:00+01:00"), MakeTimestamp(2026, 12, 24, 8));
	EXPECT_EQ(instant("2026-12-24T09:00:00.25-0530"), MakeTimestamp(2026, 12, 24, 14, 30) + 250000);
	EXPECT_EQ(instant("2026-12-24T09:00+02"), MakeTimestamp(2026, 12, 24, 7));
	EXPECT_EQ(instant("2026-12-24T09:00"), MakeTimestamp(2026, 12, 24, 8));	 // wall clock in Paris
	EXPECT_EQ(instant("2026-07-14"), MakeTimestamp(2026, 7, 13, 22));		 // Paris midnight (+02)
	EXPECT_TRUE(ParseIsoTime("2026-07-14")->date_only);
	EXPECT_FALSE(ParseIsoTime("2026-07-14T00:00Z")->date_only);
	EXPECT_FALSE(ParseIsoTime("2026-12-24T09:00")->offset_micros.has_value());
	EXPECT_EQ(IsoTimeInstant(*ParseIsoTime("2024-02-29T00:00:00Z"), utc, "UTC"), MakeTimestamp(2024, 2, 29));
	for (const char *bad : {"2026-02-30", "2025-02-29", "2026-13-01", "2026-12-24T24:00:00Z", "2026-12-24T09:00:00Q",
							"2026-12-24T09", "26-12-24", "2026-12-24T09:00:00.1234567Z", "2026-12-24T09:00:00Z ", "",
							"tomorrow", "2026-12-24T09:00:00+1"})
		EXPECT_FALSE(ParseIsoTime(bad).has_value()) << bad;
	EXPECT_EQ(FormatIsoDate(CivilTime(MakeTimestamp(2026, 7, 4))), "2026-07-04");
}

}	 // namespace
}	 // namespace journey
