// publish(in_flight => 'migrate'): branches, visits and split labels follow node names.
#include "cart_journey.hpp"
#include "core/evaluator.hpp"
#include "fake_facts.hpp"
#include "journey_test_util.hpp"

#include <gtest/gtest.h>

namespace journey {
namespace {

using testing::CartJourney;
using testing::FakeFacts;
using testing::MustCompile;

const Timestamp t0 = MakeTimestamp(2026, 11, 23, 10);

TEST(Migrate, SameNamedNodeKeepsTheDeadlineAndVisits)
{
	const GraphPtr v1 = MustCompile(CartJourney());
	// v2: a new node "aaa" first in id order (ids shift), "push?" and "push" gone, a longer wait.
	Json next = CartJourney();
	next["nodes"] = Json::parse(R"({
		"aaa": {"wait": "1 day", "next": "email"},
		"wait": {"wait": "3 hours", "next": "check"},
		"check": {"if": {"event": "checkout", "since": "entry"}, "then": "done", "else": "aaa"},
		"email": {"send": {"channel": "email", "template": "cart_similar"}, "next": "done"},
		"done": {"exit": "completed"}
	})");
	const GraphPtr v2 = MustCompile(next);
	ASSERT_TRUE(v1 && v2);
	FakeFacts facts;
	InstanceState state;
	Start(*v1, state, t0, facts);
	const Timestamp deadline = *state.wake_at;
	ASSERT_NE(v1->FindNode("wait"), v2->FindNode("wait"));	 // the ids differ: the names carry it

	ASSERT_TRUE(MigrateState(*v1, *v2, state));
	EXPECT_EQ(state.node, v2->FindNode("wait"));
	EXPECT_EQ(state.wake_at, deadline);	// not the new 3 hours
	ASSERT_EQ(state.visits.size(), v2->nodes.size());
	EXPECT_EQ(state.visits[v2->FindNode("wait")], 1);
	EXPECT_EQ(state.visits[v2->FindNode("aaa")], 0);
	// It goes on in the new version.
	facts.SetContact("email", "ann@example.com");
	ResumeDue(*v2, state, deadline, facts);
	EXPECT_EQ(state.node, v2->FindNode("aaa"));
}

TEST(Migrate, ANodeThatIsGoneOrNoLongerWaitingRefuses)
{
	const GraphPtr v1 = MustCompile(CartJourney());
	Json renamed = CartJourney();
	renamed["nodes"]["pause"] = renamed["nodes"]["wait"];
	renamed["nodes"].erase("wait");
	renamed["start"] = "pause";
	Json not_waiting = CartJourney();
	not_waiting["nodes"]["wait"] = Json::parse(R"({"send": {"channel": "in_app", "template": "x"}, "next": "check"})");
	const GraphPtr gone = MustCompile(renamed);
	const GraphPtr changed = MustCompile(not_waiting);
	ASSERT_TRUE(v1 && gone && changed);
	FakeFacts facts;
	InstanceState state;
	Start(*v1, state, t0, facts);
	const InstanceState before = state;
	EXPECT_FALSE(MigrateState(*v1, *gone, state));
	EXPECT_EQ(state.node, before.node);
	EXPECT_EQ(state.visits, before.visits);
	EXPECT_FALSE(MigrateState(*v1, *changed, state));
	EXPECT_EQ(state.node, before.node);
}

TEST(Migrate, EveryParallelBranchAndTheSplitLabel)
{
	const Json base = testing::JourneyWith("ab", Json::parse(R"({
		"ab": {"split": [{"label": "A", "percent": 100, "next": "fork"}, {"label": "B", "percent": 0, "next": "fork"}]},
		"fork": {"parallel": ["x", "y"]},
		"x": {"wait": "1 hour", "next": "end"},
		"y": {"wait": "2 hours", "next": "end"},
		"end": {"exit": "completed"}
	})"));
	const GraphPtr v1 = MustCompile(base);
	Json relabeled = base;
	relabeled["nodes"]["ab"]["split"][0]["label"] = "A2";
	Json without_y = base;
	without_y["nodes"]["fork"]["parallel"] = Json::array({"x", "z"});
	without_y["nodes"].erase("y");
	without_y["nodes"]["z"] = Json::parse(R"({"wait": "2 hours", "next": "end"})");
	const GraphPtr v2 = MustCompile(base);
	const GraphPtr v3 = MustCompile(relabeled);
	const GraphPtr v4 = MustCompile(without_y);
	ASSERT_TRUE(v1 && v2 && v3 && v4);
	FakeFacts facts;
	InstanceState state;
	state.user_id = "u";
	Start(*v1, state, t0, facts);
	ASSERT_EQ(state.variant, "A");
	ASSERT_EQ(Branches(state).size(), 2u);

	InstanceState kept = state;
	ASSERT_TRUE(MigrateState(*v1, *v2, kept));
	EXPECT_EQ(kept.variant, "A");
	EXPECT_EQ(Branches(kept), Branches(state));

	InstanceState relabel = state;
	ASSERT_TRUE(MigrateState(*v1, *v3, relabel));
	EXPECT_EQ(relabel.variant, "");	 // no split of the new version has "A"

	InstanceState lost = state;
	EXPECT_FALSE(MigrateState(*v1, *v4, lost));	 // branch y has nowhere to go
}

}	 // namespace
}	 // namespace journey
