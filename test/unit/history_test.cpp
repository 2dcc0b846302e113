// The timeline the evaluator records (journey.simulate, journey.user_history), and turning it off.
#include "cart_journey.hpp"
#include "core/evaluator.hpp"
#include "fake_facts.hpp"
#include "journey_test_util.hpp"

#include <gtest/gtest.h>

namespace journey {
namespace {

using testing::FakeFacts;
using testing::MustCompile;

const Timestamp t0 = MakeTimestamp(2026, 11, 23, 10);

std::vector<std::string>
Lines(const Graph &graph, const StepResult &result)
{
	std::vector<std::string> lines;
	for (const HistoryEffect &line : result.history)
		lines.push_back(FormatTimestamp(line.at) + " " + (line.node == kNoNode ? "-" : graph.nodes[line.node].id) + " " +
						line.what + " " + line.detail.dump());
	return lines;
}

TEST(History, TheCartJourney)
{
	const GraphPtr graph = MustCompile(testing::CartJourney());
	ASSERT_NE(graph, nullptr);
	FakeFacts facts;
	facts.SetContact("push", "device-token");
	InstanceState state;
	state.id = 42;
	EXPECT_EQ(Lines(*graph, Start(*graph, state, t0, facts)),
			  (std::vector<std::string>{
				  R"(2026-11-23T10:00:00Z wait entered {})",
				  R"(2026-11-23T10:00:00Z wait waiting {"until":"2026-11-23T12:00:00Z"})",
			  }));
	EXPECT_EQ(Lines(*graph, ResumeDue(*graph, state, *state.wake_at, facts)),
			  (std::vector<std::string>{
				  R"(2026-11-23T12:00:00Z wait resumed {"by":"time"})",
				  R"(2026-11-23T12:00:00Z check branch {"next":"push?","result":false})",
				  R"(2026-11-23T12:00:00Z push? branch {"next":"push","result":true})",
				  R"(2026-11-23T12:00:00Z push sent {"channel":"push","dedup_key":"42:push:1","template":"cart_reminder"})",
				  R"(2026-11-23T12:00:00Z email suppressed {"channel":"email","dedup_key":"42:email:1","reason":"not reachable on channel email: no contact","template":"cart_similar"})",
				  R"(2026-11-23T12:00:00Z done completed {"reason":"completed"})",
			  }));
}

TEST(History, WaitForAndExits)
{
	const GraphPtr graph = MustCompile(Json::parse(R"({
		"name": "welcome", "trigger": {"event": "signup"}, "entry": {"key": "team"}, "start": "w",
		"nodes": {"w": {"wait_for": {"event": "opened"}, "timeout": "1 day", "on_event": "end", "on_timeout": "end"},
				  "end": {"exit": "completed"}}
	})"));
	ASSERT_NE(graph, nullptr);
	FakeFacts facts;
	InstanceState state;
	state.entry_key = "t1";
	EXPECT_EQ(Lines(*graph, Start(*graph, state, t0, facts)),
			  (std::vector<std::string>{
				  R"(2026-11-23T10:00:00Z w entered {"key":"t1"})",
				  R"(2026-11-23T10:00:00Z w waiting {"event":"opened","until":"2026-11-24T10:00:00Z"})",
			  }));
	InstanceState held = state;
	EXPECT_EQ(Lines(*graph, ResumeOnEvent(*graph, held, t0 + 5, facts)).front(),
			  R"(2026-11-23T10:00:00.000005Z w resumed {"by":"event","event":"opened"})");
	InstanceState timed_out = state;
	EXPECT_EQ(Lines(*graph, ResumeDue(*graph, timed_out, t0 + kMicrosPerDay, facts)).front(),
			  R"(2026-11-24T10:00:00Z w resumed {"by":"timeout"})");
	EXPECT_EQ(Lines(*graph, ExitInstance(state, "archived", t0 + 7)),
			  (std::vector<std::string>{R"(2026-11-23T10:00:00.000007Z w exited {"reason":"archived"})"}));
}

TEST(History, CanBeTurnedOffWithTheSameEffects)
{
	const GraphPtr graph = MustCompile(testing::CartJourney());
	ASSERT_NE(graph, nullptr);
	FakeFacts facts;
	facts.SetContact("email", "ann@example.com");
	InstanceState with, without;
	with.id = without.id = 1;
	StepOptions quiet;
	quiet.record_history = false;
	EXPECT_TRUE(Start(*graph, without, t0, facts, quiet).history.empty());
	Start(*graph, with, t0, facts);
	const StepResult recorded = ResumeDue(*graph, with, *with.wake_at, facts);
	const StepResult silent = ResumeDue(*graph, without, *without.wake_at, facts, quiet);
	EXPECT_TRUE(silent.history.empty());
	EXPECT_FALSE(recorded.history.empty());
	ASSERT_EQ(silent.sends.size(), recorded.sends.size());
	EXPECT_EQ(silent.sends[0].payload, recorded.sends[0].payload);
	EXPECT_EQ(silent.node_visits, recorded.node_visits);
	EXPECT_EQ(without.exit_reason, with.exit_reason);
}

// journey.user_history: an instance that keeps its history gets every line of every step, on the hot path too
// (StepOptions without record_history), nodes by their index in the graph.
TEST(History, KeptOnTheInstance)
{
	const GraphPtr graph = MustCompile(testing::CartJourney());
	ASSERT_NE(graph, nullptr);
	FakeFacts facts;
	facts.SetContact("push", "device-token");
	InstanceState state;
	state.id = 42;
	state.keep_history = true;
	StepOptions hot;
	hot.record_history = false;
	EXPECT_TRUE(Start(*graph, state, t0, facts, hot).history.empty());
	ResumeDue(*graph, state, *state.wake_at, facts, hot);
	const auto n = [&](const char *id) { return std::to_string(graph->FindNode(id)); };
	EXPECT_EQ(state.history,
			  R"({"at":"2026-11-23T10:00:00Z","detail":{},"n":)" + n("wait") + R"(,"what":"entered"})" "\n"
			  R"({"at":"2026-11-23T10:00:00Z","detail":{"until":"2026-11-23T12:00:00Z"},"n":)" + n("wait") + R"(,"what":"waiting"})" "\n"
			  R"({"at":"2026-11-23T12:00:00Z","detail":{"by":"time"},"n":)" + n("wait") + R"(,"what":"resumed"})" "\n"
			  R"({"at":"2026-11-23T12:00:00Z","detail":{"next":"push?","result":false},"n":)" + n("check") + R"(,"what":"branch"})" "\n"
			  R"({"at":"2026-11-23T12:00:00Z","detail":{"next":"push","result":true},"n":)" + n("push?") + R"(,"what":"branch"})" "\n"
			  R"({"at":"2026-11-23T12:00:00Z","detail":{"channel":"push","dedup_key":"42:push:1","template":"cart_reminder"},"n":)" + n("push") + R"(,"what":"sent"})" "\n"
			  R"({"at":"2026-11-23T12:00:00Z","detail":{"channel":"email","dedup_key":"42:email:1","reason":"not reachable on channel email: no contact","template":"cart_similar"},"n":)" + n("email") + R"(,"what":"suppressed"})" "\n"
			  R"({"at":"2026-11-23T12:00:00Z","detail":{"reason":"completed"},"n":)" + n("done") + R"(,"what":"completed"})" "\n");
	InstanceState failed;
	failed.keep_history = true;
	failed.history = "earlier\n";
	FailInstance(failed, "boom", t0);
	EXPECT_EQ(failed.history, "earlier\n" R"({"at":"2026-11-23T10:00:00Z","detail":{"error":"boom"},"what":"failed"})" "\n");
	InstanceState off;
	Start(*graph, off, t0, facts, hot);
	EXPECT_TRUE(off.history.empty());
}

TEST(History, OldestLinesGiveWay)
{
	InstanceState state;
	state.keep_history = true;
	HistoryEffect line{t0, 3, "visited", Json::object({{"pad", std::string(100, 'x')}})};
	for (int k = 0; k < 2000; k++) {
		line.at = t0 + k;
		AppendHistoryLine(state, line);
		ASSERT_LE(state.history.size(), kMaxHistoryBytes);
	}
	EXPECT_GT(state.history.size(), kMaxHistoryBytes / 2);
	EXPECT_EQ(state.history.front(), '{');	 // whole lines only
	EXPECT_EQ(state.history.back(), '\n');
	EXPECT_NE(state.history.find(FormatTimestamp(t0 + 1999)), std::string::npos);	 // the newest is kept
	EXPECT_EQ(state.history.find(FormatTimestamp(t0 + 1)), std::string::npos);	 // the oldest went
}

}	 // namespace
}	 // namespace journey
