// Conditions: every op, type mismatches, props, events (since/within/count/where), reachability,
// combinators.
#include "core/compile.hpp"
#include "core/evaluator.hpp"
#include "fake_facts.hpp"

#include <gtest/gtest.h>

namespace journey {
namespace {

using testing::FakeFacts;

// A journey whose "c" node tests `condition` (placed in a wait_for's where when it uses props).
GraphPtr
GraphWith(const Json &condition, bool in_where = false)
{
	Json definition = Json::parse(R"({"name": "t", "trigger": {"event": "x"}, "start": "c",
									  "nodes": {"e": {"exit": "done"}}})");
	if (in_where)
		definition["nodes"]["c"] = Json::object({{"wait_for", {{"event", "x"}, {"where", condition}}},
												 {"timeout", "1 day"},
												 {"on_event", "e"},
												 {"on_timeout", "e"}});
	else
		definition["nodes"]["c"] = Json::object({{"if", condition}, {"then", "e"}, {"else", "e"}});
	CompileResult result = Compile(definition);
	for (const Problem &problem : result.problems)
		ADD_FAILURE() << FormatProblem("", problem) << " in " << condition.dump();
	return result.graph;
}

CondId
CondOf(const Graph &graph)
{
	return graph.nodes[graph.FindNode("c")].cond;
}

// Does {"attribute": "a", "op": op, "value": operand} hold when attribute a is `actual` (absent: null)?
bool
AttributeHolds(const char *op, const Json &actual, const Json &operand = nullptr)
{
	Json cond = {{"attribute", "a"}, {"op", op}};
	if (std::string(op) != "exists" && std::string(op) != "not_exists")
		cond["value"] = operand;
	const GraphPtr graph = GraphWith(cond);
	if (!graph)
		return false;
	FakeFacts facts;
	if (!actual.is_null())
		facts.attributes["a"] = actual;
	return EvaluateCondition(*graph, CondOf(*graph), 0, 0, nullptr, facts);
}

TEST(Condition, Equality)
{
	EXPECT_TRUE(AttributeHolds("=", 5, 5));
	EXPECT_TRUE(AttributeHolds("=", 5, 5.0));
	EXPECT_TRUE(AttributeHolds("=", "gold", "gold"));
	EXPECT_TRUE(AttributeHolds("=", true, true));
	EXPECT_TRUE(AttributeHolds("=", Json::parse("[1, 2]"), Json::parse("[1, 2]")));
	EXPECT_FALSE(AttributeHolds("=", 5, 6));
	EXPECT_FALSE(AttributeHolds("=", "Gold", "gold"));
	EXPECT_TRUE(AttributeHolds("!=", 5, 6));
	EXPECT_FALSE(AttributeHolds("!=", 5, 5.0));
	EXPECT_FALSE(AttributeHolds("!=", false, false));
}

TEST(Condition, TypeMismatches)
{
	EXPECT_FALSE(AttributeHolds("=", "5", 5));
	EXPECT_TRUE(AttributeHolds("!=", "5", 5));
	EXPECT_FALSE(AttributeHolds("=", true, 1));
	EXPECT_TRUE(AttributeHolds("!=", true, 1));
	for (const char *op : {">", ">=", "<", "<="}) {
		EXPECT_FALSE(AttributeHolds(op, "5", 5)) << op;
		EXPECT_FALSE(AttributeHolds(op, 5, "5")) << op;
		EXPECT_FALSE(AttributeHolds(op, true, 0)) << op;
		EXPECT_FALSE(AttributeHolds(op, Json::parse("[1]"), 0)) << op;
	}
}

TEST(Condition, OrderingNumbersAndStrings)
{
	EXPECT_TRUE(AttributeHolds(">", 10, 9.5));
	EXPECT_FALSE(AttributeHolds(">", 10, 10));
	EXPECT_TRUE(AttributeHolds(">=", 10, 10));
	EXPECT_TRUE(AttributeHolds("<", -1, 0));
	EXPECT_TRUE(AttributeHolds("<=", 2.5, 2.5));
	EXPECT_FALSE(AttributeHolds("<", 3, 2));
	EXPECT_TRUE(AttributeHolds(">", 9007199254740993LL, 9007199254740992LL));	 // beyond double precision
	EXPECT_TRUE(AttributeHolds(">", "b", "a"));
	EXPECT_TRUE(AttributeHolds("<", "2026-01-01", "2026-02-01"));	// ISO dates order as strings
	EXPECT_TRUE(AttributeHolds("<", "10", "9"));					// lexicographic, not numeric
	EXPECT_TRUE(AttributeHolds(">=", "abc", "abc"));
}

TEST(Condition, InAndNotIn)
{
	EXPECT_TRUE(AttributeHolds("in", 2, Json::parse("[1, 2, 3]")));
	EXPECT_TRUE(AttributeHolds("in", 2, Json::parse("[2.0]")));
	EXPECT_TRUE(AttributeHolds("in", "pro", Json::parse(R"(["pro", "team"])")));
	EXPECT_FALSE(AttributeHolds("in", "2", Json::parse("[1, 2]")));
	EXPECT_FALSE(AttributeHolds("in", 2, Json::array()));
	EXPECT_TRUE(AttributeHolds("not_in", "free", Json::parse(R"(["pro", "team"])")));
	EXPECT_FALSE(AttributeHolds("not_in", "pro", Json::parse(R"(["pro", "team"])")));
	EXPECT_TRUE(AttributeHolds("not_in", nullptr, Json::parse(R"(["pro"])")));	// absent is not in the list
}

TEST(Condition, Contains)
{
	EXPECT_TRUE(AttributeHolds("contains", "hello world", "world"));
	EXPECT_FALSE(AttributeHolds("contains", "hello world", "World"));
	EXPECT_TRUE(AttributeHolds("contains", Json::parse(R"(["a", "b"])"), "b"));
	EXPECT_TRUE(AttributeHolds("contains", Json::parse("[1, 2]"), 2));
	EXPECT_FALSE(AttributeHolds("contains", Json::parse(R"(["a", "b"])"), "c"));
	EXPECT_FALSE(AttributeHolds("contains", 12345, "23"));
	EXPECT_FALSE(AttributeHolds("contains", nullptr, "x"));
}

TEST(Condition, ExistsAndNotExists)
{
	EXPECT_TRUE(AttributeHolds("exists", 0));
	EXPECT_TRUE(AttributeHolds("exists", ""));
	EXPECT_TRUE(AttributeHolds("exists", false));
	EXPECT_FALSE(AttributeHolds("exists", nullptr));
	EXPECT_TRUE(AttributeHolds("not_exists", nullptr));
	EXPECT_FALSE(AttributeHolds("not_exists", "x"));
}

TEST(Condition, BetweenIsInclusive)
{
	const Json range = Json::parse("[1, 5]");
	EXPECT_TRUE(AttributeHolds("between", 1, range));
	EXPECT_TRUE(AttributeHolds("between", 3.5, range));
	EXPECT_TRUE(AttributeHolds("between", 5, range));
	EXPECT_FALSE(AttributeHolds("between", 0.99, range));
	EXPECT_FALSE(AttributeHolds("between", 6, range));
	EXPECT_FALSE(AttributeHolds("between", "3", range));
	EXPECT_TRUE(AttributeHolds("between", "m", Json::parse(R"(["a", "z"])")));
	EXPECT_FALSE(AttributeHolds("between", nullptr, range));
}

TEST(Condition, AbsentAttribute)
{
	EXPECT_FALSE(AttributeHolds("=", nullptr, "x"));
	EXPECT_TRUE(AttributeHolds("!=", nullptr, "x"));
	EXPECT_FALSE(AttributeHolds(">", nullptr, 0));
	EXPECT_FALSE(AttributeHolds("<", nullptr, 0));
}

TEST(Condition, PropsOfTheEventInHand)
{
	const GraphPtr graph = GraphWith(Json::parse(R"({"prop": "total", "op": ">=", "value": 50})"), true);
	ASSERT_NE(graph, nullptr);
	const CondId cond = CondOf(*graph);
	FakeFacts facts;
	const Json big = Json::parse(R"({"total": 80})");
	const Json small = Json::parse(R"({"total": 20})");
	const Json none = Json::object();
	const Json null_props;
	EXPECT_TRUE(EvaluateCondition(*graph, cond, 0, 0, &big, facts));
	EXPECT_FALSE(EvaluateCondition(*graph, cond, 0, 0, &small, facts));
	EXPECT_FALSE(EvaluateCondition(*graph, cond, 0, 0, &none, facts));
	EXPECT_FALSE(EvaluateCondition(*graph, cond, 0, 0, nullptr, facts));
	EXPECT_TRUE(PropsMatch(*graph, cond, big, 0, facts));
	EXPECT_FALSE(PropsMatch(*graph, cond, small, 0, facts));
	EXPECT_TRUE(PropsMatch(*graph, kNoCond, small, 0, facts));	// no where: always

	// Without props at all, even not_exists is false.
	const GraphPtr absent = GraphWith(Json::parse(R"({"prop": "coupon", "op": "not_exists"})"), true);
	ASSERT_NE(absent, nullptr);
	EXPECT_TRUE(EvaluateCondition(*absent, CondOf(*absent), 0, 0, &none, facts));
	EXPECT_FALSE(EvaluateCondition(*absent, CondOf(*absent), 0, 0, nullptr, facts));
	EXPECT_FALSE(EvaluateCondition(*absent, CondOf(*absent), 0, 0, &null_props, facts));
}

class EventConditionTest : public ::testing::Test {
protected:
	bool
	Holds(const char *condition)
	{
		const GraphPtr graph = GraphWith(Json::parse(condition));
		return graph && EvaluateCondition(*graph, CondOf(*graph), as_of, entered_at, nullptr, facts);
	}

	FakeFacts facts;
	const Timestamp entered_at = MakeTimestamp(2026, 3, 10);
	const Timestamp as_of = MakeTimestamp(2026, 3, 20);
};

TEST_F(EventConditionTest, Ever)
{
	EXPECT_FALSE(Holds(R"({"event": "buy"})"));
	facts.AddEvent("buy", MakeTimestamp(2020, 1, 1));
	EXPECT_TRUE(Holds(R"({"event": "buy"})"));
	EXPECT_FALSE(facts.count_calls.back().from.has_value());
	EXPECT_EQ(facts.count_calls.back().to, as_of);
	EXPECT_FALSE(Holds(R"({"event": "refund"})"));
}

TEST_F(EventConditionTest, EventsAfterAsOfDoNotCount)
{
	facts.AddEvent("buy", as_of + 1);
	EXPECT_FALSE(Holds(R"({"event": "buy"})"));
	facts.AddEvent("buy", as_of);
	EXPECT_TRUE(Holds(R"({"event": "buy"})"));
}

TEST_F(EventConditionTest, SinceEntry)
{
	facts.AddEvent("buy", entered_at - 1);
	EXPECT_FALSE(Holds(R"({"event": "buy", "since": "entry"})"));
	EXPECT_EQ(facts.count_calls.back().from, entered_at);
	facts.AddEvent("buy", entered_at);
	EXPECT_TRUE(Holds(R"({"event": "buy", "since": "entry"})"));
}

TEST_F(EventConditionTest, WithinAndSinceDuration)
{
	facts.AddEvent("buy", MakeTimestamp(2026, 3, 12));
	EXPECT_TRUE(Holds(R"({"event": "buy", "within": "10 days"})"));
	EXPECT_EQ(facts.count_calls.back().from, MakeTimestamp(2026, 3, 10));
	EXPECT_TRUE(Holds(R"({"event": "buy", "since": "8 days"})"));
	EXPECT_EQ(facts.count_calls.back().from, MakeTimestamp(2026, 3, 12));
	EXPECT_FALSE(Holds(R"({"event": "buy", "within": "7 days"})"));
	EXPECT_FALSE(Holds(R"({"event": "buy", "within": "1 hour"})"));
	// Months are calendar months back from as_of.
	EXPECT_TRUE(Holds(R"({"event": "buy", "within": "1 mon"})"));
	EXPECT_EQ(facts.count_calls.back().from, MakeTimestamp(2026, 2, 20));
}

TEST_F(EventConditionTest, Counts)
{
	for (int day = 11; day <= 13; ++day)
		facts.AddEvent("visit", MakeTimestamp(2026, 3, day));
	EXPECT_TRUE(Holds(R"({"event": "visit", "count": {">=": 3}})"));
	EXPECT_EQ(facts.count_calls.back().stop_after, 4);
	EXPECT_FALSE(Holds(R"({"event": "visit", "count": {">=": 4}})"));
	EXPECT_TRUE(Holds(R"({"event": "visit", "count": {"=": 3}})"));
	EXPECT_FALSE(Holds(R"({"event": "visit", "count": {"=": 2}})"));
	EXPECT_TRUE(Holds(R"({"event": "visit", "count": {"!=": 2}})"));
	EXPECT_TRUE(Holds(R"({"event": "visit", "count": {">": 2}})"));
	EXPECT_FALSE(Holds(R"({"event": "visit", "count": {">": 3}})"));
	EXPECT_TRUE(Holds(R"({"event": "visit", "count": {"<": 4}})"));
	EXPECT_FALSE(Holds(R"({"event": "visit", "count": {"<": 3}})"));
	EXPECT_TRUE(Holds(R"({"event": "visit", "count": {"<=": 3}})"));
	EXPECT_TRUE(Holds(R"({"event": "refund", "count": {"=": 0}})"));
	EXPECT_EQ(facts.count_calls.back().stop_after, 1);
	EXPECT_TRUE(Holds(R"({"event": "visit", "since": "entry", "count": {"=": 3}})"));
	EXPECT_TRUE(Holds(R"({"event": "visit", "within": "8 days", "count": {"=": 2}})"));
}

TEST_F(EventConditionTest, WhereFiltersTheCountedEvents)
{
	facts.AddEvent("buy", MakeTimestamp(2026, 3, 11), Json::parse(R"({"total": 20})"));
	facts.AddEvent("buy", MakeTimestamp(2026, 3, 12), Json::parse(R"({"total": 80, "coupon": "X"})"));
	EXPECT_TRUE(Holds(R"({"event": "buy", "where": {"prop": "total", "op": ">", "value": 50}})"));
	EXPECT_TRUE(facts.count_calls.back().filtered);
	EXPECT_FALSE(Holds(R"({"event": "buy", "where": {"prop": "total", "op": ">", "value": 100}})"));
	EXPECT_TRUE(Holds(R"({"event": "buy", "count": {"=": 1},
						  "where": {"not": {"prop": "coupon", "op": "exists"}}})"));
	EXPECT_TRUE(Holds(R"({"event": "buy", "count": {"=": 2},
						  "where": {"any": [{"prop": "total", "op": "<", "value": 30}, {"prop": "coupon", "op": "=", "value": "X"}]}})"));
}

TEST(Condition, Reachable)
{
	const GraphPtr graph = GraphWith(Json::parse(R"({"reachable": "sms"})"));
	ASSERT_NE(graph, nullptr);
	FakeFacts facts;
	EXPECT_FALSE(EvaluateCondition(*graph, CondOf(*graph), 0, 0, nullptr, facts));
	facts.SetContact("sms", "+1555");
	EXPECT_TRUE(EvaluateCondition(*graph, CondOf(*graph), 0, 0, nullptr, facts));
	facts.SetContact("sms", "+1555", false);
	EXPECT_FALSE(EvaluateCondition(*graph, CondOf(*graph), 0, 0, nullptr, facts));
}

TEST(Condition, IsReachable)
{
	const Contact none{};
	const Contact good{true, "a@b.c", true, false};
	const Contact opted_out{true, "a@b.c", false, false};
	const Contact bounced{true, "a@b.c", true, true};
	const Contact no_address{true, std::nullopt, true, false};
	const Contact empty_address{true, "", true, false};
	for (const char *channel : {"email", "sms", "push", "web_push", "whatsapp", "survey"}) {
		SCOPED_TRACE(channel);
		EXPECT_TRUE(IsReachable(good, channel));
		EXPECT_FALSE(IsReachable(none, channel));
		EXPECT_FALSE(IsReachable(opted_out, channel));
		EXPECT_FALSE(IsReachable(bounced, channel));
		EXPECT_FALSE(IsReachable(no_address, channel));
		EXPECT_FALSE(IsReachable(empty_address, channel));
	}
	for (const char *channel : {"in_app", "web_overlay", "audience", "webhook"}) {
		SCOPED_TRACE(channel);
		EXPECT_TRUE(IsReachable(none, channel));
		EXPECT_TRUE(IsReachable(no_address, channel));
		EXPECT_TRUE(IsReachable(good, channel));
		EXPECT_FALSE(IsReachable(opted_out, channel));
		EXPECT_FALSE(IsReachable(bounced, channel));
	}
}

TEST(Condition, CombinatorsShortCircuit)
{
	FakeFacts facts;
	facts.attributes["vip"] = true;
	const auto holds = [&](const char *condition) {
		const GraphPtr graph = GraphWith(Json::parse(condition));
		facts.attribute_reads = 0;
		return graph && EvaluateCondition(*graph, CondOf(*graph), 0, 0, nullptr, facts);
	};
	EXPECT_TRUE(holds(R"({"all": [{"attribute": "vip", "op": "=", "value": true}, {"attribute": "x", "op": "not_exists"}]})"));
	EXPECT_EQ(facts.attribute_reads, 2);
	EXPECT_FALSE(holds(R"({"all": [{"attribute": "vip", "op": "=", "value": false}, {"attribute": "x", "op": "not_exists"}]})"));
	EXPECT_EQ(facts.attribute_reads, 1);
	EXPECT_TRUE(holds(R"({"any": [{"attribute": "vip", "op": "exists"}, {"attribute": "x", "op": "exists"}]})"));
	EXPECT_EQ(facts.attribute_reads, 1);
	EXPECT_FALSE(holds(R"({"any": [{"attribute": "nope", "op": "exists"}, {"attribute": "x", "op": "exists"}]})"));
	EXPECT_EQ(facts.attribute_reads, 2);
	EXPECT_FALSE(holds(R"({"not": {"attribute": "vip", "op": "exists"}})"));
	EXPECT_TRUE(holds(R"({"not": {"not": {"attribute": "vip", "op": "exists"}}})"));
}

}	 // namespace
}	 // namespace journey
