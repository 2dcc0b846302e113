// switch, split (stable hash, distribution, holdout) and parallel branches (completion, exits, resumes).
#include "core/evaluator.hpp"
#include "core/stable_hash.hpp"
#include "fake_facts.hpp"
#include "journey_test_util.hpp"

#include <gtest/gtest.h>

#include <map>

namespace journey {
namespace {

using testing::FakeFacts;
using testing::JourneyWith;
using testing::MustCompile;

const Timestamp t0 = MakeTimestamp(2026, 5, 4, 10);

TEST(Switch, FirstMatchingCaseElseDefault)
{
	const GraphPtr graph = MustCompile(JourneyWith("s", Json::parse(R"({
		"s": {"switch": [{"when": {"attribute": "score", "op": ">=", "value": 90}, "next": "gold"},
						 {"when": {"attribute": "score", "op": ">=", "value": 50}, "next": "silver"}],
			  "default": "bronze"},
		"gold": {"exit": "gold"}, "silver": {"exit": "silver"}, "bronze": {"exit": "bronze"}
	})")));
	ASSERT_NE(graph, nullptr);
	FakeFacts facts;
	const auto medal = [&](Json score) {
		facts.attributes["score"] = std::move(score);
		InstanceState state;
		const StepResult result = Start(*graph, state, t0, facts);
		EXPECT_EQ(result.history.at(1).what, "branch");
		return state.exit_reason + " " + result.history.at(1).detail.dump();
	};
	EXPECT_EQ(medal(95), R"(gold {"case":0,"next":"gold"})");  // both cases hold: the first wins
	EXPECT_EQ(medal(60), R"(silver {"case":1,"next":"silver"})");
	EXPECT_EQ(medal(10), R"(bronze {"case":"default","next":"bronze"})");
	EXPECT_EQ(medal(nullptr), R"(bronze {"case":"default","next":"bronze"})");
}

TEST(StableHash, NeverChanges)
{
	// Pinned values: a change of the hash would move users between split arms of running journeys.
	EXPECT_EQ(StableHash({"a"}), 6228905960580743110ULL);
	EXPECT_EQ(StableHash({}), 17280346270528514342ULL);
	// Hundredths of a percent since percents have decimals; the whole percents (15, 13) are those users had.
	EXPECT_EQ(SplitBucket("j:1", "ab", "user-1"), 1521);
	EXPECT_EQ(SplitBucket("j:1", "ab", "user-2"), 1364);
	EXPECT_NE(StableHash({"ab", "c"}), StableHash({"a", "bc"}));
}

class SplitTest : public ::testing::Test {
protected:
	GraphPtr
	Compiled(const std::string &salt)
	{
		CompileOptions options;
		options.split_salt = salt;
		return MustCompile(JourneyWith("ab", Json::parse(R"({
			"ab": {"split": [{"label": "A", "percent": 50, "next": "a"}, {"label": "B", "percent": 30, "next": "b"},
							 {"label": "holdout", "percent": 20, "next": null}]},
			"a": {"exit": "got_a"}, "b": {"exit": "got_b"}
		})")), options);
	}

	std::string
	LabelOf(const Graph &graph, const std::string &user)
	{
		InstanceState state;
		state.user_id = user;
		Start(graph, state, t0, facts);
		return state.variant;
	}

	FakeFacts facts;
};

TEST_F(SplitTest, DeterministicPerUserAndVersion)
{
	const GraphPtr v1 = Compiled("j:1");
	const GraphPtr v1_again = Compiled("j:1");
	const GraphPtr v2 = Compiled("j:2");
	ASSERT_TRUE(v1 && v1_again && v2);
	int moved = 0;
	for (int i = 0; i < 1000; ++i) {
		const std::string user = "user-" + std::to_string(i);
		const std::string label = LabelOf(*v1, user);
		EXPECT_EQ(label, LabelOf(*v1, user));
		EXPECT_EQ(label, LabelOf(*v1_again, user));
		moved += label != LabelOf(*v2, user);
	}
	// Another version draws again: with arms 50/30/20 about 62% of users change arm.
	EXPECT_GT(moved, 450);
	EXPECT_LT(moved, 800);
	EXPECT_EQ(LabelOf(*v1, "user-1"), "A");	// bucket 15 < 50
}

TEST_F(SplitTest, DistributionFollowsThePercents)
{
	const GraphPtr graph = Compiled("cart_abandonment:7");
	ASSERT_NE(graph, nullptr);
	std::map<std::string, int> counts;
	for (int i = 0; i < 10000; ++i)
		++counts[LabelOf(*graph, "user-" + std::to_string(i))];
	EXPECT_NEAR(counts["A"], 5000, 250);
	EXPECT_NEAR(counts["B"], 3000, 250);
	EXPECT_NEAR(counts["holdout"], 2000, 250);
	EXPECT_EQ(counts["A"] + counts["B"] + counts["holdout"], 10000);
}

TEST_F(SplitTest, HoldoutEndsTheInstance)
{
	const GraphPtr graph = Compiled("j:1");
	ASSERT_NE(graph, nullptr);
	for (int i = 0;; ++i) {
		InstanceState state;
		state.user_id = "user-" + std::to_string(i);
		const StepResult result = Start(*graph, state, t0, facts);
		if (state.variant != "holdout") {
			EXPECT_EQ(state.exit_reason, "got_" + std::string(state.variant == "A" ? "a" : "b"));
			continue;
		}
		EXPECT_EQ(state.status, InstanceStatus::Completed);
		EXPECT_EQ(state.exit_reason, "holdout");
		EXPECT_EQ(state.ended_at, t0);
		ASSERT_EQ(result.history.size(), 3u);
		EXPECT_EQ(result.history[1].detail, Json::parse(R"({"label": "holdout", "next": null})"));
		EXPECT_EQ(result.history[2].what, "completed");
		EXPECT_EQ(result.history[2].node, graph->FindNode("ab"));
		break;
	}
}

class ParallelTest : public ::testing::Test {
protected:
	void
	SetUp() override
	{
		graph = MustCompile(JourneyWith("fork", Json::parse(R"({
			"fork": {"parallel": ["a", "b"]},
			"a": {"send": {"channel": "in_app", "template": "hello"}, "next": "wa"},
			"wa": {"wait": "1 hour", "next": "ea"},
			"ea": {"exit": "a_done"},
			"b": {"wait_for": {"event": "click"}, "timeout": "1 day", "on_event": "clicked", "on_timeout": "timed_out"},
			"clicked": {"exit": "clicked"},
			"timed_out": {"exit": "timed_out"}
		})")));
		ASSERT_NE(graph, nullptr);
		state.id = 5;
		start = Start(*graph, state, t0, facts);
	}

	NodeId
	Id(const char *name) const
	{
		return graph->FindNode(name);
	}

	GraphPtr graph;
	FakeFacts facts;
	InstanceState state;
	StepResult start;
};

TEST_F(ParallelTest, BranchesRunAtOnce)
{
	ASSERT_EQ(start.sends.size(), 1u);
	EXPECT_EQ(start.sends[0].dedup_key, "5:a:1");
	EXPECT_EQ(state.status, InstanceStatus::Active);
	// The branch that wakes first is node/wake_at; the other waits in other_branches.
	EXPECT_EQ(state.node, Id("wa"));
	EXPECT_EQ(state.wake_at, t0 + kMicrosPerHour);
	ASSERT_EQ(state.other_branches.size(), 1u);
	EXPECT_EQ(state.other_branches[0], (Branch{Id("b"), t0 + kMicrosPerDay}));
	EXPECT_EQ(WaitingEvents(*graph, state), (std::vector<std::string>{"click"}));
	EXPECT_TRUE(WaitForMatches(*graph, state, "click", Json::object(), t0 + 2 * kMicrosPerHour, facts));
}

TEST_F(ParallelTest, AnExitEndsItsBranchAndTheLastBranchEndsTheInstance)
{
	StepResult first = ResumeDue(*graph, state, t0 + kMicrosPerHour, facts);
	EXPECT_EQ(state.status, InstanceStatus::Active);  // branch a ended, b still waits
	EXPECT_EQ(first.history.back().what, "branch_ended");
	EXPECT_EQ(first.history.back().detail, Json::parse(R"({"reason": "a_done"})"));
	EXPECT_EQ(state.node, Id("b"));
	EXPECT_EQ(state.wake_at, t0 + kMicrosPerDay);
	EXPECT_TRUE(state.other_branches.empty());

	ResumeOnEvent(*graph, state, "click", Json::object(), t0 + 2 * kMicrosPerHour, facts);
	EXPECT_EQ(state.status, InstanceStatus::Completed);
	EXPECT_EQ(state.exit_reason, "clicked");  // the last branch's reason
	EXPECT_EQ(state.ended_at, t0 + 2 * kMicrosPerHour);
	EXPECT_EQ(state.node, kNoNode);
}

TEST_F(ParallelTest, BranchesDueTogetherResumeInOneStep)
{
	const StepResult result = ResumeDue(*graph, state, t0 + kMicrosPerDay, facts);
	EXPECT_EQ(state.status, InstanceStatus::Completed);
	EXPECT_EQ(state.exit_reason, "timed_out");
	std::vector<std::string> whats;
	for (const HistoryEffect &line : result.history)
		whats.push_back(line.what + ":" + graph->nodes[line.node].id);
	EXPECT_EQ(whats, (std::vector<std::string>{"resumed:wa", "resumed:b", "branch_ended:ea", "completed:timed_out"}));
}

TEST_F(ParallelTest, OnlyDueBranchesResume)
{
	ResumeDue(*graph, state, t0 + 2 * kMicrosPerHour, facts);
	EXPECT_EQ(state.node, Id("b"));	// a ended; b's timeout is not due
	EXPECT_EQ(state.visits[Id("b")], 1);
	EXPECT_EQ(state.visits[Id("timed_out")], 0);
}

TEST_F(ParallelTest, AnEventResumesOnlyTheBranchWaitingForIt)
{
	const StepResult result = ResumeOnEvent(*graph, state, "click", Json::object(), t0 + 10, facts);
	EXPECT_EQ(result.node_visits, 1);  // clicked
	EXPECT_EQ(state.status, InstanceStatus::Active);
	EXPECT_EQ(state.node, Id("wa"));
	EXPECT_TRUE(state.other_branches.empty());
	EXPECT_EQ(result.history.back().what, "branch_ended");
	// An event no branch waits for changes nothing.
	const InstanceState before = state;
	EXPECT_EQ(ResumeOnEvent(*graph, state, "other", Json::object(), t0 + 20, facts).node_visits, 0);
	EXPECT_EQ(state.last_step_at, before.last_step_at);
}

TEST_F(ParallelTest, ExitFromOutsideEndsEveryBranch)
{
	const StepResult result = ExitInstance(state, "exit_event", t0 + 5);
	EXPECT_EQ(state.status, InstanceStatus::Exited);
	EXPECT_EQ(state.node, kNoNode);
	EXPECT_TRUE(state.other_branches.empty());
	ASSERT_EQ(result.history.size(), 1u);
	EXPECT_EQ(result.history[0].what, "exited");
	EXPECT_EQ(result.history[0].detail, Json::parse(R"({"reason": "exit_event"})"));
	EXPECT_FALSE(WaitForMatches(*graph, state, "click", Json::object(), t0 + 6, facts));
}

TEST_F(ParallelTest, BranchesSerializeForTheLayer)
{
	const Json stored = BranchesToJson(*graph, state.other_branches);
	EXPECT_EQ(stored, Json::parse(R"([{"node": "b", "wake_at": "2026-05-05T10:00:00Z"}])"));
	InstanceState loaded;
	loaded.node = state.node;
	loaded.wake_at = state.wake_at;
	loaded.other_branches = BranchesFromJson(*graph, stored);
	EXPECT_EQ(Branches(loaded), Branches(state));
	EXPECT_TRUE(BranchesFromJson(*graph, nullptr).empty());
	EXPECT_THROW(BranchesFromJson(*graph, Json::parse(R"([{"node": "gone"}])")), StepError);
	EXPECT_THROW(BranchesFromJson(*graph, Json::parse(R"([{"node": "b", "wake_at": "soon"}])")), StepError);
	EXPECT_EQ(BranchesFromJson(*graph, Json::parse(R"([{"node": "b", "wake_at": "2026-05-05T12:00:00.5+02:00"}])"))[0]
				  .wake_at,
			  MakeTimestamp(2026, 5, 5, 10) + 500000);
}

TEST(Parallel, NestedParallelNodes)
{
	const GraphPtr graph = MustCompile(JourneyWith("p1", Json::parse(R"({
		"p1": {"parallel": ["p2", "c"]},
		"p2": {"parallel": ["x", "y"]},
		"x": {"wait": "3 hours", "next": "end"},
		"y": {"wait": "1 hour", "next": "end"},
		"c": {"wait": "2 hours", "next": "end"},
		"end": {"exit": "completed"}
	})")));
	ASSERT_NE(graph, nullptr);
	FakeFacts facts;
	InstanceState state;
	Start(*graph, state, t0, facts);
	std::vector<std::string> order;
	for (const Branch &branch : Branches(state))
		order.push_back(graph->nodes[branch.node].id);
	EXPECT_EQ(order, (std::vector<std::string>{"y", "c", "x"}));  // by wake time
	ResumeDue(*graph, state, t0 + kMicrosPerHour, facts);
	ResumeDue(*graph, state, t0 + 2 * kMicrosPerHour, facts);
	EXPECT_EQ(state.status, InstanceStatus::Active);
	EXPECT_EQ(state.visits[graph->FindNode("end")], 2);
	ResumeDue(*graph, state, t0 + 3 * kMicrosPerHour, facts);
	EXPECT_EQ(state.status, InstanceStatus::Completed);
	EXPECT_EQ(state.visits[graph->FindNode("end")], 3);
}

TEST(Parallel, TooManyBranchesFailTheStep)
{
	// Each lap of the loop leaves one more branch waiting a year.
	const GraphPtr graph = MustCompile(JourneyWith("fork", Json::parse(R"({
		"fork": {"parallel": ["lap", "hold"]},
		"lap": {"wait": "1 minute", "next": "fork"},
		"hold": {"wait": "365 days", "next": "end"},
		"end": {"exit": "completed"}
	})")));
	ASSERT_NE(graph, nullptr);
	FakeFacts facts;
	InstanceState state;
	Start(*graph, state, t0, facts);
	size_t laps = 0;
	EXPECT_THROW(
		{
			for (; laps < 1000; ++laps)
				ResumeDue(*graph, state, *state.wake_at, facts);
		},
		StepError);
	EXPECT_EQ(laps, kMaxBranches - 2);
}

}	 // namespace
}	 // namespace journey
