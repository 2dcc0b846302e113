// update nodes (effects for the caller, an overlay for the rest of the walk) and call nodes (results in context).
#include "core/evaluator.hpp"
#include "fake_facts.hpp"
#include "fake_zones.hpp"
#include "journey_test_util.hpp"

#include <gtest/gtest.h>

namespace journey {
namespace {

using testing::FakeFacts;
using testing::JourneyWith;
using testing::MustCompile;

const Timestamp t0 = MakeTimestamp(2026, 5, 4, 10);

TEST(Update, ALaterIfSeesTheNewValue)
{
	const GraphPtr graph = MustCompile(JourneyWith("bump", Json::parse(R"({
		"bump": {"update": {"score": {"add": 10}}, "next": "vip?"},
		"vip?": {"if": {"attribute": "score", "op": ">=", "value": 100}, "then": "vip", "else": "regular"},
		"vip": {"send": {"channel": "in_app", "template": "vip", "data": {"score": "{{user.score}}"}}, "next": "end"},
		"regular": {"exit": "regular"},
		"end": {"exit": "vip"}
	})")));
	ASSERT_NE(graph, nullptr);
	FakeFacts facts;
	facts.attributes["score"] = 95;
	InstanceState state;
	const StepResult result = Start(*graph, state, t0, facts);
	EXPECT_EQ(state.exit_reason, "vip");
	ASSERT_EQ(result.updates.size(), 1u);
	const UpdateEffect &update = result.updates[0];
	EXPECT_EQ(update.node, graph->FindNode("bump"));
	EXPECT_EQ(update.attribute, "score");
	EXPECT_EQ(update.op, UpdateOp::Add);
	EXPECT_EQ(update.operand, 10);
	EXPECT_EQ(update.value, 105);
	EXPECT_EQ(update.at, t0);
	ASSERT_EQ(result.sends.size(), 1u);
	EXPECT_EQ(result.sends[0].payload["data"]["score"], "105");	// templates see it too
	EXPECT_EQ(facts.attributes["score"], 95);  // the caller applies the effect; Facts is not written

	// The overlay lives for one walk: the next call reads the caller's Facts again.
	facts.attributes["score"] = 50;
	Start(*graph, state, t0, facts);
	EXPECT_EQ(state.exit_reason, "regular");
}

TEST(Update, Operations)
{
	const GraphPtr graph = MustCompile(JourneyWith("u", Json::parse(R"({
		"u": {"update": {"count": {"add": 1}, "ratio": {"add": 0.5}, "plan": {"set": "{{event.plan}}"},
						 "tags": {"set": ["a", "{{context.tag}}"]}, "legacy": {"unset": true},
						 "trial_end": {"add": "7 days"}, "renewal": {"add": "1 mon"}, "since": {"add": "-1 day"}},
			  "next": "end"},
		"end": {"exit": "completed"}
	})")));
	ASSERT_NE(graph, nullptr);
	FakeFacts facts;
	facts.attributes["ratio"] = 2;
	facts.attributes["legacy"] = "x";
	facts.attributes["renewal"] = "2026-01-31";
	facts.attributes["since"] = "2026-03-29T12:00:00+02:00";
	InstanceState state;
	state.event = Json::parse(R"({"plan": "pro"})");
	state.context = Json::parse(R"({"tag": "b"})");
	const StepResult result = Start(*graph, state, t0, facts);
	std::map<std::string, std::string> values;
	for (const UpdateEffect &update : result.updates)
		values[update.attribute] = std::string(UpdateOpName(update.op)) + " " + update.operand.dump() + " -> " +
								   update.value.dump();
	EXPECT_EQ(values["count"], "add 1 -> 1");  // missing counts as 0
	EXPECT_EQ(values["ratio"], "add 0.5 -> 2.5");
	EXPECT_EQ(values["plan"], R"(set "pro" -> "pro")");
	EXPECT_EQ(values["tags"], R"(set ["a","b"] -> ["a","b"])");
	EXPECT_EQ(values["legacy"], "unset null -> null");
	EXPECT_EQ(values["trial_end"], R"(add "7 days" -> "2026-05-11T10:00:00Z")");  // missing: from now
	EXPECT_EQ(values["renewal"], R"(add "1 mon" -> "2026-02-28")");				 // a date stays a date
	EXPECT_EQ(values["since"], R"(add "-1 days" -> "2026-03-28T10:00:00Z")");	 // UTC user: 24 hours
	EXPECT_EQ(result.updates.size(), 8u);
}

TEST(Update, DurationsMoveTheWallClockInTheUsersZone)
{
	const GraphPtr graph = MustCompile(JourneyWith("u", Json::parse(R"({
		"u": {"update": {"since": {"add": "-1 day"}}, "next": "end"}, "end": {"exit": "completed"}
	})")));
	ASSERT_NE(graph, nullptr);
	testing::FakeZones zones;
	FakeFacts facts;
	facts.zones = &zones;
	facts.time_zone = "Test/Europe";
	facts.attributes["since"] = "2026-03-29T12:00:00+02:00";  // noon in Paris, the day clocks went forward
	InstanceState state;
	const StepResult result = Start(*graph, state, t0, facts);
	ASSERT_EQ(result.updates.size(), 1u);
	EXPECT_EQ(result.updates[0].value, "2026-03-28T11:00:00Z");	// 12:00 local the day before, at +01
}

TEST(Update, AddingToAValueThatIsNotANumberFailsTheStep)
{
	const GraphPtr graph = MustCompile(JourneyWith("u", Json::parse(R"({
		"u": {"update": {"score": {"add": 1}}, "next": "end"}, "end": {"exit": "completed"}
	})")));
	ASSERT_NE(graph, nullptr);
	FakeFacts facts;
	facts.attributes["score"] = "high";
	InstanceState state;
	EXPECT_THROW(Start(*graph, state, t0, facts), StepError);
	facts.attributes["score"] = 9223372036854775807LL;	 // overflows int64: a float then
	const StepResult result = Start(*graph, state, t0, facts);
	EXPECT_TRUE(result.updates.at(0).value.is_number_float());
}

TEST(Call, ResultGoesIntoTheContextAndTemplates)
{
	CompileOptions options;
	options.allowed_functions = {"app.recommend_courses"};
	const GraphPtr graph = MustCompile(JourneyWith("recs", Json::parse(R"({
		"recs": {"call": "app.recommend_courses", "into": "recs", "next": "has?"},
		"has?": {"if": {"attribute": "x", "op": "not_exists"}, "then": "mail", "else": "end"},
		"mail": {"send": {"channel": "in_app", "template": "courses",
						  "data": {"first": "{{context.recs.top}}", "n": "{{context.recs.count}}",
								   "second": "{{context.recs.list.1}}"}}, "next": "end"},
		"end": {"exit": "completed"}
	})")), options);
	ASSERT_NE(graph, nullptr);
	FakeFacts facts;
	facts.functions["app.recommend_courses"] = [](const std::string &user, const Json &context) {
		return Json{{"top", "SQL 101 for " + user}, {"count", 2}, {"list", {"SQL 101", "C++ 20"}}, {"seen", context}};
	};
	InstanceState state;
	state.user_id = "ann";
	state.context = Json::parse(R"({"source": "signup"})");
	const StepResult result = Start(*graph, state, t0, facts);
	ASSERT_EQ(facts.calls.size(), 1u);
	EXPECT_EQ(facts.calls[0].function, "app.recommend_courses");
	EXPECT_EQ(facts.calls[0].user_id, "ann");
	EXPECT_EQ(facts.calls[0].context, Json::parse(R"({"source": "signup"})"));
	EXPECT_EQ(state.context["recs"]["top"], "SQL 101 for ann");
	EXPECT_EQ(state.context["source"], "signup");
	ASSERT_EQ(result.sends.size(), 1u);
	EXPECT_EQ(result.sends[0].payload["data"],
			  Json::parse(R"({"first": "SQL 101 for ann", "n": "2", "second": "C++ 20"})"));
	EXPECT_EQ(result.history.at(1).what, "called");
	EXPECT_EQ(result.history.at(1).detail, Json::parse(R"({"function": "app.recommend_courses", "into": "recs"})"));
}

TEST(Call, AFailingCallFailsTheStep)
{
	CompileOptions options;
	options.allowed_functions = {"boom"};
	const GraphPtr graph = MustCompile(JourneyWith("c", Json::parse(R"({
		"c": {"call": "boom", "into": "k", "next": "end"}, "end": {"exit": "completed"}
	})")), options);
	ASSERT_NE(graph, nullptr);
	FakeFacts facts;
	facts.functions["boom"] = [](const std::string &, const Json &) -> Json {
		throw std::runtime_error("division by zero");
	};
	InstanceState state;
	EXPECT_THROW(Start(*graph, state, t0, facts), std::runtime_error);
	// The Facts default has no function at all.
	class NoCalls : public FakeFacts {
	public:
		Json
		Call(const std::string &function, const std::string &user_id, const Json &context) override
		{
			return Facts::Call(function, user_id, context);
		}
	} none;
	EXPECT_THROW(Start(*graph, state, t0, none), StepError);
	const StepResult failed = FailInstance(state, "division by zero", t0);
	EXPECT_EQ(state.status, InstanceStatus::Failed);
	EXPECT_EQ(failed.history.at(0).what, "failed");
	EXPECT_EQ(failed.history.at(0).detail, Json::parse(R"({"error": "division by zero"})"));
}

}	 // namespace
}	 // namespace journey
