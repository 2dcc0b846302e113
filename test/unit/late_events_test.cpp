// Events committed while an instance's last step was still open (TakeLateEvents): applied in time order as
// their triggers would have applied them, and never an event the instance saw at once.
#include "core/late_events.hpp"
#include "fake_facts.hpp"
#include "journey_test_util.hpp"

#include <gtest/gtest.h>

namespace journey {
namespace {

using testing::FakeFacts;
using testing::MustCompile;

const Timestamp t0 = MakeTimestamp(2026, 5, 4, 10);
constexpr Timestamp kMinute = 60 * 1000000LL;

class LateEventsTest : public ::testing::Test {
protected:
	void
	SetUp() override
	{
		graph = MustCompile(Json::parse(R"({
			"name": "cart", "trigger": {"event": "add_to_cart"},
			"exit_when": [{"event": "checkout"}],
			"goal": {"event": "purchase", "within": "1 day"},
			"start": "w",
			"nodes": {
				"w": {"wait_for": {"event": "opened", "where": {"prop": "ok", "op": "=", "value": true}},
				      "timeout": "2 hours", "on_event": "push", "on_timeout": "done"},
				"push": {"send": {"channel": "push", "template": "p"}, "next": "later"},
				"later": {"wait": "1 hour", "next": "done"},
				"done": {"exit": "completed"}
			}
		})"));
		ASSERT_NE(graph, nullptr);
		state.id = 7;
		state.user_id = "u";
		Start(*graph, state, t0, facts);
	}

	GraphPtr graph;
	FakeFacts facts;
	InstanceState state;
	std::vector<StoredEvent> converted;
};

TEST_F(LateEventsTest, NamesAreExitGoalAndAwaitedEvents)
{
	EXPECT_EQ(LateEventNames(*graph, state), (std::vector<std::string>{"checkout", "opened", "purchase"}));
	ExitInstance(state, "x", t0);
	EXPECT_TRUE(LateEventNames(*graph, state).empty());
}

TEST_F(LateEventsTest, NothingLateChangesNothing)
{
	const InstanceState before = state;
	facts.AddEvent("checkout", t0);					  // at the last step's time: seen with it, not late
	facts.AddEvent("checkout", t0 + 180 * kMinute);  // after upto
	facts.AddEvent("opened", t0 + 5 * kMinute, {{"ok", false}});	// its where does not hold
	StepResult r = TakeLateEvents(*graph, state, t0 + 120 * kMinute, facts, &converted);
	EXPECT_TRUE(r.sends.empty());
	EXPECT_EQ(state.status, InstanceStatus::Active);
	EXPECT_EQ(state.last_step_at, before.last_step_at);
	EXPECT_EQ(state.node, before.node);
	EXPECT_TRUE(converted.empty());
}

TEST_F(LateEventsTest, AnExitEndsTheInstanceAsOfItsTime)
{
	facts.AddEvent("checkout", t0 + 30 * kMinute);
	TakeLateEvents(*graph, state, t0 + 120 * kMinute, facts, &converted);
	EXPECT_EQ(state.status, InstanceStatus::Exited);
	EXPECT_EQ(state.exit_reason, "exit_event");
	EXPECT_EQ(state.ended_at, t0 + 30 * kMinute);
}

TEST_F(LateEventsTest, AnAwaitedEventTakesOnEventAsOfItsTime)
{
	facts.AddEvent("opened", t0 + 10 * kMinute, {{"ok", true}});
	StepResult r = TakeLateEvents(*graph, state, t0 + 120 * kMinute, facts, &converted);
	ASSERT_EQ(r.sends.size(), 1u);
	EXPECT_EQ(state.status, InstanceStatus::Active);
	EXPECT_EQ(graph->nodes[state.node].kind, NodeKind::Wait);	// at "later"
	EXPECT_EQ(state.last_step_at, t0 + 10 * kMinute);
	EXPECT_EQ(state.wake_at, t0 + 70 * kMinute);
}

TEST_F(LateEventsTest, InTimeOrderAResumeBeforeAnExitStillSends)
{
	facts.AddEvent("checkout", t0 + 20 * kMinute);
	facts.AddEvent("opened", t0 + 10 * kMinute, {{"ok", true}});
	StepResult r = TakeLateEvents(*graph, state, t0 + 120 * kMinute, facts, &converted);
	EXPECT_EQ(r.sends.size(), 1u);
	EXPECT_EQ(state.status, InstanceStatus::Exited);
	EXPECT_EQ(state.ended_at, t0 + 20 * kMinute);
}

TEST_F(LateEventsTest, AnExitBeforeTheAwaitedEventWins)
{
	facts.AddEvent("checkout", t0 + 10 * kMinute);
	facts.AddEvent("opened", t0 + 20 * kMinute, {{"ok", true}});
	StepResult r = TakeLateEvents(*graph, state, t0 + 120 * kMinute, facts, &converted);
	EXPECT_TRUE(r.sends.empty());
	EXPECT_EQ(state.status, InstanceStatus::Exited);
}

TEST_F(LateEventsTest, AnAwaitedEventAtOrAfterTheDeadlineDoesNotCount)
{
	facts.AddEvent("opened", t0 + 120 * kMinute, {{"ok", true}});	// at the timeout
	StepResult r = TakeLateEvents(*graph, state, t0 + 120 * kMinute, facts, &converted);
	EXPECT_TRUE(r.sends.empty());
	EXPECT_EQ(state.last_step_at, t0);
}

TEST_F(LateEventsTest, AGoalEventConvertsAndTheInstanceGoesOn)
{
	facts.AddEvent("purchase", t0 + 5 * kMinute);
	TakeLateEvents(*graph, state, t0 + 120 * kMinute, facts, &converted);
	ASSERT_EQ(converted.size(), 1u);
	EXPECT_EQ(converted[0].name, "purchase");
	EXPECT_EQ(converted[0].at, t0 + 5 * kMinute);
	EXPECT_EQ(state.status, InstanceStatus::Active);	// the goal has no exit
}

TEST_F(LateEventsTest, SkippedEventsAreLeftToTheCaller)
{
	facts.AddEvent("checkout", t0 + 30 * kMinute);
	TakeLateEvents(*graph, state, t0 + 120 * kMinute, facts, &converted, {},
				   {StoredEvent{"checkout", Json::object(), t0 + 30 * kMinute}});
	EXPECT_EQ(state.status, InstanceStatus::Active);
}

}	 // namespace
}	 // namespace journey
