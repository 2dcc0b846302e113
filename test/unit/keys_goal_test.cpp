// Keyed journeys (entry.key), exit_when and goal matching, and which events and attribute changes enter.
#include "core/evaluator.hpp"
#include "fake_facts.hpp"
#include "journey_test_util.hpp"

#include <gtest/gtest.h>

namespace journey {
namespace {

using testing::FakeFacts;
using testing::MustCompile;

const Timestamp t0 = MakeTimestamp(2026, 5, 4, 10);

class KeyedTest : public ::testing::Test {
protected:
	void
	SetUp() override
	{
		graph = MustCompile(Json::parse(R"({
			"name": "cart", "trigger": {"event": "add_to_cart"},
			"entry": {"key": "cart_id"},
			"exit_when": [{"event": "cart_deleted"}],
			"goal": {"event": "checkout", "within": "7 days", "where": {"prop": "total", "op": ">", "value": 0}},
			"start": "w",
			"nodes": {
				"w": {"wait_for": {"event": "checkout"}, "timeout": "2 days", "on_event": "thanks", "on_timeout": "nudge"},
				"thanks": {"exit": "bought"}, "nudge": {"exit": "nudged"}
			}
		})"));
		ASSERT_NE(graph, nullptr);
		state.entry_key = "c-1";
		Start(*graph, state, t0, facts);
	}

	GraphPtr graph;
	FakeFacts facts;
	InstanceState state;
	const Json cart1 = Json::parse(R"({"cart_id": "c-1", "total": 30})");
	const Json cart2 = Json::parse(R"({"cart_id": "c-2", "total": 30})");
	const Json no_cart = Json::parse(R"({"total": 30})");
};

TEST_F(KeyedTest, EntryKeyOf)
{
	EXPECT_EQ(EntryKeyOf(*graph, cart1), "c-1");
	EXPECT_EQ(EntryKeyOf(*graph, Json::parse(R"({"cart_id": 42})")), "42");
	EXPECT_EQ(EntryKeyOf(*graph, Json::parse(R"({"cart_id": 4.5})")), "4.5");
	EXPECT_EQ(EntryKeyOf(*graph, Json::parse(R"({"cart_id": true})")), "true");
	EXPECT_EQ(EntryKeyOf(*graph, no_cart), std::nullopt);
	EXPECT_EQ(EntryKeyOf(*graph, Json::parse(R"({"cart_id": null})")), std::nullopt);
	EXPECT_EQ(EntryKeyOf(*graph, Json::parse(R"({"cart_id": ""})")), std::nullopt);
	EXPECT_EQ(EntryKeyOf(*graph, Json::parse(R"({"cart_id": {"a": 1}})")), std::nullopt);
	const GraphPtr unkeyed = MustCompile(testing::JourneyWith("e", Json::parse(R"({"e": {"exit": "x"}})")));
	ASSERT_NE(unkeyed, nullptr);
	EXPECT_EQ(EntryKeyOf(*unkeyed, no_cart), "");
}

TEST_F(KeyedTest, AnEventWithoutTheKeyNeverEnters)
{
	EXPECT_TRUE(EventEnters(*graph, "add_to_cart", cart2, std::nullopt, t0, facts));
	EXPECT_FALSE(EventEnters(*graph, "add_to_cart", no_cart, std::nullopt, t0, facts));
	EXPECT_FALSE(EventEnters(*graph, "checkout", cart2, std::nullopt, t0, facts));
}

TEST_F(KeyedTest, WaitForIgnoresOtherKeys)
{
	const Timestamp at = t0 + kMicrosPerHour;
	EXPECT_FALSE(WaitForMatches(*graph, state, "checkout", cart2, at, facts));
	EXPECT_FALSE(WaitForMatches(*graph, state, "checkout", no_cart, at, facts));
	EXPECT_TRUE(WaitForMatches(*graph, state, "checkout", cart1, at, facts));
	// ResumeOnEvent with another cart's checkout: nothing happens.
	EXPECT_EQ(ResumeOnEvent(*graph, state, "checkout", cart2, at, facts).node_visits, 0);
	EXPECT_EQ(state.status, InstanceStatus::Active);
	EXPECT_EQ(state.last_step_at, t0);
	ResumeOnEvent(*graph, state, "checkout", cart1, at, facts);
	EXPECT_EQ(state.exit_reason, "bought");
}

TEST_F(KeyedTest, ExitWhenMatchesTheSameKeyOnly)
{
	EXPECT_FALSE(ExitWhenMatches(*graph, state, "cart_deleted", cart2, t0, facts));
	EXPECT_FALSE(ExitWhenMatches(*graph, state, "cart_deleted", no_cart, t0, facts));
	EXPECT_TRUE(ExitWhenMatches(*graph, state, "cart_deleted", cart1, t0, facts));
	EXPECT_FALSE(ExitWhenMatches(*graph, state, "checkout", cart1, t0, facts));
	ExitInstance(state, "exit_event", t0);
	EXPECT_FALSE(ExitWhenMatches(*graph, state, "cart_deleted", cart1, t0, facts));	 // no longer active
}

TEST_F(KeyedTest, GoalWithinTheWindowWhereAndKey)
{
	const Timestamp end = AddInterval(t0, Interval{0, 7, 0});
	EXPECT_TRUE(GoalMatches(*graph, state, "checkout", cart1, t0, facts));
	EXPECT_TRUE(GoalMatches(*graph, state, "checkout", cart1, end, facts));
	EXPECT_FALSE(GoalMatches(*graph, state, "checkout", cart1, end + 1, facts));
	EXPECT_FALSE(GoalMatches(*graph, state, "checkout", cart1, t0 - 1, facts));
	EXPECT_FALSE(GoalMatches(*graph, state, "checkout", cart2, t0 + 1, facts));
	EXPECT_FALSE(GoalMatches(*graph, state, "checkout", Json::parse(R"({"cart_id": "c-1", "total": 0})"), t0, facts));
	EXPECT_FALSE(GoalMatches(*graph, state, "add_to_cart", cart1, t0, facts));
	// Also after the instance ended: a conversion counts then too.
	ResumeDue(*graph, state, *state.wake_at, facts);
	ASSERT_EQ(state.status, InstanceStatus::Completed);
	EXPECT_TRUE(GoalMatches(*graph, state, "checkout", cart1, t0 + 3 * kMicrosPerDay, facts));
	EXPECT_TRUE(GoalMatches(*graph, t0, "c-1", "checkout", cart1, t0 + 3 * kMicrosPerDay, facts));
}

TEST(Goal, WithoutAGoalNothingMatches)
{
	const GraphPtr graph = MustCompile(testing::JourneyWith("e", Json::parse(R"({"e": {"exit": "x"}})")));
	ASSERT_NE(graph, nullptr);
	FakeFacts facts;
	EXPECT_FALSE(GoalMatches(*graph, t0, "", "checkout", Json::object(), t0, facts));
}

TEST(ExitWhen, UnkeyedJourneyMatchesNameAndWhere)
{
	const GraphPtr graph = MustCompile(Json::parse(R"({
		"name": "j", "trigger": {"event": "go"}, "start": "w",
		"exit_when": [{"event": "unsubscribed", "where": {"prop": "list", "op": "=", "value": "news"}}],
		"nodes": {"w": {"wait": "1 day", "next": "end"}, "end": {"exit": "completed"}}
	})"));
	ASSERT_NE(graph, nullptr);
	FakeFacts facts;
	InstanceState state;
	Start(*graph, state, t0, facts);
	EXPECT_TRUE(ExitWhenMatches(*graph, state, "unsubscribed", Json::parse(R"({"list": "news"})"), t0, facts));
	EXPECT_FALSE(ExitWhenMatches(*graph, state, "unsubscribed", Json::parse(R"({"list": "promo"})"), t0, facts));
}

TEST(AttributeChange, EntersWhenTheValueChangesAndTheWhereHolds)
{
	const GraphPtr graph = MustCompile(Json::parse(R"({
		"name": "upgrade", "start": "end", "nodes": {"end": {"exit": "completed"}},
		"trigger": [{"attribute_change": "plan", "where": {"prop": "new", "op": "=", "value": "pro"}},
					{"attribute_change": "country"}]
	})"));
	ASSERT_NE(graph, nullptr);
	FakeFacts facts;
	const Json free_plan = "free", pro = "pro", fr = "FR", de = "DE";
	EXPECT_TRUE(AttributeChangeEnters(*graph, "plan", &free_plan, &pro, t0, facts));
	EXPECT_TRUE(AttributeChangeEnters(*graph, "plan", nullptr, &pro, t0, facts));	 // an insert
	EXPECT_FALSE(AttributeChangeEnters(*graph, "plan", &pro, &pro, t0, facts));	 // not distinct
	EXPECT_FALSE(AttributeChangeEnters(*graph, "plan", &pro, &free_plan, t0, facts));	// the where
	EXPECT_TRUE(AttributeChangeEnters(*graph, "country", &fr, &de, t0, facts));
	EXPECT_TRUE(AttributeChangeEnters(*graph, "country", &fr, nullptr, t0, facts));  // set to null: distinct
	EXPECT_FALSE(AttributeChangeEnters(*graph, "country", nullptr, nullptr, t0, facts));  // insert of null
	EXPECT_FALSE(AttributeChangeEnters(*graph, "email", &fr, &de, t0, facts));
	EXPECT_FALSE(EventEnters(*graph, "plan", Json::object(), std::nullopt, t0, facts));
}

}	 // namespace
}	 // namespace journey
