// The evaluator walking compiled journeys with an in-memory Facts.
#include "cart_journey.hpp"
#include "core/compile.hpp"
#include "core/evaluator.hpp"
#include "fake_facts.hpp"

#include <gtest/gtest.h>

namespace journey {
namespace {

using testing::CartJourney;
using testing::FakeFacts;

GraphPtr
MustCompile(const Json &definition)
{
	CompileResult result = Compile(definition);
	for (const Problem &problem : result.problems)
		ADD_FAILURE() << FormatProblem("", problem);
	return result.graph;
}

class CartTest : public ::testing::Test {
protected:
	void
	SetUp() override
	{
		graph = MustCompile(CartJourney());
		ASSERT_NE(graph, nullptr);
		state.id = 42;
		state.user_id = "u1";
		state.event = Json::parse(R"({"sku": "SKU-1"})");
	}

	NodeId
	Id(const std::string &name) const
	{
		return graph->FindNode(name);
	}

	GraphPtr graph;
	FakeFacts facts;
	InstanceState state;
	const Timestamp t0 = MakeTimestamp(2026, 11, 23, 10, 0, 0);
};

TEST_F(CartTest, StartWaitsTwoHours)
{
	const StepResult result = Start(*graph, state, t0, facts);
	EXPECT_TRUE(result.sends.empty());
	EXPECT_EQ(result.node_visits, 1);
	EXPECT_EQ(state.status, InstanceStatus::Active);
	EXPECT_EQ(state.node, Id("wait"));
	ASSERT_TRUE(state.wake_at.has_value());
	EXPECT_EQ(*state.wake_at, MakeTimestamp(2026, 11, 23, 12, 0, 0));
	EXPECT_EQ(state.entered_at, t0);
	EXPECT_EQ(state.last_step_at, t0);
	EXPECT_FALSE(state.ended_at.has_value());
	ASSERT_EQ(state.visits.size(), graph->nodes.size());
	EXPECT_EQ(state.visits[Id("wait")], 1);
	EXPECT_EQ(state.visits[Id("check")], 0);
}

TEST_F(CartTest, CheckedOutSinceEntryCompletes)
{
	Start(*graph, state, t0, facts);
	facts.AddEvent("checkout", t0 + kMicrosPerHour);
	const Timestamp due = *state.wake_at;
	const StepResult result = ResumeDue(*graph, state, due, facts);
	EXPECT_TRUE(result.sends.empty());
	EXPECT_EQ(result.node_visits, 2);	// check, done
	EXPECT_EQ(state.status, InstanceStatus::Completed);
	EXPECT_EQ(state.exit_reason, "completed");
	EXPECT_EQ(state.node, kNoNode);
	EXPECT_FALSE(state.wake_at.has_value());
	EXPECT_EQ(state.ended_at, due);
	EXPECT_EQ(state.last_step_at, due);
	// The condition asked for checkouts in [entered_at, as_of], and needs no more than 2 to decide ">= 1".
	ASSERT_EQ(facts.count_calls.size(), 1u);
	EXPECT_EQ(facts.count_calls[0].name, "checkout");
	EXPECT_EQ(facts.count_calls[0].from, t0);
	EXPECT_EQ(facts.count_calls[0].to, due);
	EXPECT_FALSE(facts.count_calls[0].filtered);
	EXPECT_EQ(facts.count_calls[0].stop_after, 2);
}

TEST_F(CartTest, CheckoutBeforeEntryDoesNotCount)
{
	facts.AddEvent("checkout", t0 - kMicrosPerHour);
	Start(*graph, state, t0, facts);
	const StepResult result = ResumeDue(*graph, state, *state.wake_at, facts);
	EXPECT_EQ(state.status, InstanceStatus::Completed);
	ASSERT_EQ(result.sends.size(), 1u);	// email only: no push contact
	EXPECT_EQ(result.sends[0].channel, "email");
}

TEST_F(CartTest, NotCheckedOutPushThenEmail)
{
	facts.SetContact("push", "device-token");
	facts.SetContact("email", "ann@example.com");
	Start(*graph, state, t0, facts);
	const Timestamp due = *state.wake_at;
	const StepResult result = ResumeDue(*graph, state, due, facts);
	EXPECT_EQ(result.node_visits, 5);	// check, push?, push, email, done
	ASSERT_EQ(result.sends.size(), 2u);

	const SendEffect &push = result.sends[0];
	EXPECT_EQ(push.node, Id("push"));
	EXPECT_EQ(push.channel, "push");
	EXPECT_EQ(push.template_name, "cart_reminder");
	EXPECT_EQ(push.dedup_key, "42:push:1");
	EXPECT_FALSE(push.suppressed);
	EXPECT_EQ(push.at, due);
	EXPECT_EQ(push.payload, Json::parse(R"({"to": "device-token", "template": "cart_reminder", "data": {}})"));

	const SendEffect &email = result.sends[1];
	EXPECT_EQ(email.node, Id("email"));
	EXPECT_EQ(email.channel, "email");
	EXPECT_EQ(email.dedup_key, "42:email:1");
	EXPECT_FALSE(email.suppressed);
	EXPECT_EQ(email.at, due);
	EXPECT_EQ(email.payload,
			  Json::parse(R"({"to": "ann@example.com", "template": "cart_similar", "data": {"sku": "SKU-1"}})"));

	EXPECT_EQ(state.status, InstanceStatus::Completed);
	EXPECT_EQ(state.exit_reason, "completed");
	EXPECT_EQ(state.visits[Id("email")], 1);
}

TEST_F(CartTest, NotReachableSendsAreSuppressed)
{
	Start(*graph, state, t0, facts);
	const StepResult result = ResumeDue(*graph, state, *state.wake_at, facts);
	ASSERT_EQ(result.sends.size(), 1u);	// push? took else: no push contact
	EXPECT_EQ(result.sends[0].channel, "email");
	EXPECT_TRUE(result.sends[0].suppressed);
	EXPECT_EQ(result.sends[0].suppress_reason, "not reachable on channel email: no contact");
	EXPECT_TRUE(result.sends[0].payload["to"].is_null());
	EXPECT_EQ(state.status, InstanceStatus::Completed);	// the journey goes on
}

TEST_F(CartTest, SuppressReasons)
{
	const auto email_after = [&](std::optional<std::string> address, bool opted_in, bool bounced) {
		FakeFacts local;
		local.SetContact("email", std::move(address), opted_in, bounced);
		InstanceState instance;
		instance.id = 1;
		Start(*graph, instance, t0, local);
		const StepResult result = ResumeDue(*graph, instance, *instance.wake_at, local);
		EXPECT_EQ(result.sends.size(), 1u);
		return result.sends.empty() ? SendEffect{} : result.sends[0];
	};
	EXPECT_EQ(email_after("a@b.c", false, false).suppress_reason, "not reachable on channel email: opted out");
	EXPECT_EQ(email_after("a@b.c", true, true).suppress_reason, "not reachable on channel email: bounced");
	EXPECT_EQ(email_after(std::nullopt, true, false).suppress_reason, "not reachable on channel email: no address");
	EXPECT_EQ(email_after("", true, false).suppress_reason, "not reachable on channel email: no address");
	const SendEffect ok = email_after("a@b.c", true, false);
	EXPECT_FALSE(ok.suppressed);
	EXPECT_EQ(ok.suppress_reason, "");
}

TEST_F(CartTest, StoredTemplateAddsSubjectAndBody)
{
	facts.SetContact("email", "ann@example.com");
	facts.attributes["first_name"] = "Ann";
	facts.templates[{"cart_similar", "email"}] = {"{{user.first_name}}, still thinking?",
												  "Your {{event.sku}} from {{journey.name}} awaits."};
	Start(*graph, state, t0, facts);
	const StepResult result = ResumeDue(*graph, state, *state.wake_at, facts);
	ASSERT_EQ(result.sends.size(), 1u);
	EXPECT_EQ(result.sends[0].payload["subject"], "Ann, still thinking?");
	EXPECT_EQ(result.sends[0].payload["body"], "Your SKU-1 from cart_abandonment awaits.");
}

TEST_F(CartTest, LateAndEarlyResumes)
{
	Start(*graph, state, t0, facts);
	// Resumed late (e.g. the journey was paused): the step runs as of as_of.
	const Timestamp late = t0 + 5 * kMicrosPerHour;
	const StepResult result = ResumeDue(*graph, state, late, facts);
	EXPECT_EQ(state.last_step_at, late);
	EXPECT_EQ(state.ended_at, late);
	ASSERT_EQ(result.sends.size(), 1u);
	EXPECT_EQ(result.sends[0].at, late);

	// A resume dated before the last step runs as of the last step: time never goes back.
	InstanceState other;
	other.id = 2;
	Start(*graph, other, t0, facts);
	ResumeDue(*graph, other, t0 - kMicrosPerDay, facts);
	EXPECT_EQ(other.last_step_at, t0);
	EXPECT_EQ(other.ended_at, t0);
}

TEST_F(CartTest, WrongStatesThrow)
{
	EXPECT_THROW(ResumeDue(*graph, state, t0, facts), StepError);	// never started: not waiting
	Start(*graph, state, t0, facts);
	EXPECT_THROW(ResumeOnEvent(*graph, state, t0, facts), StepError);	// a wait, not a wait_for
	ResumeDue(*graph, state, *state.wake_at, facts);
	ASSERT_EQ(state.status, InstanceStatus::Completed);
	EXPECT_THROW(ResumeDue(*graph, state, t0, facts), StepError);
	EXPECT_THROW(ResumeOnEvent(*graph, state, t0, facts), StepError);
	EXPECT_THROW(ExitInstance(state, "manual", t0), StepError);
}

TEST_F(CartTest, ExitAndFailFromOutside)
{
	Start(*graph, state, t0, facts);
	ExitInstance(state, "exit_event", t0 - kMicrosPerHour);	// earlier than the last step: raised
	EXPECT_EQ(state.status, InstanceStatus::Exited);
	EXPECT_EQ(state.exit_reason, "exit_event");
	EXPECT_EQ(state.node, kNoNode);
	EXPECT_FALSE(state.wake_at.has_value());
	EXPECT_EQ(state.ended_at, t0);

	InstanceState other;
	Start(*graph, other, t0, facts);
	const NodeId waiting_at = other.node;
	ASSERT_NE(waiting_at, kNoNode);
	other.context["k"] = "kept";
	other.variant = "A";
	FailInstance(other, "call raised", t0 + kMicrosPerHour);
	EXPECT_EQ(other.status, InstanceStatus::Failed);
	EXPECT_EQ(other.error, "call raised");
	// A failed instance keeps where it was, its context and its split label (SPEC §9).
	EXPECT_EQ(other.node, waiting_at);
	EXPECT_EQ(other.context["k"], "kept");
	EXPECT_EQ(other.variant, "A");
	EXPECT_FALSE(other.wake_at.has_value());
	EXPECT_EQ(other.ended_at, t0 + kMicrosPerHour);
}

TEST(Evaluator, StatusNames)
{
	EXPECT_STREQ(StatusName(InstanceStatus::Active), "active");
	EXPECT_STREQ(StatusName(InstanceStatus::Completed), "completed");
	EXPECT_STREQ(StatusName(InstanceStatus::Exited), "exited");
	EXPECT_STREQ(StatusName(InstanceStatus::Failed), "failed");
}

class WaitForTest : public ::testing::Test {
protected:
	void
	SetUp() override
	{
		graph = MustCompile(Json::parse(R"({
			"name": "welcome", "trigger": {"event": "signup"}, "start": "w",
			"nodes": {
				"w": {"wait_for": {"event": "email_opened", "where": {"prop": "campaign", "op": "=", "value": "welcome"}},
					  "timeout": "3 days", "on_event": "thanks", "on_timeout": "nudge"},
				"thanks": {"send": {"channel": "in_app", "template": "thanks"}, "next": "done"},
				"nudge": {"send": {"channel": "in_app", "template": "nudge"}, "next": "done"},
				"done": {"exit": "completed"}
			}
		})"));
		ASSERT_NE(graph, nullptr);
		state.id = 9;
		Start(*graph, state, t0, facts);
	}

	GraphPtr graph;
	FakeFacts facts;
	InstanceState state;
	const Timestamp t0 = MakeTimestamp(2026, 1, 31, 8);
	const Json welcome = Json::parse(R"({"campaign": "welcome"})");
};

TEST_F(WaitForTest, WaitsForTheTimeout)
{
	EXPECT_EQ(state.node, graph->FindNode("w"));
	EXPECT_EQ(state.wake_at, MakeTimestamp(2026, 2, 3, 8));
}

TEST_F(WaitForTest, MatchesOnlyTheAwaitedEventBeforeTheDeadline)
{
	const Timestamp deadline = *state.wake_at;
	EXPECT_TRUE(WaitForMatches(*graph, state, "email_opened", welcome, t0 + kMicrosPerHour, facts));
	EXPECT_TRUE(WaitForMatches(*graph, state, "email_opened", welcome, deadline - 1, facts));
	EXPECT_FALSE(WaitForMatches(*graph, state, "email_opened", welcome, deadline, facts));
	EXPECT_FALSE(WaitForMatches(*graph, state, "email_opened", welcome, deadline + 1, facts));
	EXPECT_FALSE(WaitForMatches(*graph, state, "email_clicked", welcome, t0, facts));
	EXPECT_FALSE(WaitForMatches(*graph, state, "email_opened", Json::parse(R"({"campaign": "promo"})"), t0, facts));
	EXPECT_FALSE(WaitForMatches(*graph, state, "email_opened", Json::object(), t0, facts));
}

TEST_F(WaitForTest, ResumedByTheEvent)
{
	const Timestamp event_at = t0 + kMicrosPerDay;
	ASSERT_TRUE(WaitForMatches(*graph, state, "email_opened", welcome, event_at, facts));
	const StepResult result = ResumeOnEvent(*graph, state, event_at, facts);
	ASSERT_EQ(result.sends.size(), 1u);
	EXPECT_EQ(result.sends[0].template_name, "thanks");
	EXPECT_EQ(result.sends[0].dedup_key, "9:thanks:1");
	EXPECT_EQ(result.sends[0].at, event_at);
	EXPECT_FALSE(result.sends[0].suppressed);	// in_app needs no address
	EXPECT_EQ(state.status, InstanceStatus::Completed);
	EXPECT_EQ(state.last_step_at, event_at);
	EXPECT_EQ(state.ended_at, event_at);
	EXPECT_FALSE(WaitForMatches(*graph, state, "email_opened", welcome, event_at, facts));	// no longer waiting
}

TEST_F(WaitForTest, EventDatedBeforeTheLastStepRunsAsOfTheLastStep)
{
	state.last_step_at = t0 + kMicrosPerHour;
	ResumeOnEvent(*graph, state, t0, facts);
	EXPECT_EQ(state.ended_at, t0 + kMicrosPerHour);
}

TEST_F(WaitForTest, TimesOut)
{
	const Timestamp due = *state.wake_at;
	const StepResult result = ResumeDue(*graph, state, due, facts);
	ASSERT_EQ(result.sends.size(), 1u);
	EXPECT_EQ(result.sends[0].template_name, "nudge");
	EXPECT_EQ(result.sends[0].at, due);
	EXPECT_EQ(state.status, InstanceStatus::Completed);
	EXPECT_EQ(state.ended_at, due);
}

TEST(Evaluator, LoopWithAWaitGivesDistinctDedupKeys)
{
	const GraphPtr graph = MustCompile(Json::parse(R"({
		"name": "nag", "trigger": {"event": "x"}, "start": "ask",
		"nodes": {
			"ask": {"send": {"channel": "sms", "template": "t"}, "next": "pause"},
			"pause": {"wait": "1 day", "next": "check"},
			"check": {"if": {"event": "answered", "since": "entry"}, "then": "end", "else": "ask"},
			"end": {"exit": "answered"}
		}
	})"));
	ASSERT_NE(graph, nullptr);
	FakeFacts facts;
	facts.SetContact("sms", "+33600000000");
	InstanceState state;
	state.id = 7;
	const Timestamp t0 = MakeTimestamp(2026, 5, 1);
	const StepResult first = Start(*graph, state, t0, facts);
	ASSERT_EQ(first.sends.size(), 1u);
	EXPECT_EQ(first.sends[0].dedup_key, "7:ask:1");
	EXPECT_EQ(first.sends[0].payload["to"], "+33600000000");

	const StepResult second = ResumeDue(*graph, state, *state.wake_at, facts);
	ASSERT_EQ(second.sends.size(), 1u);
	EXPECT_EQ(second.sends[0].dedup_key, "7:ask:2");
	EXPECT_EQ(second.node_visits, 3);	// check, ask, pause
	EXPECT_EQ(state.wake_at, MakeTimestamp(2026, 5, 3));
	EXPECT_EQ(state.visits[graph->FindNode("ask")], 2);
	EXPECT_EQ(state.visits[graph->FindNode("pause")], 2);

	facts.AddEvent("answered", MakeTimestamp(2026, 5, 2, 12));
	const StepResult third = ResumeDue(*graph, state, *state.wake_at, facts);
	EXPECT_TRUE(third.sends.empty());
	EXPECT_EQ(state.status, InstanceStatus::Completed);
	EXPECT_EQ(state.exit_reason, "answered");
}

TEST(Evaluator, ZeroWaitWakesImmediately)
{
	Json definition = CartJourney();
	definition["nodes"]["wait"]["wait"] = "0 seconds";
	const GraphPtr graph = MustCompile(definition);
	ASSERT_NE(graph, nullptr);
	FakeFacts facts;
	InstanceState state;
	const Timestamp t0 = MakeTimestamp(2026, 5, 1);
	Start(*graph, state, t0, facts);
	EXPECT_EQ(state.node, graph->FindNode("wait"));
	EXPECT_EQ(state.wake_at, t0);
}

TEST(Evaluator, StartResetsAStateThatWasUsedBefore)
{
	const GraphPtr graph = MustCompile(CartJourney());
	ASSERT_NE(graph, nullptr);
	FakeFacts facts;
	InstanceState state;
	state.visits = {5, 5, 5};
	state.status = InstanceStatus::Failed;
	state.error = "old";
	Start(*graph, state, 0, facts);
	EXPECT_EQ(state.status, InstanceStatus::Active);
	EXPECT_EQ(state.error, "");
	ASSERT_EQ(state.visits.size(), graph->nodes.size());
	EXPECT_EQ(state.visits[graph->FindNode("wait")], 1);
	EXPECT_EQ(state.visits[graph->FindNode("check")], 0);
}

TEST(Evaluator, RunawayWalkIsStopped)
{
	// Validation refuses instantaneous loops; a graph built by hand shows the evaluator's own guard.
	Graph graph;
	graph.name = "runaway";
	for (const char *id : {"a", "b"}) {
		Node node;
		node.id = id;
		node.kind = NodeKind::If;
		graph.nodes.push_back(node);
	}
	graph.nodes[0].next = graph.nodes[0].alt = 1;
	graph.nodes[1].next = graph.nodes[1].alt = 0;
	graph.start = 0;
	FakeFacts facts;
	InstanceState state;
	EXPECT_THROW(Start(graph, state, 0, facts), StepError);
	EXPECT_EQ(state.visits[0] + state.visits[1], kMaxVisitsPerStep);
}

TEST(Evaluator, AddressOverride)
{
	Json definition = CartJourney();
	definition["nodes"]["email"]["send"]["to"] = "{{ context.work_email | default: 'fallback@example.com' }}";
	const GraphPtr graph = MustCompile(definition);
	ASSERT_NE(graph, nullptr);
	const Timestamp t0 = MakeTimestamp(2026, 5, 1);

	// No contact at all: the override makes the user reachable.
	FakeFacts facts;
	InstanceState state;
	state.context = Json::parse(R"({"work_email": "ann@work.example"})");
	Start(*graph, state, t0, facts);
	StepResult result = ResumeDue(*graph, state, *state.wake_at, facts);
	ASSERT_EQ(result.sends.size(), 1u);
	EXPECT_FALSE(result.sends[0].suppressed);
	EXPECT_EQ(result.sends[0].payload["to"], "ann@work.example");

	// The default applies when the context has no address.
	InstanceState bare;
	Start(*graph, bare, t0, facts);
	result = ResumeDue(*graph, bare, *bare.wake_at, facts);
	ASSERT_EQ(result.sends.size(), 1u);
	EXPECT_EQ(result.sends[0].payload["to"], "fallback@example.com");

	// An opted-out user stays unreachable whatever the override.
	FakeFacts opted_out;
	opted_out.SetContact("email", "ann@example.com", false);
	InstanceState again;
	again.context = state.context;
	Start(*graph, again, t0, opted_out);
	result = ResumeDue(*graph, again, *again.wake_at, opted_out);
	ASSERT_EQ(result.sends.size(), 1u);
	EXPECT_TRUE(result.sends[0].suppressed);
	EXPECT_EQ(result.sends[0].suppress_reason, "not reachable on channel email: opted out");
}

TEST(Evaluator, EmptyOverrideMakesTheUserUnreachable)
{
	// SPEC §6: a "to" that renders empty makes the user unreachable for that send, even with a contact.
	Json definition = CartJourney();
	definition["nodes"]["email"]["send"]["to"] = "{{ context.work_email }}";
	const GraphPtr graph = MustCompile(definition);
	ASSERT_NE(graph, nullptr);
	FakeFacts facts;
	facts.SetContact("email", "home@example.com");
	InstanceState state;
	Start(*graph, state, 0, facts);
	const StepResult result = ResumeDue(*graph, state, *state.wake_at, facts);
	ASSERT_EQ(result.sends.size(), 1u);
	EXPECT_TRUE(result.sends[0].suppressed);
	EXPECT_EQ(result.sends[0].suppress_reason, "not reachable on channel email: \"to\" rendered empty");
	EXPECT_TRUE(result.sends[0].payload["to"].is_null());
	// Rendered, it is the address.
	InstanceState with_context;
	with_context.context = {{"work_email", "work@example.com"}};
	Start(*graph, with_context, 0, facts);
	const StepResult sent = ResumeDue(*graph, with_context, *with_context.wake_at, facts);
	ASSERT_EQ(sent.sends.size(), 1u);
	EXPECT_FALSE(sent.sends[0].suppressed);
	EXPECT_EQ(sent.sends[0].payload["to"], "work@example.com");
}

}	 // namespace
}	 // namespace journey
