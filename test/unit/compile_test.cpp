// Compile(): definitions that are valid, and what the compiled graph holds.
#include "cart_journey.hpp"
#include "core/compile.hpp"

#include <gtest/gtest.h>

namespace journey {
namespace {

using testing::CartJourney;

GraphPtr
CompileOk(const Json &definition, const CompileOptions &options = {})
{
	const CompileResult result = Compile(definition, options);
	for (const Problem &problem : result.problems)
		ADD_FAILURE() << FormatProblem("", problem) << " [" << problem.sqlstate << "]";
	EXPECT_TRUE(result.ok());
	return result.graph;
}

TEST(Compile, CartJourneyOfTheSpec)
{
	const GraphPtr graph = CompileOk(CartJourney());
	ASSERT_NE(graph, nullptr);
	EXPECT_EQ(graph->name, "cart_abandonment");
	EXPECT_EQ(graph->description, "Remind users who leave items in the cart");
	ASSERT_EQ(graph->triggers.size(), 1u);
	EXPECT_EQ(graph->triggers[0].kind, TriggerKind::Event);
	EXPECT_EQ(graph->triggers[0].event, "add_to_cart");
	EXPECT_EQ(graph->triggers[0].where, kNoCond);
	EXPECT_EQ(graph->entry.reentry, Reentry::AfterExit);
	EXPECT_EQ(graph->entry.cooldown, (Interval{0, 1, 0}));
	EXPECT_EQ(graph->entry.max_event_age, (Interval{0, 1, 0}));
	ASSERT_EQ(graph->exit_when.size(), 1u);
	EXPECT_EQ(graph->exit_when[0].event, "checkout");

	// Nodes are in key order, with integer ids.
	ASSERT_EQ(graph->nodes.size(), 6u);
	std::vector<std::string> ids;
	for (const Node &node : graph->nodes)
		ids.push_back(node.id);
	EXPECT_EQ(ids, (std::vector<std::string>{"check", "done", "email", "push", "push?", "wait"}));
	EXPECT_EQ(graph->start, graph->FindNode("wait"));
	EXPECT_EQ(graph->FindNode("nope"), kNoNode);

	const Node &wait = graph->nodes[graph->FindNode("wait")];
	EXPECT_EQ(wait.kind, NodeKind::Wait);
	EXPECT_EQ(wait.duration, (Interval{0, 0, 2 * kMicrosPerHour}));
	EXPECT_EQ(wait.next, graph->FindNode("check"));

	const Node &check = graph->nodes[graph->FindNode("check")];
	EXPECT_EQ(check.kind, NodeKind::If);
	EXPECT_EQ(check.next, graph->FindNode("done"));
	EXPECT_EQ(check.alt, graph->FindNode("push?"));
	const Condition &cond = graph->conditions.at(check.cond);
	EXPECT_EQ(cond.kind, CondKind::Event);
	EXPECT_EQ(cond.name, "checkout");
	EXPECT_EQ(cond.since, EventSince::Entry);
	EXPECT_EQ(cond.count_op, CompareOp::Ge);
	EXPECT_EQ(cond.count, 1);

	const Node &email = graph->nodes[graph->FindNode("email")];
	EXPECT_EQ(email.kind, NodeKind::Send);
	EXPECT_EQ(email.send.channel, "email");
	EXPECT_EQ(email.send.template_name, "cart_similar");
	EXPECT_EQ(email.send.data, Json::parse(R"({"sku": "{{event.sku}}"})"));
	EXPECT_FALSE(email.send.to.has_value());

	const Node &done = graph->nodes[graph->FindNode("done")];
	EXPECT_EQ(done.kind, NodeKind::Exit);
	EXPECT_EQ(done.reason, "completed");

	EXPECT_EQ(graph->EventNames(), (std::vector<std::string>{"add_to_cart", "checkout"}));
}

TEST(Compile, FromJsonText)
{
	const CompileResult result = Compile(CartJourney().dump());
	EXPECT_TRUE(result.ok());
	EXPECT_NE(result.graph, nullptr);
}

TEST(Compile, WaitForTriggersArrayAndEntryRules)
{
	const GraphPtr graph = CompileOk(Json::parse(R"({
		"name": "onboarding_2",
		"trigger": [{"event": "signup", "where": {"prop": "plan", "op": "in", "value": ["pro", "team"]}},
					{"manual": true}],
		"entry": {"reentry": "never", "max_entries": 3, "when": {"attribute": "country", "op": "=", "value": "FR"},
				  "max_event_age": "2 days", "cooldown": "0 seconds"},
		"start": "w",
		"nodes": {
			"w": {"wait_for": {"event": "email_opened", "where": {"all": [{"prop": "campaign", "op": "exists"}]}},
				  "timeout": "3 days", "on_event": "thanks", "on_timeout": "bye"},
			"thanks": {"send": {"channel": "in_app", "template": "t", "to": "{{user.handle}}"}, "next": "bye"},
			"bye": {"exit": "timed_out"}
		}
	})"));
	ASSERT_NE(graph, nullptr);
	ASSERT_EQ(graph->triggers.size(), 2u);
	EXPECT_EQ(graph->triggers[0].event, "signup");
	ASSERT_NE(graph->triggers[0].where, kNoCond);
	EXPECT_EQ(graph->conditions[graph->triggers[0].where].kind, CondKind::Prop);
	EXPECT_EQ(graph->conditions[graph->triggers[0].where].op, CompareOp::In);
	EXPECT_EQ(graph->triggers[1].kind, TriggerKind::Manual);
	EXPECT_EQ(graph->entry.reentry, Reentry::Never);
	EXPECT_EQ(graph->entry.max_entries, 3);
	EXPECT_EQ(graph->entry.max_event_age, (Interval{0, 2, 0}));
	EXPECT_EQ(graph->entry.cooldown, (Interval{}));
	ASSERT_NE(graph->entry.when, kNoCond);
	EXPECT_EQ(graph->conditions[graph->entry.when].kind, CondKind::Attribute);

	const Node &w = graph->nodes[graph->FindNode("w")];
	EXPECT_EQ(w.kind, NodeKind::WaitFor);
	EXPECT_EQ(w.event, "email_opened");
	EXPECT_EQ(w.duration, (Interval{0, 3, 0}));
	EXPECT_EQ(w.next, graph->FindNode("thanks"));
	EXPECT_EQ(w.alt, graph->FindNode("bye"));
	EXPECT_EQ(graph->conditions.at(w.cond).kind, CondKind::All);
	EXPECT_EQ(graph->nodes[graph->FindNode("thanks")].send.to, "{{user.handle}}");
	EXPECT_EQ(graph->nodes[graph->FindNode("bye")].reason, "timed_out");
	EXPECT_EQ(graph->EventNames(), (std::vector<std::string>{"email_opened", "signup"}));
}

TEST(Compile, LoopThroughAWaitIsAllowed)
{
	const GraphPtr graph = CompileOk(Json::parse(R"({
		"name": "nag", "trigger": {"event": "x"}, "start": "ask",
		"nodes": {
			"ask": {"send": {"channel": "sms", "template": "t"}, "next": "pause"},
			"pause": {"wait": "1 day", "next": "check"},
			"check": {"if": {"event": "answered", "within": "1 day"}, "then": "end", "else": "ask"},
			"end": {"exit": "answered"}
		}
	})"));
	ASSERT_NE(graph, nullptr);
	const Condition &cond = graph->conditions.at(graph->nodes[graph->FindNode("check")].cond);
	EXPECT_EQ(cond.since, EventSince::Within);
	EXPECT_EQ(cond.within, (Interval{0, 1, 0}));
}

TEST(Compile, ZeroWaitIsAllowed)
{
	Json definition = CartJourney();
	definition["nodes"]["wait"]["wait"] = "0 seconds";
	const GraphPtr graph = CompileOk(definition);
	ASSERT_NE(graph, nullptr);
	EXPECT_TRUE(graph->nodes[graph->start].duration.IsZero());
}

TEST(Compile, EveryConditionKindAndOp)
{
	const GraphPtr graph = CompileOk(Json::parse(R"({
		"name": "conds", "trigger": {"event": "x"}, "start": "c",
		"nodes": {
			"c": {"if": {"all": [
				{"attribute": "a", "op": "=", "value": 1},
				{"attribute": "a", "op": "!=", "value": "x"},
				{"attribute": "a", "op": ">", "value": 1},
				{"attribute": "a", "op": ">=", "value": 1.5},
				{"attribute": "a", "op": "<", "value": "m"},
				{"attribute": "a", "op": "<=", "value": 1},
				{"attribute": "a", "op": "in", "value": [1, 2]},
				{"attribute": "a", "op": "not_in", "value": []},
				{"attribute": "a", "op": "contains", "value": "x"},
				{"attribute": "a", "op": "exists"},
				{"attribute": "a", "op": "not_exists"},
				{"attribute": "a", "op": "between", "value": [1, 5]},
				{"any": [{"reachable": "email"}, {"not": {"reachable": "sms"}}]},
				{"event": "buy", "within": "7 days", "count": {"<": 3},
				 "where": {"any": [{"prop": "total", "op": ">", "value": 10}, {"not": {"prop": "x", "op": "exists"}}]}},
				{"event": "buy", "since": "30 days", "count": {"=": 0}},
				{"event": "buy"}
			]}, "then": "e", "else": "e"},
			"e": {"exit": "done"}
		}
	})"));
	ASSERT_NE(graph, nullptr);
	const Condition &all = graph->conditions.at(graph->nodes[graph->FindNode("c")].cond);
	ASSERT_EQ(all.children.size(), 16u);
	const std::vector<CompareOp> ops = {CompareOp::Eq,		 CompareOp::Ne,		 CompareOp::Gt,		   CompareOp::Ge,
										CompareOp::Lt,		 CompareOp::Le,		 CompareOp::In,		   CompareOp::NotIn,
										CompareOp::Contains, CompareOp::Exists, CompareOp::NotExists, CompareOp::Between};
	for (size_t i = 0; i < ops.size(); ++i)
		EXPECT_EQ(graph->conditions[all.children[i]].op, ops[i]) << i;
	const Condition &within = graph->conditions[all.children[13]];
	EXPECT_EQ(within.since, EventSince::Within);
	EXPECT_EQ(within.count_op, CompareOp::Lt);
	EXPECT_EQ(within.count, 3);
	EXPECT_NE(within.where, kNoCond);
	const Condition &since = graph->conditions[all.children[14]];
	EXPECT_EQ(since.since, EventSince::Within);
	EXPECT_EQ(since.within, (Interval{0, 30, 0}));
	EXPECT_EQ(since.count_op, CompareOp::Eq);
	EXPECT_EQ(since.count, 0);
	EXPECT_EQ(graph->conditions[all.children[15]].since, EventSince::Ever);
}

TEST(Compile, ExtraChannels)
{
	Json definition = CartJourney();
	definition["nodes"]["push"]["send"]["channel"] = "fax";
	EXPECT_FALSE(Compile(definition).ok());
	CompileOptions options;
	options.extra_channels = {"fax"};
	const GraphPtr graph = CompileOk(definition, options);
	ASSERT_NE(graph, nullptr);
	EXPECT_EQ(graph->nodes[graph->FindNode("push")].send.channel, "fax");
}

TEST(Compile, NumbersAsJsonbPrintsThem)
{
	// jsonb may print an integer as 3.0 when it was written so.
	Json definition = CartJourney();
	definition["entry"]["max_entries"] = 3.0;
	const GraphPtr graph = CompileOk(definition);
	ASSERT_NE(graph, nullptr);
	EXPECT_EQ(graph->entry.max_entries, 3);
}

TEST(Names, JourneyNames)
{
	EXPECT_TRUE(IsValidJourneyName("cart_abandonment"));
	EXPECT_TRUE(IsValidJourneyName("a1"));
	EXPECT_TRUE(IsValidJourneyName(std::string(63, 'a')));
	EXPECT_FALSE(IsValidJourneyName(std::string(64, 'a')));
	EXPECT_FALSE(IsValidJourneyName(""));
	EXPECT_FALSE(IsValidJourneyName("Cart"));
	EXPECT_FALSE(IsValidJourneyName("1cart"));
	EXPECT_FALSE(IsValidJourneyName("_cart"));
	EXPECT_FALSE(IsValidJourneyName("cart-abandonment"));
}

TEST(Names, NodeIds)
{
	EXPECT_TRUE(IsValidNodeId("push?"));
	EXPECT_TRUE(IsValidNodeId("Send-Now!"));
	EXPECT_TRUE(IsValidNodeId("a_1"));
	EXPECT_TRUE(IsValidNodeId(std::string(63, 'x')));
	EXPECT_FALSE(IsValidNodeId(std::string(64, 'x')));
	EXPECT_FALSE(IsValidNodeId(""));
	EXPECT_FALSE(IsValidNodeId("a b"));
	EXPECT_FALSE(IsValidNodeId("a.b"));
	EXPECT_FALSE(IsValidNodeId("é"));
}

TEST(Names, Channels)
{
	for (const char *channel : {"email", "sms", "push", "web_push", "in_app", "web_overlay", "whatsapp", "webhook",
								"audience", "survey"})
		EXPECT_TRUE(IsBuiltinChannel(channel)) << channel;
	EXPECT_FALSE(IsBuiltinChannel("fax"));
	for (const char *channel : {"in_app", "web_overlay", "audience", "webhook"})
		EXPECT_TRUE(IsAddresslessChannel(channel)) << channel;
	for (const char *channel : {"email", "sms", "push", "web_push", "whatsapp", "survey"})
		EXPECT_FALSE(IsAddresslessChannel(channel)) << channel;
}

TEST(FormatProblem, Forms)
{
	const Problem problem{"nodes.check.then", "unknown node \"chek\""};
	EXPECT_EQ(FormatProblem("cart", problem), "journey \"cart\": nodes.check.then: unknown node \"chek\"");
	EXPECT_EQ(FormatProblem("", problem), "journey: nodes.check.then: unknown node \"chek\"");
	EXPECT_EQ(FormatProblem("cart", Problem{"", "expected an object"}), "journey \"cart\": expected an object");
}

}	 // namespace
}	 // namespace journey
