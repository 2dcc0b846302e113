// wait_until and window nodes in the user's time zone, across both DST changes of "Test/Europe" (Paris rules).
#include "core/evaluator.hpp"
#include "fake_facts.hpp"
#include "fake_zones.hpp"
#include "journey_test_util.hpp"

#include <gtest/gtest.h>

namespace journey {
namespace {

using testing::FakeFacts;
using testing::FakeZones;

class TimeNodesTest : public ::testing::Test {
protected:
	void
	SetUp() override
	{
		facts.zones = &zones;
		facts.time_zone = "Test/Europe";
		options.zones = &zones;
	}

	// A journey: node "x" (the given node, going on to "end"), "end", and "other" (exits "other") when x uses it.
	GraphPtr
	With(const Json &x)
	{
		Json node = x;
		node["next"] = "end";
		Json nodes = {{"x", node}, {"end", {{"exit", "completed"}}}};
		if (x.contains("past_next"))
			nodes["other"] = {{"exit", "other"}};
		return testing::MustCompile(testing::JourneyWith("x", nodes), options);
	}

	// Starts at `at`: the time the instance waits until, or nullopt when it went straight through.
	std::optional<Timestamp>
	WaitsUntil(const GraphPtr &graph, Timestamp at)
	{
		InstanceState state;
		state.user_id = "u1";
		Start(*graph, state, at, facts);
		if (state.status != InstanceStatus::Active)
			return std::nullopt;
		EXPECT_EQ(state.node, graph->FindNode("x"));
		return state.wake_at;
	}

	FakeZones zones;
	FakeFacts facts;
	CompileOptions options;
};

TEST_F(TimeNodesTest, WindowNineToSixAroundSpringForward)
{
	const GraphPtr graph = With(Json::parse(R"({"window": {"from": "09:00", "to": "18:00"}})"));
	ASSERT_NE(graph, nullptr);
	// Saturday 2026-03-28 (UTC+1).
	EXPECT_EQ(WaitsUntil(graph, MakeTimestamp(2026, 3, 28, 8, 30)), std::nullopt);	 // 09:30: open
	EXPECT_EQ(WaitsUntil(graph, MakeTimestamp(2026, 3, 28, 7, 59)), MakeTimestamp(2026, 3, 28, 8, 0));	 // 08:59
	// 18:30 on saturday: sunday 09:00 is at UTC+2 already.
	EXPECT_EQ(WaitsUntil(graph, MakeTimestamp(2026, 3, 28, 17, 30)), MakeTimestamp(2026, 3, 29, 7, 0));
	// Sunday 2026-03-29 (UTC+2 from 01:00 UTC): 07:30 UTC is 09:30 local.
	EXPECT_EQ(WaitsUntil(graph, MakeTimestamp(2026, 3, 29, 7, 30)), std::nullopt);
	EXPECT_EQ(WaitsUntil(graph, MakeTimestamp(2026, 3, 29, 6, 30)), MakeTimestamp(2026, 3, 29, 7, 0));
	EXPECT_EQ(WaitsUntil(graph, MakeTimestamp(2026, 3, 29, 15, 59)), std::nullopt);  // 17:59
	EXPECT_EQ(WaitsUntil(graph, MakeTimestamp(2026, 3, 29, 16, 0)), MakeTimestamp(2026, 3, 30, 7, 0));	// 18:00
}

TEST_F(TimeNodesTest, WindowNineToSixAroundFallBack)
{
	const GraphPtr graph = With(Json::parse(R"({"window": {"from": "09:00", "to": "18:00", "timezone": "user"}})"));
	ASSERT_NE(graph, nullptr);
	// Saturday 2026-10-24, 19:00 local (UTC+2): sunday 09:00 is at UTC+1.
	EXPECT_EQ(WaitsUntil(graph, MakeTimestamp(2026, 10, 24, 17, 0)), MakeTimestamp(2026, 10, 25, 8, 0));
	EXPECT_EQ(WaitsUntil(graph, MakeTimestamp(2026, 10, 24, 15, 59)), std::nullopt);	 // 17:59 (+2)
	// Sunday 2026-10-25: 07:30 UTC is 08:30 local.
	EXPECT_EQ(WaitsUntil(graph, MakeTimestamp(2026, 10, 25, 7, 30)), MakeTimestamp(2026, 10, 25, 8, 0));
	EXPECT_EQ(WaitsUntil(graph, MakeTimestamp(2026, 10, 25, 8, 0)), std::nullopt);
	EXPECT_EQ(WaitsUntil(graph, MakeTimestamp(2026, 10, 25, 16, 30)), std::nullopt);	 // 17:30
	EXPECT_EQ(WaitsUntil(graph, MakeTimestamp(2026, 10, 25, 17, 0)), MakeTimestamp(2026, 10, 26, 8, 0));
}

TEST_F(TimeNodesTest, WindowDaysAndWrapAroundMidnight)
{
	// Friday and saturday nights, 22:00-06:00: the hours after midnight belong to the night that opened them.
	const GraphPtr graph = With(Json::parse(R"({"window": {"from": "22:00", "to": "06:00", "days": ["fri", "sat"]}})"));
	ASSERT_NE(graph, nullptr);
	facts.time_zone = "UTC";
	EXPECT_EQ(WaitsUntil(graph, MakeTimestamp(2026, 11, 27, 23, 0)), std::nullopt);	 // friday 23:00
	EXPECT_EQ(WaitsUntil(graph, MakeTimestamp(2026, 11, 28, 2, 0)), std::nullopt);	 // saturday 02:00 (friday's)
	EXPECT_EQ(WaitsUntil(graph, MakeTimestamp(2026, 11, 29, 5, 59)), std::nullopt);	 // sunday 05:59 (saturday's)
	EXPECT_EQ(WaitsUntil(graph, MakeTimestamp(2026, 11, 29, 22, 0)), MakeTimestamp(2026, 12, 4, 22, 0));  // sunday
	EXPECT_EQ(WaitsUntil(graph, MakeTimestamp(2026, 11, 27, 2, 0)), MakeTimestamp(2026, 11, 27, 22, 0));  // fri 02:00
	EXPECT_EQ(WaitsUntil(graph, MakeTimestamp(2026, 11, 28, 6, 0)), MakeTimestamp(2026, 11, 28, 22, 0));
}

TEST_F(TimeNodesTest, WindowInANamedZoneIgnoresTheUsersZone)
{
	const GraphPtr graph = With(Json::parse(R"({"window": {"from": "09:00", "to": "10:00", "timezone": "Test/Plus5"}})"));
	ASSERT_NE(graph, nullptr);
	EXPECT_EQ(WaitsUntil(graph, MakeTimestamp(2026, 7, 1, 4, 30)), std::nullopt);	 // 09:30 at +05
	EXPECT_EQ(WaitsUntil(graph, MakeTimestamp(2026, 7, 1, 7, 30)), MakeTimestamp(2026, 7, 2, 4, 0));
}

TEST_F(TimeNodesTest, UnknownUserZoneCountsAsUtc)
{
	const GraphPtr graph = With(Json::parse(R"({"window": {"from": "09:00", "to": "10:00"}})"));
	ASSERT_NE(graph, nullptr);
	facts.time_zone = "Atlantis/Capital";
	EXPECT_EQ(WaitsUntil(graph, MakeTimestamp(2026, 7, 1, 9, 30)), std::nullopt);
	facts.time_zone = "";
	EXPECT_EQ(WaitsUntil(graph, MakeTimestamp(2026, 7, 1, 8, 30)), MakeTimestamp(2026, 7, 1, 9, 0));
}

TEST_F(TimeNodesTest, WindowWaitResumesAtTheOpening)
{
	const GraphPtr graph = With(Json::parse(R"({"window": {"from": "09:00", "to": "18:00"}})"));
	ASSERT_NE(graph, nullptr);
	InstanceState state;
	Start(*graph, state, MakeTimestamp(2026, 3, 28, 17, 30), facts);
	ASSERT_EQ(state.wake_at, MakeTimestamp(2026, 3, 29, 7, 0));
	ResumeDue(*graph, state, *state.wake_at, facts);
	EXPECT_EQ(state.status, InstanceStatus::Completed);
	EXPECT_EQ(state.ended_at, MakeTimestamp(2026, 3, 29, 7, 0));
}

TEST_F(TimeNodesTest, AtTwoThirtyOnTheSpringForwardDayMovesToThree)
{
	const GraphPtr today = With(Json::parse(R"({"wait_until": {"at": "02:30", "day": "today"}})"));
	ASSERT_NE(today, nullptr);
	// 2026-03-29 00:00 UTC is 01:00 in Paris; 02:30 does not exist that day: 03:00 local = 01:00 UTC.
	EXPECT_EQ(WaitsUntil(today, MakeTimestamp(2026, 3, 29, 0, 0)), MakeTimestamp(2026, 3, 29, 1, 0));
	const GraphPtr tomorrow = With(Json::parse(R"({"wait_until": {"at": "02:30", "day": "tomorrow"}})"));
	ASSERT_NE(tomorrow, nullptr);
	EXPECT_EQ(WaitsUntil(tomorrow, MakeTimestamp(2026, 3, 28, 12, 0)), MakeTimestamp(2026, 3, 29, 1, 0));
	// On the fall-back day 02:30 happens twice: the first one.
	EXPECT_EQ(WaitsUntil(tomorrow, MakeTimestamp(2026, 10, 24, 12, 0)), MakeTimestamp(2026, 10, 25, 0, 30));
}

TEST_F(TimeNodesTest, AtWithoutDayIsTheNextOccurrence)
{
	const GraphPtr graph = With(Json::parse(R"({"wait_until": {"at": "09:00"}})"));
	ASSERT_NE(graph, nullptr);
	EXPECT_EQ(WaitsUntil(graph, MakeTimestamp(2026, 1, 15, 7, 0)), MakeTimestamp(2026, 1, 15, 8, 0));	 // 08:00 local
	EXPECT_EQ(WaitsUntil(graph, MakeTimestamp(2026, 1, 15, 9, 0)), MakeTimestamp(2026, 1, 16, 8, 0));	 // 10:00 local
	EXPECT_EQ(WaitsUntil(graph, MakeTimestamp(2026, 1, 15, 8, 0)), std::nullopt);	// exactly 09:00: goes on
}

TEST_F(TimeNodesTest, AtOnAWeekdayOrADate)
{
	const GraphPtr monday = With(Json::parse(R"({"wait_until": {"at": "09:00", "day": "mon", "timezone": "UTC"}})"));
	ASSERT_NE(monday, nullptr);
	// 2026-11-23 is a monday.
	EXPECT_EQ(WaitsUntil(monday, MakeTimestamp(2026, 11, 23, 8, 0)), MakeTimestamp(2026, 11, 23, 9, 0));
	EXPECT_EQ(WaitsUntil(monday, MakeTimestamp(2026, 11, 23, 10, 0)), MakeTimestamp(2026, 11, 30, 9, 0));
	EXPECT_EQ(WaitsUntil(monday, MakeTimestamp(2026, 11, 26, 10, 0)), MakeTimestamp(2026, 11, 30, 9, 0));
	const GraphPtr christmas = With(Json::parse(R"({"wait_until": {"at": "09:00", "date": "2026-12-24"}})"));
	ASSERT_NE(christmas, nullptr);
	EXPECT_EQ(WaitsUntil(christmas, MakeTimestamp(2026, 11, 23)), MakeTimestamp(2026, 12, 24, 8, 0));
}

TEST_F(TimeNodesTest, IfPastContinueOrSkip)
{
	const Json past = Json::parse(R"({"wait_until": "2026-01-01T00:00:00Z"})");
	const Timestamp now = MakeTimestamp(2026, 6, 1);
	InstanceState state;
	const GraphPtr go_on = With(past);
	ASSERT_NE(go_on, nullptr);
	Start(*go_on, state, now, facts);
	EXPECT_EQ(state.exit_reason, "completed");	 // continue (the default): on to next, at once

	Json skip = past;
	skip["if_past"] = "skip";
	skip["past_next"] = "other";
	const GraphPtr skipping = With(skip);
	ASSERT_NE(skipping, nullptr);
	Start(*skipping, state, now, facts);
	EXPECT_EQ(state.exit_reason, "other");
	// In the future: it waits, and then goes to next.
	Start(*skipping, state, MakeTimestamp(2025, 12, 31), facts);
	EXPECT_EQ(state.wake_at, MakeTimestamp(2026, 1, 1));
	ResumeDue(*skipping, state, *state.wake_at, facts);
	EXPECT_EQ(state.exit_reason, "completed");

	// "today" at a time already past.
	const GraphPtr today =
		With(Json::parse(R"({"wait_until": {"at": "09:00", "day": "today"}, "if_past": "skip", "past_next": "other"})"));
	ASSERT_NE(today, nullptr);
	Start(*today, state, MakeTimestamp(2026, 1, 15, 12, 0), facts);
	EXPECT_EQ(state.exit_reason, "other");
}

TEST_F(TimeNodesTest, AttributeWithOffsetAndTime)
{
	const GraphPtr graph = With(Json::parse(
		R"({"wait_until": {"attribute": "renewal", "offset": "-10 days", "at": "08:30"}, "if_past": "skip", "past_next": "other"})"));
	ASSERT_NE(graph, nullptr);
	const Timestamp now = MakeTimestamp(2026, 11, 1);
	facts.attributes["renewal"] = "2026-12-01";	 // a date: midnight in the user's zone
	EXPECT_EQ(WaitsUntil(graph, now), MakeTimestamp(2026, 11, 21, 7, 30));	 // 08:30 at +01
	facts.attributes["renewal"] = "2026-12-01T12:00:00Z";
	EXPECT_EQ(WaitsUntil(graph, now), MakeTimestamp(2026, 11, 21, 7, 30));
	facts.attributes["renewal"] = 1795766400;  // unix seconds: 2026-11-27T08:00:00Z
	EXPECT_EQ(WaitsUntil(graph, now), MakeTimestamp(2026, 11, 17, 7, 30));
	// Missing or null: past.
	facts.attributes.erase("renewal");
	InstanceState state;
	Start(*graph, state, now, facts);
	EXPECT_EQ(state.exit_reason, "other");
	// Not a timestamp: the step fails (SPEC §5), naming the attribute.
	facts.attributes["renewal"] = "next week";
	InstanceState failing;
	try {
		Start(*graph, failing, now, facts);
		ADD_FAILURE() << "a value that is not a timestamp must fail the step";
	} catch (const StepError &e) {
		EXPECT_STREQ(e.what(), "wait_until: the attribute \"renewal\" is not a timestamp: \"next week\"");
	}
}

TEST_F(TimeNodesTest, EventPropertyAndContextKey)
{
	// {"event": PROP} reads the triggering event's props, {"context": KEY} the instance's context.
	const GraphPtr by_event = With(Json::parse(R"({"wait_until": {"event": "appointment", "offset": "-1 day", "at": "09:00"}})"));
	const GraphPtr by_context = With(Json::parse(R"({"wait_until": {"context": "due", "offset": "2 hours"}})"));
	ASSERT_NE(by_event, nullptr);
	ASSERT_NE(by_context, nullptr);
	const Timestamp now = MakeTimestamp(2026, 11, 1);
	InstanceState state;
	state.event = {{"appointment", "2026-11-20T15:30:00Z"}};
	Start(*by_event, state, now, facts);
	EXPECT_EQ(state.wake_at, MakeTimestamp(2026, 11, 19, 8, 0));	 // 09:00 in the user's Paris, UTC+1
	InstanceState in_context;
	in_context.context = {{"due", "2026-11-05T10:00:00Z"}};
	Start(*by_context, in_context, now, facts);
	EXPECT_EQ(in_context.wake_at, MakeTimestamp(2026, 11, 5, 12, 0));
	// Missing or null: past; a value that is not a timestamp fails the step, naming the property.
	InstanceState missing;
	missing.event = {{"appointment", nullptr}};
	Start(*by_event, missing, now, facts);
	EXPECT_EQ(missing.status, InstanceStatus::Completed);
	EXPECT_FALSE(missing.wake_at.has_value());
	InstanceState wrong;
	wrong.event = {{"appointment", true}};
	EXPECT_THROW(Start(*by_event, wrong, now, facts), StepError);
}

TEST_F(TimeNodesTest, AttributeWithOffsetOnly)
{
	const GraphPtr graph = With(Json::parse(R"({"wait_until": {"attribute": "trial_end", "offset": "-1 day"}})"));
	ASSERT_NE(graph, nullptr);
	facts.attributes["trial_end"] = "2026-11-30T12:00:00+00:00";
	EXPECT_EQ(WaitsUntil(graph, MakeTimestamp(2026, 11, 1)), MakeTimestamp(2026, 11, 29, 12, 0));
	// A day before 2026-03-30 12:00 UTC (14:00 in Paris) is 14:00 on the 29th in Paris: 12:00 UTC (+02 both days).
	facts.attributes["trial_end"] = "2026-03-30T12:00:00Z";
	EXPECT_EQ(WaitsUntil(graph, MakeTimestamp(2026, 3, 1)), MakeTimestamp(2026, 3, 29, 12, 0));
	// A day before 2026-03-29 12:00 UTC (14:00 at +02) is 14:00 on the 28th (+01): 13:00 UTC.
	facts.attributes["trial_end"] = "2026-03-29T12:00:00Z";
	EXPECT_EQ(WaitsUntil(graph, MakeTimestamp(2026, 3, 1)), MakeTimestamp(2026, 3, 28, 13, 0));
}

// SPEC §2: durations follow Postgres's interval arithmetic in the user's time zone. Test/Europe changes
// from UTC+1 to UTC+2 on 2026-03-29 01:00 UTC and back on 2026-10-25 01:00 UTC.
TEST_F(TimeNodesTest, AWaitOfDaysKeepsTheLocalTimeAcrossDst)
{
	const GraphPtr day = With(Json::parse(R"({"wait": "1 day"})"));
	ASSERT_NE(day, nullptr);
	// Spring: 2026-03-28 09:00 local (08:00 UTC) + 1 day = 03-29 09:00 local (07:00 UTC): 23 hours later.
	EXPECT_EQ(WaitsUntil(day, MakeTimestamp(2026, 3, 28, 8, 0)), MakeTimestamp(2026, 3, 29, 7, 0));
	// Autumn: 2026-10-24 09:00 local (07:00 UTC) + 1 day = 10-25 09:00 local (08:00 UTC): 25 hours later.
	EXPECT_EQ(WaitsUntil(day, MakeTimestamp(2026, 10, 24, 7, 0)), MakeTimestamp(2026, 10, 25, 8, 0));
	// Hours are exact: 24 hours across the spring change is 24 hours.
	const GraphPtr hours = With(Json::parse(R"({"wait": "24 hours"})"));
	EXPECT_EQ(WaitsUntil(hours, MakeTimestamp(2026, 3, 28, 8, 0)), MakeTimestamp(2026, 3, 29, 8, 0));
	// A user without a zone of her own (UTC): a day is 24 hours.
	facts.time_zone = "UTC";
	EXPECT_EQ(WaitsUntil(day, MakeTimestamp(2026, 3, 28, 8, 0)), MakeTimestamp(2026, 3, 29, 8, 0));
}

TEST_F(TimeNodesTest, AWaitForTimeoutOfDaysKeepsTheLocalTimeAcrossDst)
{
	const GraphPtr graph = testing::MustCompile(testing::JourneyWith("w", Json::parse(R"({
		"w": {"wait_for": {"event": "paid"}, "timeout": "2 days", "on_event": "end", "on_timeout": "end"},
		"end": {"exit": "completed"}
	})")), options);
	ASSERT_NE(graph, nullptr);
	InstanceState state;
	Start(*graph, state, MakeTimestamp(2026, 3, 28, 8, 0), facts);	 // 09:00 local
	EXPECT_EQ(state.wake_at, MakeTimestamp(2026, 3, 30, 7, 0));		 // 09:00 local two days later
}

TEST_F(TimeNodesTest, AWaitOfHoursNeedsNoTimeZone)
{
	const GraphPtr hours = With(Json::parse(R"({"wait": "2 hours"})"));
	zones.to_local_calls = 0;
	EXPECT_EQ(WaitsUntil(hours, MakeTimestamp(2026, 3, 28, 8, 0)), MakeTimestamp(2026, 3, 28, 10, 0));
	EXPECT_EQ(zones.to_local_calls, 0);  // the hot path asks no time zone for an exact duration
}

TEST_F(TimeNodesTest, ALoopThroughAnOpenWindowIsRefusedAndAWaitMakesItValid)
{
	// While the window is open the loop would never wait: refused at define (SPEC §5).
	const Json open_loop = testing::JourneyWith("open", Json::parse(R"({
		"open": {"window": {"from": "09:00", "to": "18:00"}, "next": "tick"},
		"tick": {"send": {"channel": "in_app", "template": "t"}, "next": "open"}
	})"));
	const CompileResult refused = Compile(open_loop, options);
	ASSERT_FALSE(refused.ok());
	EXPECT_EQ(refused.problems[0].sqlstate, "22023");
	EXPECT_NE(refused.problems[0].message.find("instantaneous loop"), std::string::npos) << refused.problems[0].message;
	// With a wait in the cycle, each pass waits.
	const GraphPtr graph = testing::MustCompile(testing::JourneyWith("open", Json::parse(R"({
		"open": {"window": {"from": "09:00", "to": "18:00"}, "next": "tick"},
		"tick": {"send": {"channel": "in_app", "template": "t"}, "next": "pause"},
		"pause": {"wait": "1 hour", "next": "open"}
	})")), options);
	ASSERT_NE(graph, nullptr);
	InstanceState state;
	Start(*graph, state, MakeTimestamp(2026, 1, 15, 10, 0), facts);
	EXPECT_EQ(state.wake_at, MakeTimestamp(2026, 1, 15, 11, 0));
}

}	 // namespace
}	 // namespace journey
