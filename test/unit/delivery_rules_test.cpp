// Frequency caps, quiet hours, ignore_caps, critical topics and send_rate (SPEC §6) as a send node applies them.
#include "core/evaluator.hpp"
#include "fake_facts.hpp"
#include "fake_zones.hpp"
#include "journey_test_util.hpp"

#include <gtest/gtest.h>

namespace journey {
namespace {

using testing::FakeFacts;
using testing::FakeZones;
using testing::JourneyWith;
using testing::MustCompile;

const Timestamp t0 = MakeTimestamp(2026, 5, 4, 10);

GraphPtr
OneSend(const Json &node)
{
	Json nodes = {{"s", node}, {"end", {{"exit", "completed"}}}};
	CompileOptions options;
	options.topics = {"security"};
	return MustCompile(JourneyWith("s", nodes), options);
}

const Json kEmail = Json::parse(R"({"send": {"channel": "email", "template": "t"}, "next": "end"})");

FakeFacts
Reachable()
{
	FakeFacts facts;
	facts.SetContact("email", "a@example.com");
	facts.SetContact("sms", "+331234");
	return facts;
}

SendEffect
SendAt(const Graph &graph, FakeFacts &facts, Timestamp at)
{
	InstanceState state;
	facts.ForgetStepSends();	// a step of its own
	const StepResult result = Start(graph, state, at, facts);
	EXPECT_EQ(result.sends.size(), 1u);
	return result.sends.empty() ? SendEffect{} : result.sends[0];
}

TEST(FrequencyCap, CountsRowsInTheWindowEndingAtTheStep)
{
	const GraphPtr graph = OneSend(kEmail);
	ASSERT_NE(graph, nullptr);
	FakeFacts facts = Reachable();
	facts.caps["email"] = {2, Interval{0, 1, 0}};
	facts.outbox = {{"email", t0 - 24 * kMicrosPerHour},  // exactly as_of - per: outside (the window is open there)
					{"email", t0 - kMicrosPerHour},
					{"sms", t0}};					 // another channel
	SendEffect send = SendAt(*graph, facts, t0);
	EXPECT_FALSE(send.suppressed) << send.suppress_reason;
	EXPECT_EQ(send.available_at, t0);
	EXPECT_EQ(facts.count_sends_calls, 1);

	facts.outbox.push_back({"email", t0});	// at as_of: inside
	send = SendAt(*graph, facts, t0);
	EXPECT_TRUE(send.suppressed);
	EXPECT_EQ(send.suppress_reason, "frequency cap of 2 per 1 day on channel email reached");
	EXPECT_EQ(send.dedup_key.empty(), false);	// still a row: written suppressed

	facts.caps.erase("email");	// no cap: nothing counted
	facts.count_sends_calls = 0;
	EXPECT_FALSE(SendAt(*graph, facts, t0).suppressed);
	EXPECT_EQ(facts.count_sends_calls, 0);
}

TEST(FrequencyCap, TheWalksOwnEarlierSendsCount)
{
	const GraphPtr graph = MustCompile(JourneyWith("a", Json::parse(R"({
		"a": {"send": {"channel": "email", "template": "first"}, "next": "b"},
		"b": {"send": {"channel": "sms", "template": "other"}, "next": "c"},
		"c": {"send": {"channel": "email", "template": "second"}, "next": "end"},
		"end": {"exit": "completed"}
	})")));
	ASSERT_NE(graph, nullptr);
	FakeFacts facts = Reachable();
	facts.caps["email"] = {1, Interval{0, 0, kMicrosPerHour}};
	InstanceState state;
	const StepResult result = Start(*graph, state, t0, facts);
	ASSERT_EQ(result.sends.size(), 3u);
	EXPECT_FALSE(result.sends[0].suppressed);
	EXPECT_FALSE(result.sends[1].suppressed);	// sms has no cap
	EXPECT_TRUE(result.sends[2].suppressed);
	EXPECT_EQ(result.sends[2].suppress_reason, "frequency cap of 1 per 01:00:00 on channel email reached");
	EXPECT_EQ(state.exit_reason, "completed");	// the journey goes on
}

TEST(FrequencyCap, EveryWalkOfAStepCountsTheStepsEarlierSends)
{
	// Two walks of one step (late events, then the due wait) share the step's Facts: the second walk's send
	// counts the first's, which is not written yet. A new step forgets them (they are written by then).
	const GraphPtr graph = OneSend(kEmail);
	ASSERT_NE(graph, nullptr);
	FakeFacts facts = Reachable();
	facts.caps["email"] = {1, Interval{0, 1, 0}};
	InstanceState first, second;
	EXPECT_FALSE(Start(*graph, first, t0, facts).sends.at(0).suppressed);
	const StepResult again = Start(*graph, second, t0 + kMicrosPerMinute, facts);
	ASSERT_EQ(again.sends.size(), 1u);
	EXPECT_TRUE(again.sends[0].suppressed);
	EXPECT_EQ(facts.StepSends("email", t0 - kMicrosPerHour, t0 + kMicrosPerHour), 1);	// suppressed ones are not noted
	facts.ForgetStepSends();
	InstanceState third;
	EXPECT_FALSE(Start(*graph, third, t0 + 2 * kMicrosPerMinute, facts).sends.at(0).suppressed);
}

TEST(FrequencyCap, IgnoreCapsOnTheNodeOrTheSendOptsOut)
{
	for (const char *node : {R"({"send": {"channel": "email", "template": "t"}, "ignore_caps": true, "next": "end"})",
							 R"({"send": {"channel": "email", "template": "t", "ignore_caps": true}, "next": "end"})"}) {
		const GraphPtr graph = OneSend(Json::parse(node));
		ASSERT_NE(graph, nullptr);
		FakeFacts facts = Reachable();
		facts.caps["email"] = {1, Interval{0, 1, 0}};
		facts.quiet_hours["email"] = {0, 23 * kMicrosPerHour, true};
		facts.outbox = {{"email", t0}};
		const SendEffect send = SendAt(*graph, facts, t0);
		EXPECT_FALSE(send.suppressed) << node << ": " << send.suppress_reason;
		EXPECT_EQ(send.available_at, t0);
		EXPECT_EQ(facts.count_sends_calls, 0);
	}
	const GraphPtr off = OneSend(Json::parse(R"({"send": {"channel": "email", "template": "t", "ignore_caps": false}, "next": "end"})"));
	ASSERT_NE(off, nullptr);
	FakeFacts facts = Reachable();
	facts.caps["email"] = {1, Interval{0, 1, 0}};
	facts.outbox = {{"email", t0}};
	EXPECT_TRUE(SendAt(*off, facts, t0).suppressed);
}

TEST(FrequencyCap, ACriticalTopicPassesEverythingAnUnsubscribedOneNothing)
{
	const GraphPtr graph = OneSend(Json::parse(R"({"send": {"channel": "email", "template": "t", "topic": "security"}, "next": "end"})"));
	ASSERT_NE(graph, nullptr);
	FakeFacts facts = Reachable();
	facts.caps["email"] = {1, Interval{0, 1, 0}};
	facts.quiet_hours["email"] = {0, 23 * kMicrosPerHour, false};
	facts.outbox = {{"email", t0}};
	facts.topics["security"] = {true, false};	// critical, even unsubscribed
	SendEffect send = SendAt(*graph, facts, t0);
	EXPECT_FALSE(send.suppressed) << send.suppress_reason;
	EXPECT_EQ(send.available_at, t0);
	EXPECT_EQ(facts.count_sends_calls, 0);

	facts.topics["security"] = {false, false};	// not critical, unsubscribed: the topic's reason, no count
	send = SendAt(*graph, facts, t0);
	EXPECT_TRUE(send.suppressed);
	EXPECT_EQ(send.suppress_reason, "unsubscribed from topic security on channel email");
	EXPECT_EQ(facts.count_sends_calls, 0);
}

TEST(QuietHours, DeferToTheirEndAcrossMidnight)
{
	const GraphPtr graph = OneSend(kEmail);
	ASSERT_NE(graph, nullptr);
	FakeFacts facts = Reachable();
	facts.quiet_hours["email"] = {22 * kMicrosPerHour, 8 * kMicrosPerHour, false};
	struct Case {
		Timestamp at;
		Timestamp available;
	} cases[] = {
		{MakeTimestamp(2026, 5, 4, 23, 30), MakeTimestamp(2026, 5, 5, 8)},	 // before midnight: tomorrow's end
		{MakeTimestamp(2026, 5, 4, 3), MakeTimestamp(2026, 5, 4, 8)},		 // after midnight: today's
		{MakeTimestamp(2026, 5, 4, 22), MakeTimestamp(2026, 5, 5, 8)},		 // the start is inside
		{MakeTimestamp(2026, 5, 4, 8), MakeTimestamp(2026, 5, 4, 8)},		 // the end is outside
		{MakeTimestamp(2026, 5, 4, 12), MakeTimestamp(2026, 5, 4, 12)},		 // daytime
	};
	for (const Case &c : cases) {
		const SendEffect send = SendAt(*graph, facts, c.at);
		EXPECT_FALSE(send.suppressed);
		EXPECT_EQ(send.at, c.at);	 // created now, available later
		EXPECT_EQ(send.available_at, c.available) << FormatTimestamp(c.at);
	}
}

TEST(QuietHours, WithinADayAndDrop)
{
	const GraphPtr graph = OneSend(kEmail);
	ASSERT_NE(graph, nullptr);
	FakeFacts facts = Reachable();
	facts.quiet_hours["email"] = {12 * kMicrosPerHour, 14 * kMicrosPerHour + 30 * kMicrosPerMinute, false};
	EXPECT_EQ(SendAt(*graph, facts, MakeTimestamp(2026, 5, 4, 13)).available_at, MakeTimestamp(2026, 5, 4, 14, 30));
	EXPECT_EQ(SendAt(*graph, facts, MakeTimestamp(2026, 5, 4, 15)).available_at, MakeTimestamp(2026, 5, 4, 15));
	EXPECT_EQ(SendAt(*graph, facts, MakeTimestamp(2026, 5, 4, 11)).available_at, MakeTimestamp(2026, 5, 4, 11));
	facts.quiet_hours["email"].drop = true;
	const SendEffect dropped = SendAt(*graph, facts, MakeTimestamp(2026, 5, 4, 13));
	EXPECT_TRUE(dropped.suppressed);
	EXPECT_EQ(dropped.suppress_reason, "quiet hours on channel email");
	EXPECT_FALSE(SendAt(*graph, facts, MakeTimestamp(2026, 5, 4, 15)).suppressed);
}

TEST(QuietHours, InTheUsersZoneAcrossADstChange)
{
	const GraphPtr graph = OneSend(kEmail);
	ASSERT_NE(graph, nullptr);
	FakeZones zones;
	FakeFacts facts = Reachable();
	facts.zones = &zones;
	facts.time_zone = "Test/Europe";
	facts.quiet_hours["email"] = {22 * kMicrosPerHour, 8 * kMicrosPerHour, false};
	// Saturday 2026-03-28 23:00 in Paris (22:00 UTC, UTC+1); the clocks go forward that night (2026-03-29 is
	// the last sunday of March): 08:00 on sunday is 06:00 UTC, not 07:00.
	EXPECT_EQ(SendAt(*graph, facts, MakeTimestamp(2026, 3, 28, 22)).available_at, MakeTimestamp(2026, 3, 29, 6));
	// And back in October: saturday 2026-10-24 23:00 CEST (21:00 UTC) ends sunday 08:00 CET = 07:00 UTC.
	EXPECT_EQ(SendAt(*graph, facts, MakeTimestamp(2026, 10, 24, 21)).available_at, MakeTimestamp(2026, 10, 25, 7));
	// 21:30 UTC in summer is 23:30 in Paris: quiet, though it is not in UTC.
	EXPECT_EQ(SendAt(*graph, facts, MakeTimestamp(2026, 7, 1, 21, 30)).available_at, MakeTimestamp(2026, 7, 2, 6));
	// Quiet until 02:30; at 02:10 in the hour repeated when the clocks go back (2026-10-25 01:10 UTC, CET): the
	// second 02:30 (01:30 UTC), not the first (00:30 UTC, already past) nor the next day's.
	facts.quiet_hours["email"] = {22 * kMicrosPerHour, 2 * kMicrosPerHour + 30 * kMicrosPerMinute, false};
	EXPECT_EQ(SendAt(*graph, facts, MakeTimestamp(2026, 10, 25, 1, 10)).available_at, MakeTimestamp(2026, 10, 25, 1, 30));
	// And at 02:10 in its first reading (00:10 UTC, CEST): the first 02:30.
	EXPECT_EQ(SendAt(*graph, facts, MakeTimestamp(2026, 10, 25, 0, 10)).available_at, MakeTimestamp(2026, 10, 25, 0, 30));
	// A quiet hour ending inside the spring-forward gap (02:00–03:00 local) ends at 03:00.
	facts.quiet_hours["email"] = {22 * kMicrosPerHour, 2 * kMicrosPerHour + 30 * kMicrosPerMinute, false};
	EXPECT_EQ(SendAt(*graph, facts, MakeTimestamp(2026, 3, 28, 22)).available_at, MakeTimestamp(2026, 3, 29, 1));
}

TEST(QuietHours, ACapComesFirstAndADeferredRowCounts)
{
	const GraphPtr graph = OneSend(kEmail);
	ASSERT_NE(graph, nullptr);
	FakeFacts facts = Reachable();
	facts.caps["email"] = {1, Interval{0, 1, 0}};
	facts.quiet_hours["email"] = {22 * kMicrosPerHour, 8 * kMicrosPerHour, true};
	facts.outbox = {{"email", MakeTimestamp(2026, 5, 4, 21)}};
	const SendEffect send = SendAt(*graph, facts, MakeTimestamp(2026, 5, 4, 23));
	EXPECT_TRUE(send.suppressed);
	EXPECT_EQ(send.suppress_reason, "frequency cap of 1 per 1 day on channel email reached");
}

TEST(SendRate, CompilesAndIsCheckedAtItsPath)
{
	Json definition = JourneyWith("s", Json{{"s", kEmail}, {"end", {{"exit", "completed"}}}});
	definition["send_rate"] = Json::parse(R"({"max": 100, "per": "1 minute"})");
	const GraphPtr graph = MustCompile(definition);
	ASSERT_NE(graph, nullptr);
	ASSERT_TRUE(graph->send_rate.has_value());
	EXPECT_EQ(graph->send_rate->max, 100);
	EXPECT_EQ(graph->send_rate->per, (Interval{0, 0, kMicrosPerMinute}));

	struct Bad {
		const char *rate;
		const char *path;
	} bad[] = {{R"({"max": 0, "per": "1 minute"})", "send_rate.max"},
			   {R"({"max": 10, "per": "0 seconds"})", "send_rate.per"},
			   {R"({"max": 10})", "send_rate.per"},
			   {R"({"max": 10, "per": "1 minute", "burst": 5})", "send_rate.burst"},
			   {R"(100)", "send_rate"}};
	for (const Bad &b : bad) {
		definition["send_rate"] = Json::parse(b.rate);
		const CompileResult result = Compile(definition);
		ASSERT_FALSE(result.problems.empty()) << b.rate;
		EXPECT_EQ(result.problems[0].path, b.path) << b.rate << testing::DescribeProblems(result.problems);
	}
	definition = JourneyWith("s", Json{{"s", Json::parse(R"({"send": {"channel": "email", "template": "t"}, "ignore_caps": "yes", "next": "end"})")},
									   {"end", {{"exit", "completed"}}}});
	const CompileResult result = Compile(definition);
	ASSERT_EQ(result.problems.size(), 1u);
	EXPECT_EQ(result.problems[0].path, "nodes.s.ignore_caps");
}

}	// namespace
}	// namespace journey
