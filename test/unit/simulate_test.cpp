// journey.simulate in the core: the SPEC §5 cart journey with its goal, and the rules of the dry run.
#include "cart_journey.hpp"
#include "core/simulate.hpp"
#include "fake_facts.hpp"
#include "journey_test_util.hpp"

#include <gtest/gtest.h>

namespace journey {
namespace {

using testing::CartJourney;
using testing::FakeFacts;
using testing::MustCompile;

const Timestamp t0 = MakeTimestamp(2026, 11, 23, 10);

std::vector<std::string>
Timeline(const Graph &graph, const std::vector<HistoryEffect> &history)
{
	std::vector<std::string> lines;
	for (const HistoryEffect &line : history) {
		std::string text = FormatTimestamp(line.at).substr(11, 5) + " " +
						   (line.node == kNoNode ? "-" : graph.nodes[line.node].id) + " " + line.what;
		if (line.what == "branch" || line.what == "completed" || line.what == "exited" || line.what == "converted" ||
			line.what == "not_entered" || line.what == "updated")
			text += " " + line.detail.dump();
		lines.push_back(text);
	}
	return lines;
}

class SimulateCart : public ::testing::Test {
protected:
	void
	SetUp() override
	{
		graph = MustCompile(CartJourney());
		ASSERT_NE(graph, nullptr);
		facts.SetContact("email", "ann@example.com");
		input.user_id = "ann";
		input.until = t0 + 10 * kMicrosPerDay;
		input.events.push_back({"add_to_cart", t0, Json::parse(R"({"sku": "SKU-1"})")});
	}

	std::vector<std::string>
	Run()
	{
		return Timeline(*graph, Simulate(*graph, input, facts));
	}

	GraphPtr graph;
	FakeFacts facts;
	SimulationInput input;
};

TEST_F(SimulateCart, AbandonedCartGetsTheEmail)
{
	const std::vector<HistoryEffect> history = Simulate(*graph, input, facts);
	EXPECT_EQ(Timeline(*graph, history), (std::vector<std::string>{
											  "10:00 wait entered",
											  "10:00 wait waiting",
											  "12:00 wait resumed",
											  R"(12:00 check branch {"next":"push?","result":false})",
											  R"(12:00 push? branch {"next":"email","result":false})",
											  "12:00 email sent",
											  R"(12:00 done completed {"reason":"completed"})",
										  }));
	EXPECT_EQ(history[5].detail["dedup_key"], "0:email:1");
	EXPECT_TRUE(facts.events.empty());	// nothing written
}

TEST_F(SimulateCart, CheckoutBeforeTheReminderExitsAndConverts)
{
	input.events.push_back({"checkout", t0 + kMicrosPerHour, Json::object()});
	EXPECT_EQ(Run(), (std::vector<std::string>{
						 "10:00 wait entered",
						 "10:00 wait waiting",
						 R"(11:00 wait exited {"reason":"exit_event"})",  // exit_when first,
						 R"(11:00 - converted {"event":"checkout"})",	   // then the goal
					 }));
}

TEST_F(SimulateCart, ConversionAfterTheEndCountsWithinTheGoalWindow)
{
	input.events.push_back({"checkout", t0 + 3 * kMicrosPerDay, Json::object()});
	std::vector<std::string> lines = Run();
	ASSERT_EQ(lines.size(), 8u);
	EXPECT_EQ(lines[6], R"(12:00 done completed {"reason":"completed"})");
	EXPECT_EQ(lines[7], R"(10:00 - converted {"event":"checkout"})");

	input.events.back().at = t0 + 8 * kMicrosPerDay;	// beyond "within": "7 days"
	lines = Run();
	EXPECT_EQ(lines.size(), 7u);
}

TEST_F(SimulateCart, EventConditionsCountOnlyTheSimulatedEvents)
{
	facts.AddEvent("checkout", t0 + kMicrosPerHour);  // in the database, not in the simulation
	const std::vector<std::string> lines = Run();
	EXPECT_EQ(lines[3], R"(12:00 check branch {"next":"push?","result":false})");
}

TEST_F(SimulateCart, NothingHappensAfterUntil)
{
	input.until = t0 + kMicrosPerHour;
	EXPECT_EQ(Run(), (std::vector<std::string>{"10:00 wait entered", "10:00 wait waiting"}));
	input.until = t0 - 1;
	EXPECT_TRUE(Run().empty());
}

TEST_F(SimulateCart, EventsAreTakenInTimeOrder)
{
	input.events.insert(input.events.begin(), {"checkout", t0 + kMicrosPerHour, Json::object()});
	const std::vector<std::string> lines = Run();
	ASSERT_EQ(lines.size(), 4u);
	EXPECT_EQ(lines[0], "10:00 wait entered");
	EXPECT_EQ(lines[2], R"(11:00 wait exited {"reason":"exit_event"})");
}

TEST(Simulate, GoalWithExitEndsTheInstance)
{
	Json definition = CartJourney();
	definition.erase("exit_when");
	definition["goal"] = Json::parse(R"({"event": "checkout", "within": "7 days", "exit": true})");
	const GraphPtr graph = MustCompile(definition);
	ASSERT_NE(graph, nullptr);
	FakeFacts facts;
	SimulationInput input;
	input.until = t0 + kMicrosPerDay;
	input.events = {{"add_to_cart", t0, Json::object()}, {"checkout", t0 + kMicrosPerHour, Json::object()}};
	EXPECT_EQ(Timeline(*graph, Simulate(*graph, input, facts)),
			  (std::vector<std::string>{
				  "10:00 wait entered",
				  "10:00 wait waiting",
				  R"(11:00 wait converted {"event":"checkout"})",
				  R"(11:00 wait exited {"reason":"goal"})",
			  }));
}

TEST(Simulate, WaitForResumesAndTheEntryRulesOfTheTrigger)
{
	const GraphPtr graph = MustCompile(Json::parse(R"({
		"name": "welcome", "trigger": {"event": "signup", "where": {"prop": "plan", "op": "=", "value": "pro"}},
		"entry": {"when": {"attribute": "banned", "op": "not_exists"}},
		"start": "w",
		"nodes": {"w": {"wait_for": {"event": "opened"}, "timeout": "1 day", "on_event": "yay", "on_timeout": "meh"},
				  "yay": {"exit": "opened"}, "meh": {"exit": "ignored"}}
	})"));
	ASSERT_NE(graph, nullptr);
	FakeFacts facts;
	SimulationInput input;
	input.until = t0 + 2 * kMicrosPerDay;
	input.events = {{"signup", t0, Json::parse(R"({"plan": "free"})")},  // the trigger's where fails
					{"signup", t0 + kMicrosPerHour, Json::parse(R"({"plan": "pro"})")},
					{"opened", t0 + 2 * kMicrosPerHour, Json::object()}};
	EXPECT_EQ(Timeline(*graph, Simulate(*graph, input, facts)),
			  (std::vector<std::string>{"11:00 w entered", "11:00 w waiting", "12:00 w resumed",
										R"(12:00 yay completed {"reason":"opened"})"}));
	// entry.when refuses: a not_entered line, and no instance.
	facts.attributes["banned"] = true;
	const std::vector<std::string> refused = Timeline(*graph, Simulate(*graph, input, facts));
	ASSERT_EQ(refused.size(), 1u);
	EXPECT_EQ(refused[0], R"(11:00 - not_entered {"event":"signup","reason":"the entry condition (entry.when) does not hold"})");
}

TEST(Simulate, ManualJourneysAndUpdatesKeptInMemory)
{
	CompileOptions options;
	options.allowed_functions = {"score_of"};
	const GraphPtr graph = MustCompile(Json::parse(R"({
		"name": "nurture", "trigger": {"manual": true}, "start": "score",
		"nodes": {
			"score": {"call": "score_of", "into": "s", "next": "bump"},
			"bump": {"update": {"points": {"add": 50}}, "next": "later"},
			"later": {"wait": "1 day", "next": "hot?"},
			"hot?": {"if": {"attribute": "points", "op": ">=", "value": 100}, "then": "hot", "else": "cold"},
			"hot": {"exit": "hot"}, "cold": {"exit": "cold"}
		}
	})"), options);
	ASSERT_NE(graph, nullptr);
	FakeFacts facts;
	facts.attributes["points"] = 60;
	facts.functions["score_of"] = [](const std::string &user, const Json &) { return Json(user.size()); };
	SimulationInput input;
	input.user_id = "bob";
	input.until = t0 + 2 * kMicrosPerDay;
	input.events = {{"page_view", t0 + kMicrosPerHour, Json::object()}};
	const std::vector<std::string> lines = Timeline(*graph, Simulate(*graph, input, facts));
	EXPECT_EQ(lines, (std::vector<std::string>{
						 "11:00 score entered", "11:00 score called",
						 R"(11:00 bump updated {"attribute":"points","op":"add","value":110})",
						 "11:00 later waiting", "11:00 later resumed",
						 R"(11:00 hot? branch {"next":"hot","result":true})",  // the update, a day later
						 R"(11:00 hot completed {"reason":"hot"})",
					 }));
	EXPECT_EQ(facts.attributes["points"], 60);	// not written
	ASSERT_EQ(facts.calls.size(), 1u);			// a real call
	EXPECT_EQ(facts.calls[0].user_id, "bob");

	// enter_at: as journey.enroll would.
	input.enter_at = t0;
	EXPECT_EQ(Timeline(*graph, Simulate(*graph, input, facts)).front(), "10:00 score entered");
}

TEST(Simulate, AFailingStepEndsTheSimulatedInstance)
{
	CompileOptions options;
	options.allowed_functions = {"missing"};
	const GraphPtr graph = MustCompile(testing::JourneyWith("w", Json::parse(R"({
		"w": {"wait": "1 hour", "next": "c"},
		"c": {"call": "missing", "into": "x", "next": "end"},
		"end": {"exit": "completed"}
	})")), options);
	ASSERT_NE(graph, nullptr);
	FakeFacts facts;
	SimulationInput input;
	input.until = t0 + kMicrosPerDay;
	input.events = {{"go", t0, Json::object()}};
	const std::vector<HistoryEffect> history = Simulate(*graph, input, facts);
	// The failed step leaves nothing but the failure (as the engine rolls a failed step back).
	ASSERT_EQ(history.size(), 3u);
	EXPECT_EQ(history[2].what, "failed");
	EXPECT_EQ(history[2].at, t0 + kMicrosPerHour);
	EXPECT_EQ(history[2].node, graph->FindNode("w"));
	EXPECT_EQ(history[2].detail["error"], "function \"missing\" does not exist");
}

TEST(Simulate, ParseEvents)
{
	const std::vector<SimEvent> events = ParseSimulationEvents(Json::parse(R"([
		{"name": "add_to_cart", "at": "2026-11-23T10:00:00Z", "props": {"sku": "A"}},
		{"name": "checkout", "at": "2026-11-23 12:00:00+01:00"}
	])"));
	ASSERT_EQ(events.size(), 2u);
	EXPECT_EQ(events[0].at, t0);
	EXPECT_EQ(events[0].props["sku"], "A");
	EXPECT_EQ(events[1].at, t0 + kMicrosPerHour);
	EXPECT_EQ(events[1].props, Json::object());
	EXPECT_TRUE(ParseSimulationEvents(nullptr).empty());
	const auto error_of = [](const char *text) {
		try {
			ParseSimulationEvents(Json::parse(text));
		} catch (const std::invalid_argument &error) {
			return std::string(error.what());
		}
		return std::string("no error");
	};
	EXPECT_EQ(error_of(R"({"name": "x"})"), R"(events: expected an array of {"name": N, "at": TIMESTAMP, "props": {..}})");
	EXPECT_EQ(error_of(R"([{"at": "2026-11-23T10:00:00Z"}])"), "events[0].name: expected a non-empty string");
	EXPECT_NE(error_of(R"([{"name": "x", "at": "2026-11-23T10:00:00"}])").find("events[0].at:"), std::string::npos);
	EXPECT_EQ(error_of(R"([{"name": "x", "at": "2026-11-23T10:00:00Z", "props": 3}])"),
			  "events[0].props: expected an object");
	EXPECT_EQ(error_of(R"([{"name": "x", "at": "2026-11-23T10:00:00Z", "user": "u"}])"),
			  R"(events[0].user: unknown key "user")");
}

}	 // namespace
}	 // namespace journey
