// The timeline the evaluator records (journey.simulate, journey.user_history), and turning it off.
#include "cart_journey.hpp"
#include "core/evaluator.hpp"
#include "fake_facts.hpp"
#include "journey_test_util.hpp"

#include <gtest/gtest.h>

#include <optional>

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
// (StepOptions without record_history), in history.cpp's compact form: "T|N|W|D", the time only when it changes,
// nodes by their index in the graph, a code for what happened, details without what the definition tells.
std::string
Kept(std::optional<Timestamp> at, NodeId node, const std::string &code, const std::string &detail)
{
	return (at ? std::to_string(*at) : "") + "|" + (node == kNoNode ? "" : std::to_string(node)) + "|" + code + "|" +
		   detail + "\n";
}

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
	const auto n = [&](const char *id) { return graph->FindNode(id); };
	const Timestamp t2 = t0 + 2 * kMicrosPerHour;
	EXPECT_EQ(state.history,
			  Kept(t0, n("wait"), "e", "") + Kept({}, n("wait"), "w", R"({"until":"2026-11-23T12:00:00Z"})") +
				  Kept(t2, n("wait"), "r", R"({"by":"time"})") +
				  Kept({}, n("check"), "b", R"({"result":false})") + Kept({}, n("push?"), "b", R"({"result":true})") +
				  Kept({}, n("push"), "s", R"({"v":1})") +
				  Kept({}, n("email"), "x", R"({"v":1,"reason":"not reachable on channel email: no contact"})") +
				  Kept({}, n("done"), "o", R"({"reason":"completed"})"));
	// The same lines whether the timeline is recorded too (journey.simulate's) or not.
	InstanceState recorded;
	recorded.id = 42;
	recorded.keep_history = true;
	StepResult first = Start(*graph, recorded, t0, facts);
	StepResult second = ResumeDue(*graph, recorded, *recorded.wake_at, facts);
	EXPECT_EQ(recorded.history, state.history);
	EXPECT_EQ(first.history.size() + second.history.size(), 8u);
	// An instance loaded again (a new state) writes the time of its first line.
	InstanceState failed;
	failed.keep_history = true;
	failed.history = "earlier\n";
	FailInstance(failed, "boom", t0);
	EXPECT_EQ(failed.history, "earlier\n" + Kept(t0, kNoNode, "f", R"({"error":"boom"})"));
	InstanceState off;
	Start(*graph, off, t0, facts, hot);
	EXPECT_TRUE(off.history.empty());
}

TEST(History, OldestLinesGiveWay)
{
	InstanceState state;
	state.keep_history = true;
	const Json pad = Json::object({{"pad", std::string(100, 'x')}});
	for (int k = 0; k < 2000; k++) {
		AppendHistoryLine(state, t0 + k, 3, "visited", pad);
		ASSERT_LE(state.history.size(), kMaxHistoryBytes);
	}
	EXPECT_GT(state.history.size(), kMaxHistoryBytes / 2);
	EXPECT_EQ(state.history.front(), std::to_string(t0)[0]);	 // whole lines only (each with its time here)
	EXPECT_EQ(state.history.back(), '\n');
	EXPECT_NE(state.history.find(std::to_string(t0 + 1999)), std::string::npos);	 // the newest is kept
	EXPECT_EQ(state.history.find(std::to_string(t0 + 1) + "|"), std::string::npos);	 // the oldest went
	EXPECT_EQ(KeptHistoryFrom(state.history.data(), state.history.size()), 0u);
	const std::string big(kMaxHistoryBytes + 10, 'x');
	EXPECT_EQ(KeptHistoryFrom(big.data(), big.size()), big.size());	// no line end: nothing whole to keep
}

}	 // namespace
}	 // namespace journey
