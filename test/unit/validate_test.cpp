// Compile(): invalid definitions. Every problem is reported, with its path and SQLSTATE.
#include "cart_journey.hpp"
#include "core/compile.hpp"

#include <gtest/gtest.h>

namespace journey {
namespace {

using testing::CartJourney;

std::vector<Problem>
Problems(const Json &definition, const CompileOptions &options = {})
{
	CompileResult result = Compile(definition, options);
	EXPECT_EQ(result.graph == nullptr, !result.ok());
	return result.problems;
}

std::string
Describe(const std::vector<Problem> &problems)
{
	std::string text;
	for (const Problem &problem : problems)
		text += "\n  " + problem.path + ": " + problem.message + " [" + problem.sqlstate + "]";
	return text.empty() ? " (none)" : text;
}

// The definition has exactly one problem, at `path`, with this SQLSTATE and a message containing `message`.
void
ExpectOnly(const Json &definition, const std::string &path, const std::string &message,
		   const std::string &sqlstate = kSqlstateInvalidParameter)
{
	const std::vector<Problem> problems = Problems(definition);
	ASSERT_EQ(problems.size(), 1u) << Describe(problems);
	EXPECT_EQ(problems[0].path, path);
	EXPECT_NE(problems[0].message.find(message), std::string::npos) << problems[0].message;
	EXPECT_EQ(problems[0].sqlstate, sqlstate);
}

Json
Cart(const char *json_patch)
{
	Json definition = CartJourney();
	return definition.patch(Json::parse(json_patch));
}

TEST(Validate, UnknownNodeTarget)
{
	const Json definition = Cart(R"([{"op": "replace", "path": "/nodes/check/then", "value": "chek"}])");
	ExpectOnly(definition, "nodes.check.then", "unknown node \"chek\"");
	const Problem problem = Problems(definition).at(0);
	EXPECT_EQ(FormatProblem("cart_abandonment", problem),
			  "journey \"cart_abandonment\": nodes.check.then: unknown node \"chek\"");
}

TEST(Validate, UnknownStartNode)
{
	ExpectOnly(Cart(R"([{"op": "replace", "path": "/start", "value": "wiat"}])"), "start", "unknown node \"wiat\"");
}

TEST(Validate, BadDurations)
{
	ExpectOnly(Cart(R"([{"op": "replace", "path": "/nodes/wait/wait", "value": "2 hourz"}])"), "nodes.wait.wait",
			   "invalid duration \"2 hourz\"");
	ExpectOnly(Cart(R"([{"op": "replace", "path": "/nodes/wait/wait", "value": 7200}])"), "nodes.wait.wait",
			   "expected a duration");
	ExpectOnly(Cart(R"([{"op": "replace", "path": "/nodes/wait/wait", "value": "-1 hour"}])"), "nodes.wait.wait",
			   "must not be negative");
	ExpectOnly(Cart(R"([{"op": "replace", "path": "/entry/cooldown", "value": "-1 day"}])"), "entry.cooldown",
			   "must not be negative");
	ExpectOnly(Cart(R"([{"op": "add", "path": "/entry/max_event_age", "value": "soon"}])"), "entry.max_event_age",
			   "invalid duration \"soon\"");
	ExpectOnly(Cart(R"([{"op": "replace", "path": "/nodes/check/if/since", "value": "yesterday"}])"),
			   "nodes.check.if.since", "invalid duration \"yesterday\"");
	ExpectOnly(Cart(R"([{"op": "replace", "path": "/nodes/check/if/since", "value": "0 days"}])"),
			   "nodes.check.if.since", "must be positive");
}

TEST(Validate, WaitForTimeoutMustBePositive)
{
	Json definition = Json::parse(R"({
		"name": "w", "trigger": {"event": "x"}, "start": "w",
		"nodes": {"w": {"wait_for": {"event": "y"}, "timeout": "0 seconds", "on_event": "e", "on_timeout": "e"},
				  "e": {"exit": "done"}}
	})");
	ExpectOnly(definition, "nodes.w.timeout", "must be positive");
	definition["nodes"]["w"]["timeout"] = "-2 days";
	ExpectOnly(definition, "nodes.w.timeout", "must not be negative");
	definition["nodes"]["w"].erase("timeout");
	ExpectOnly(definition, "nodes.w.timeout", "required key is missing");
}

TEST(Validate, LoopWithoutAWait)
{
	const Json definition = Cart(R"([{"op": "replace", "path": "/nodes/push/next", "value": "check"}])");
	ExpectOnly(definition, "nodes.check", "instantaneous loop: check -> push? -> push -> check");
	// A loop through a wait is fine.
	EXPECT_TRUE(Compile(Cart(R"([{"op": "replace", "path": "/nodes/push/next", "value": "wait"}])")).ok());
}

TEST(Validate, ZeroWaitDoesNotBreakALoop)
{
	// A wait of zero is allowed, but time does not pass at it: a loop through it alone is instantaneous
	// (run_due would step it again and again at the same instant).
	Json definition = Cart(R"([{"op": "replace", "path": "/nodes/push/next", "value": "wait"}])");
	definition["nodes"]["wait"]["wait"] = "0 seconds";
	const std::vector<Problem> problems = Problems(definition);
	ASSERT_EQ(problems.size(), 1u) << Describe(problems);
	EXPECT_EQ(problems[0].path, "nodes.check");
	EXPECT_NE(problems[0].message.find("instantaneous loop"), std::string::npos) << problems[0].message;
	// Outside a loop a zero wait is fine.
	Json straight = Cart("[]");
	straight["nodes"]["wait"]["wait"] = "0 seconds";
	EXPECT_TRUE(Compile(straight).ok());
}

TEST(Validate, SelfLoopAndSeparateLoopsReportedOnceEach)
{
	const Json definition = Json::parse(R"({
		"name": "loops", "trigger": {"event": "x"}, "start": "a",
		"nodes": {
			"a": {"if": {"reachable": "sms"}, "then": "b", "else": "s"},
			"b": {"if": {"reachable": "email"}, "then": "c", "else": "b2"},
			"b2": {"if": {"reachable": "push"}, "then": "b", "else": "c"},
			"c": {"wait": "1 day", "next": "s"},
			"s": {"send": {"channel": "sms", "template": "t"}, "next": "s"}
		}
	})");
	const std::vector<Problem> problems = Problems(definition);
	ASSERT_EQ(problems.size(), 2u) << Describe(problems);
	EXPECT_EQ(problems[0].path, "nodes.b");
	EXPECT_NE(problems[0].message.find("b -> b2 -> b"), std::string::npos) << problems[0].message;
	EXPECT_EQ(problems[1].path, "nodes.s");
	EXPECT_NE(problems[1].message.find("s -> s"), std::string::npos) << problems[1].message;
}

TEST(Validate, UnknownKeys)
{
	ExpectOnly(Cart(R"([{"op": "add", "path": "/foo", "value": 1}])"), "foo", "unknown key \"foo\"");
	ExpectOnly(Cart(R"([{"op": "add", "path": "/entry/foo", "value": 1}])"), "entry.foo", "unknown key \"foo\"");
	ExpectOnly(Cart(R"([{"op": "add", "path": "/nodes/wait/nxt", "value": "check"}])"), "nodes.wait.nxt",
			   "unknown key \"nxt\"");
	ExpectOnly(Cart(R"([{"op": "add", "path": "/nodes/email/send/cc", "value": "x"}])"), "nodes.email.send.cc",
			   "unknown key \"cc\"");
	ExpectOnly(Cart(R"([{"op": "add", "path": "/nodes/check/if/foo", "value": 1}])"), "nodes.check.if.foo",
			   "unknown key \"foo\"");
	ExpectOnly(Cart(R"([{"op": "add", "path": "/trigger/foo", "value": 1}])"), "trigger.foo", "unknown key \"foo\"");
	ExpectOnly(Cart(R"([{"op": "add", "path": "/exit_when/0/foo", "value": 1}])"), "exit_when[0].foo",
			   "unknown key \"foo\"");
	ExpectOnly(Cart(R"([{"op": "add", "path": "/nodes/done/next", "value": "wait"}])"), "nodes.done.next",
			   "unknown key \"next\"");
}

TEST(Validate, IgnoreCapsAndSendRateAreAccepted)
{
	// Everything of SPEC §5 and §6 is built: nothing is refused with 0A000 any more.
	for (const char *patch : {R"([{"op": "add", "path": "/nodes/email/ignore_caps", "value": true}])",
							  R"([{"op": "add", "path": "/nodes/email/send/ignore_caps", "value": true}])",
							  R"([{"op": "add", "path": "/send_rate", "value": {"max": 10, "per": "1 second"}}])"}) {
		SCOPED_TRACE(patch);
		const std::vector<Problem> problems = Problems(Cart(patch));
		EXPECT_TRUE(problems.empty()) << Describe(problems);
	}
}

TEST(Validate, SegmentsMustExist)
{
	// Segment triggers, conditions, wait_for and schedules name segments the database has (42704 otherwise).
	const char *patches[] = {
		R"([{"op": "replace", "path": "/trigger", "value": {"segment_enter": "vip"}}])",
		R"([{"op": "replace", "path": "/trigger", "value": [{"event": "a"}, {"segment_exit": "vip"}]}])",
		R"([{"op": "replace", "path": "/trigger", "value": {"schedule": "0 9 * * 1-5", "segment": "vip"}}])",
		R"([{"op": "replace", "path": "/nodes/check/if", "value": {"segment": "vip"}}])",
		R"([{"op": "replace", "path": "/nodes/wait", "value": {"wait_for": {"segment": "vip"}, "timeout": "1 day",
			"on_event": "check", "on_timeout": "check"}}])",
	};
	const char *paths[] = {"trigger.segment_enter", "trigger[1].segment_exit", "trigger.segment", "nodes.check.if.segment",
						   "nodes.wait.wait_for.segment"};
	CompileOptions known;
	known.segments = {"vip"};
	for (size_t i = 0; i < std::size(patches); ++i) {
		SCOPED_TRACE(patches[i]);
		const std::vector<Problem> problems = Problems(Cart(patches[i]));
		ASSERT_EQ(problems.size(), 1u) << Describe(problems);
		EXPECT_EQ(problems[0].path, paths[i]);
		EXPECT_EQ(problems[0].message, "unknown segment \"vip\" (journey.define_segment defines one)");
		EXPECT_EQ(problems[0].sqlstate, kSqlstateUndefinedObject);
		const CompileResult result = Compile(Cart(patches[i]), known);
		EXPECT_TRUE(result.ok()) << Describe(result.problems);
	}
	// A schedule's cron is checked as pg_cron reads it.
	const CompileResult bad_cron =
		Compile(Cart(R"([{"op": "replace", "path": "/trigger", "value": {"schedule": "0 25 * * *", "segment": "vip"}}])"), known);
	ASSERT_EQ(bad_cron.problems.size(), 1u);
	EXPECT_EQ(bad_cron.problems[0].path, "trigger.schedule");
	EXPECT_EQ(bad_cron.problems[0].message, "invalid hour \"25\" (0 to 23) in \"0 25 * * *\"");
	for (const char *cron : {"@daily", "30 seconds", "*/5 * * * *", "0 9 * jan-mar mon,wed", "0 0 $ * *"})
		EXPECT_EQ(CheckCron(cron), "") << cron;
	for (const char *cron : {"", "* * * *", "60 * * * *", "0 0 * * 8", "@sometimes", "0 seconds", "*/0 * * * *"})
		EXPECT_NE(CheckCron(cron), "") << cron;
}

TEST(Validate, ConstructsTheCallerDoesNotRunYetAre0A000)
{
	CompileOptions options;
	options.not_supported = {"goal", "key", "throttle", "attribute_change", "geofence_enter", "geofence_exit",
							 "wait_until", "window", "switch", "split", "parallel", "update", "call"};
	options.allowed_functions = {"f"};
	struct Case {
		const char *patch;
		const char *path;
		const char *construct;
	};
	const Case cases[] = {
		{R"([])", "goal", "goal"},
		{R"([{"op": "add", "path": "/entry/key", "value": "cart_id"}])", "entry.key", "key"},
		{R"([{"op": "add", "path": "/entry/throttle", "value": {"max": 10, "per": "1 hour"}}])", "entry.throttle",
		 "throttle"},
		{R"([{"op": "replace", "path": "/trigger", "value": {"attribute_change": "plan"}}])",
		 "trigger.attribute_change", "attribute_change"},
		{R"([{"op": "replace", "path": "/trigger", "value": [{"event": "a"}, {"geofence_enter": {"lat": 1, "lon": 2, "radius_m": 3}}]}])",
		 "trigger[1].geofence_enter", "geofence_enter"},
		{R"([{"op": "replace", "path": "/trigger", "value": {"geofence_exit": {"lat": 1, "lon": 2, "radius_m": 3}}}])",
		 "trigger.geofence_exit", "geofence_exit"},
		{R"([{"op": "replace", "path": "/nodes/wait", "value": {"wait_until": "2030-01-01T00:00:00Z", "next": "check"}}])",
		 "nodes.wait.wait_until", "wait_until"},
		{R"([{"op": "replace", "path": "/nodes/wait", "value": {"window": {"from": "09:00", "to": "18:00"}, "next": "check"}}])",
		 "nodes.wait.window", "window"},
		{R"([{"op": "replace", "path": "/nodes/push?", "value": {"switch": [{"when": {"reachable": "push"}, "next": "push"}], "default": "email"}}])",
		 "nodes.push?.switch", "switch"},
		{R"([{"op": "replace", "path": "/nodes/push?", "value": {"split": [{"label": "A", "percent": 100, "next": "push"}]}}])",
		 "nodes.push?.split", "split"},
		{R"([{"op": "replace", "path": "/nodes/push?", "value": {"parallel": ["push", "email"]}}])",
		 "nodes.push?.parallel", "parallel"},
		{R"([{"op": "replace", "path": "/nodes/push?", "value": {"update": {"score": {"add": 1}}, "next": "push"}}])",
		 "nodes.push?.update", "update"},
		{R"([{"op": "replace", "path": "/nodes/push?", "value": {"call": "f", "into": "k", "next": "push"}}])",
		 "nodes.push?.call", "call"},
	};
	for (const Case &c : cases) {
		SCOPED_TRACE(c.path);
		Json definition = Cart(c.patch);
		if (std::string(c.path) != "goal")
			definition.erase("goal");
		const std::vector<Problem> problems = Problems(definition, options);
		// A refused node hides its edges: reachability is not judged, nothing else is reported.
		ASSERT_EQ(problems.size(), 1u) << Describe(problems);
		EXPECT_EQ(problems[0].path, c.path);
		EXPECT_EQ(problems[0].message, "\"" + std::string(c.construct) + "\" is not supported yet");
		EXPECT_EQ(problems[0].sqlstate, kSqlstateNotSupported);
		CompileOptions everything;
		everything.allowed_functions = {"f"};
		EXPECT_TRUE(Problems(definition, everything).empty()) << "accepted when not refused";
	}
}

TEST(Validate, UnreachableNode)
{
	Json definition = CartJourney();
	definition["nodes"]["orphan"] = Json::parse(R"({"exit": "never"})");
	ExpectOnly(definition, "nodes.orphan", "node is unreachable from start");
}

TEST(Validate, PropOnlyInsideWhere)
{
	ExpectOnly(Cart(R"([{"op": "replace", "path": "/nodes/check/if", "value": {"prop": "sku", "op": "exists"}}])"),
			   "nodes.check.if.prop", "only allowed inside \"where\"");
	ExpectOnly(Cart(R"([{"op": "add", "path": "/entry/when", "value": {"not": {"prop": "sku", "op": "exists"}}}])"),
			   "entry.when.not.prop", "only allowed inside \"where\"");
	// Inside a where it is fine: triggers, exit_when, wait_for, event conditions.
	EXPECT_TRUE(Compile(Cart(R"([{"op": "add", "path": "/trigger/where", "value": {"prop": "sku", "op": "exists"}},
								 {"op": "add", "path": "/exit_when/0/where", "value": {"prop": "total", "op": ">", "value": 0}},
								 {"op": "add", "path": "/nodes/check/if/where", "value": {"all": [{"prop": "total", "op": ">", "value": 0}]}}])"))
					.ok());
}

TEST(Validate, EventWhereAllowsOnlyPropsAndCombinators)
{
	ExpectOnly(Cart(R"([{"op": "add", "path": "/nodes/check/if/where", "value": {"any": [{"attribute": "vip", "op": "exists"}]}}])"),
			   "nodes.check.if.where.any[0].attribute", "allows only prop conditions");
	// A wait_for's where is about the awaited event and the user: attributes are fine there.
	const Json definition = Json::parse(R"({
		"name": "w", "trigger": {"event": "x"}, "start": "w",
		"nodes": {"w": {"wait_for": {"event": "y", "where": {"all": [{"prop": "a", "op": "exists"}, {"attribute": "b", "op": "exists"},
																	  {"prop": "c", "op": "bogus"}]}},
						"timeout": "1 day", "on_event": "e", "on_timeout": "e"},
				  "e": {"exit": "done"}}
	})");
	ExpectOnly(definition, "nodes.w.wait_for.where.all[2].op", "unknown op \"bogus\"");
}

TEST(Validate, MultipleProblemsAllReportedInDocumentOrder)
{
	const Json definition = Json::parse(R"({
		"name": "Bad Name",
		"trigger": [{"event": "a"}, {"event": ""}, {"bogus": 1}],
		"entry": {"reentry": "sometimes", "max_entries": 0},
		"exit_when": [{"where": {"prop": "x", "op": "exists"}}],
		"start": "wait",
		"nodes": {
			"wait": {"wait": "2 hourz", "next": "check"},
			"check": {"if": {"attribute": "x", "op": ">", "value": {}}, "then": "chek", "else": "send"},
			"send": {"send": {"channel": "fax", "template": "t", "data": {"a": "{{ nope.x }}"}}, "next": "wait"},
			"x": {"exit": true}
		}
	})");
	const std::vector<Problem> problems = Problems(definition);
	std::vector<std::string> paths;
	for (const Problem &problem : problems)
		paths.push_back(problem.path);
	EXPECT_EQ(paths, (std::vector<std::string>{
						 "entry.max_entries",
						 "entry.reentry",
						 "exit_when[0].event",
						 "name",
						 "nodes.check.if.value",
						 "nodes.check.then",
						 "nodes.send.send.channel",
						 "nodes.send.send.data.a",
						 "nodes.wait.wait",
						 "nodes.x.exit",
						 "trigger[1].event",
						 "trigger[2]",
					 }))
		<< Describe(problems);
	for (const Problem &problem : problems)
		EXPECT_EQ(problem.sqlstate, kSqlstateInvalidParameter) << problem.path;
	// Deterministic: the same definition gives the same problems.
	const std::vector<Problem> again = Problems(definition);
	ASSERT_EQ(again.size(), problems.size());
	for (size_t i = 0; i < again.size(); ++i)
		EXPECT_EQ(again[i].message, problems[i].message);
}

TEST(Validate, ArrayIndexesSortNumerically)
{
	Json definition = CartJourney();
	definition["exit_when"] = Json::array();
	for (int i = 0; i < 12; ++i)
		definition["exit_when"].push_back(Json::object({{"event", i == 2 || i == 10 ? Json(1) : Json("e")}}));
	const std::vector<Problem> problems = Problems(definition);
	ASSERT_EQ(problems.size(), 2u) << Describe(problems);
	EXPECT_EQ(problems[0].path, "exit_when[2].event");
	EXPECT_EQ(problems[1].path, "exit_when[10].event");
}

TEST(Validate, NodeKinds)
{
	ExpectOnly(Cart(R"([{"op": "replace", "path": "/nodes/done", "value": {"finish": "x"}}])"), "nodes.done",
			   "unknown node kind");
	ExpectOnly(Cart(R"([{"op": "replace", "path": "/nodes/done", "value": {"exit": "x", "wait": "1 day"}}])"),
			   "nodes.done", "a node must have exactly one kind key");
	ExpectOnly(Cart(R"([{"op": "replace", "path": "/nodes/done", "value": "exit"}])"), "nodes.done",
			   "expected an object");
}

TEST(Validate, TypeErrors)
{
	ExpectOnly(Cart(R"([{"op": "replace", "path": "/name", "value": 5}])"), "name", "expected a string");
	ExpectOnly(Cart(R"([{"op": "replace", "path": "/description", "value": []}])"), "description",
			   "expected a string");
	ExpectOnly(Cart(R"([{"op": "replace", "path": "/entry", "value": "never"}])"), "entry", "expected an object");
	ExpectOnly(Cart(R"([{"op": "replace", "path": "/exit_when", "value": {"event": "x"}}])"), "exit_when",
			   "expected an array");
	ExpectOnly(Cart(R"([{"op": "replace", "path": "/exit_when/0", "value": "checkout"}])"), "exit_when[0]",
			   "expected an object");
	ExpectOnly(Cart(R"([{"op": "replace", "path": "/start", "value": 1}])"), "start", "expected a node id");
	ExpectOnly(Cart(R"([{"op": "replace", "path": "/nodes/wait/next", "value": ["check"]}])"), "nodes.wait.next",
			   "expected a node id");
	ExpectOnly(Cart(R"([{"op": "replace", "path": "/nodes/check/if", "value": "true"}])"), "nodes.check.if",
			   "expected an object");
	ExpectOnly(Cart(R"([{"op": "replace", "path": "/nodes/email/send", "value": "email"}])"), "nodes.email.send",
			   "expected an object");
	ExpectOnly(Cart(R"([{"op": "replace", "path": "/nodes/email/send/data", "value": "x"}])"), "nodes.email.send.data",
			   "expected an object");
	ExpectOnly(Cart(R"([{"op": "replace", "path": "/trigger", "value": "add_to_cart"}])"), "trigger",
			   "expected a trigger object");
	ExpectOnly(Cart(R"([{"op": "replace", "path": "/trigger", "value": []}])"), "trigger", "non-empty array");
	ExpectOnly(Cart(R"([{"op": "replace", "path": "/trigger/event", "value": 3}])"), "trigger.event",
			   "expected a non-empty string");
}

TEST(Validate, NodesMustBeANonEmptyObject)
{
	const std::vector<Problem> empty = Problems(Cart(R"([{"op": "replace", "path": "/nodes", "value": {}}])"));
	ASSERT_EQ(empty.size(), 2u) << Describe(empty);
	EXPECT_EQ(empty[0].path, "nodes");
	EXPECT_EQ(empty[1].path, "start");
	const std::vector<Problem> array = Problems(Cart(R"([{"op": "replace", "path": "/nodes", "value": []}])"));
	ASSERT_EQ(array.size(), 2u) << Describe(array);
	EXPECT_EQ(array[0].path, "nodes");
	EXPECT_NE(array[0].message.find("expected an object"), std::string::npos);
}

TEST(Validate, RequiredKeys)
{
	const std::vector<Problem> problems = Problems(Json::object());
	std::vector<std::string> paths;
	for (const Problem &problem : problems) {
		paths.push_back(problem.path);
		EXPECT_EQ(problem.message, "required key is missing");
	}
	EXPECT_EQ(paths, (std::vector<std::string>{"name", "nodes", "start", "trigger"}));
	ExpectOnly(Cart(R"([{"op": "remove", "path": "/nodes/wait/next"}])"), "nodes.wait.next", "required key is missing");
	ExpectOnly(Cart(R"([{"op": "remove", "path": "/nodes/check/else"}])"), "nodes.check.else",
			   "required key is missing");
	ExpectOnly(Cart(R"([{"op": "remove", "path": "/nodes/email/next"}])"), "nodes.email.next",
			   "required key is missing");
	ExpectOnly(Cart(R"([{"op": "remove", "path": "/nodes/email/send/template"}])"), "nodes.email.send.template",
			   "required key is missing");
	ExpectOnly(Cart(R"([{"op": "remove", "path": "/exit_when/0/event"}])"), "exit_when[0].event",
			   "required key is missing");
}

TEST(Validate, NotADocument)
{
	ExpectOnly(Json::array(), "", "expected an object");
	const CompileResult bad_text = Compile(std::string_view("{\"name\": "));
	ASSERT_EQ(bad_text.problems.size(), 1u);
	EXPECT_EQ(bad_text.problems[0].path, "");
	EXPECT_NE(bad_text.problems[0].message.find("invalid json"), std::string::npos);
	EXPECT_EQ(bad_text.graph, nullptr);
}

TEST(Validate, Names)
{
	ExpectOnly(Cart(R"([{"op": "replace", "path": "/name", "value": "Cart"}])"), "name", "invalid journey name \"Cart\"");
	Json long_name = CartJourney();
	long_name["name"] = std::string(64, 'a');
	ExpectOnly(long_name, "name", "invalid journey name");
	Json bad_id = CartJourney();
	bad_id["nodes"]["done"]["exit"] = "completed";
	bad_id["nodes"]["all done"] = bad_id["nodes"]["done"];
	bad_id["nodes"].erase("done");
	bad_id["nodes"]["email"]["next"] = "all done";
	bad_id["nodes"]["check"]["then"] = "all done";
	ExpectOnly(bad_id, "nodes.all done", "invalid node id \"all done\"");
}

TEST(Validate, Triggers)
{
	ExpectOnly(Cart(R"([{"op": "replace", "path": "/trigger", "value": [{"event": "a"}, {"event": 1}]}])"),
			   "trigger[1].event", "expected a non-empty string");
	ExpectOnly(Cart(R"([{"op": "replace", "path": "/trigger", "value": {"manual": false}}])"), "trigger.manual",
			   "expected true");
	ExpectOnly(Cart(R"([{"op": "replace", "path": "/trigger", "value": {"manual": true, "where": {}}}])"),
			   "trigger.where", "unknown key");
	ExpectOnly(Cart(R"([{"op": "replace", "path": "/trigger", "value": {"event": "a", "manual": true}}])"), "trigger",
			   "a trigger must have exactly one kind key");
	ExpectOnly(Cart(R"([{"op": "replace", "path": "/trigger", "value": {"where": {}}}])"), "trigger",
			   "unknown trigger kind");
	EXPECT_TRUE(Compile(Cart(R"([{"op": "replace", "path": "/trigger", "value": {"manual": true}}])")).ok());
}

TEST(Validate, EntryRules)
{
	ExpectOnly(Cart(R"([{"op": "replace", "path": "/entry/reentry", "value": "twice"}])"), "entry.reentry",
			   "expected \"never\", \"after_exit\" or \"always\"");
	ExpectOnly(Cart(R"([{"op": "add", "path": "/entry/max_entries", "value": 0}])"), "entry.max_entries",
			   "expected a positive integer");
	ExpectOnly(Cart(R"([{"op": "add", "path": "/entry/max_entries", "value": 1.5}])"), "entry.max_entries",
			   "expected a positive integer");
	ExpectOnly(Cart(R"([{"op": "add", "path": "/entry/max_entries", "value": "2"}])"), "entry.max_entries",
			   "expected a positive integer");
	ExpectOnly(Cart(R"([{"op": "add", "path": "/entry/when", "value": {"attribute": "a"}}])"), "entry.when.op",
			   "required key is missing");
}

TEST(Validate, Operators)
{
	const auto with_if = [](const char *cond) {
		Json definition = CartJourney();
		definition["nodes"]["check"]["if"] = Json::parse(cond);
		return definition;
	};
	ExpectOnly(with_if(R"({"attribute": "a", "op": "exists", "value": 1})"), "nodes.check.if.value", "takes no value");
	ExpectOnly(with_if(R"({"attribute": "a", "op": "not_exists", "value": 1})"), "nodes.check.if.value",
			   "takes no value");
	ExpectOnly(with_if(R"({"attribute": "a", "op": "in", "value": 1})"), "nodes.check.if.value", "expected an array");
	ExpectOnly(with_if(R"({"attribute": "a", "op": "not_in", "value": "x"})"), "nodes.check.if.value",
			   "expected an array");
	ExpectOnly(with_if(R"({"attribute": "a", "op": "between", "value": [1]})"), "nodes.check.if.value",
			   "expected an array of two");
	ExpectOnly(with_if(R"({"attribute": "a", "op": "between", "value": [1, "z"]})"), "nodes.check.if.value",
			   "expected an array of two");
	ExpectOnly(with_if(R"({"attribute": "a", "op": ">", "value": [1]})"), "nodes.check.if.value",
			   "expected a number or a string");
	ExpectOnly(with_if(R"({"attribute": "a", "op": "=="})"), "nodes.check.if.op", "unknown op \"==\"");
	ExpectOnly(with_if(R"({"attribute": "a", "op": "="})"), "nodes.check.if.value", "required key is missing");
	ExpectOnly(with_if(R"({"attribute": "", "op": "exists"})"), "nodes.check.if.attribute",
			   "expected a non-empty string");
	ExpectOnly(with_if(R"({"all": []})"), "nodes.check.if.all", "expected a non-empty array");
	ExpectOnly(with_if(R"({"any": {"reachable": "sms"}})"), "nodes.check.if.any", "expected a non-empty array");
	ExpectOnly(with_if(R"({"not": {"reachable": "fax"}})"), "nodes.check.if.not.reachable", "unknown channel \"fax\"");
	ExpectOnly(with_if(R"({"reachable": "push", "attribute": "a"})"), "nodes.check.if",
			   "a condition must have exactly one kind key");
	ExpectOnly(with_if(R"({"op": "="})"), "nodes.check.if", "unknown condition kind");
}

TEST(Validate, EventConditions)
{
	const auto with_if = [](const char *cond) {
		Json definition = CartJourney();
		definition["nodes"]["check"]["if"] = Json::parse(cond);
		return definition;
	};
	ExpectOnly(with_if(R"({"event": "buy", "since": "entry", "within": "1 day"})"), "nodes.check.if.within",
			   "either \"since\" or \"within\"");
	ExpectOnly(with_if(R"({"event": "buy", "within": "entry"})"), "nodes.check.if.within", "invalid duration");
	ExpectOnly(with_if(R"({"event": "buy", "count": {"==": 1}})"), "nodes.check.if.count",
			   "unknown comparison \"==\"");
	ExpectOnly(with_if(R"({"event": "buy", "count": {">": -1}})"), "nodes.check.if.count", "an integer >= 0");
	ExpectOnly(with_if(R"({"event": "buy", "count": {">": 1, "<": 5}})"), "nodes.check.if.count", "one comparison");
	ExpectOnly(with_if(R"({"event": "buy", "count": 2})"), "nodes.check.if.count", "one comparison");
	ExpectOnly(with_if(R"({"event": "buy", "count": {"in": 2}})"), "nodes.check.if.count", "unknown comparison");
	ExpectOnly(with_if(R"({"event": "buy", "since": "entry", "where": {"prop": "x", "op": "foo"}})"),
			   "nodes.check.if.where.op", "unknown op");
}

TEST(Validate, SendChannelsAndTemplates)
{
	ExpectOnly(Cart(R"([{"op": "replace", "path": "/nodes/push/send/channel", "value": "fax"}])"),
			   "nodes.push.send.channel", "unknown channel \"fax\"");
	ExpectOnly(Cart(R"([{"op": "replace", "path": "/nodes/push/send/template", "value": ""}])"),
			   "nodes.push.send.template", "expected a non-empty string");
	ExpectOnly(Cart(R"([{"op": "add", "path": "/nodes/email/send/data/items", "value": ["{{event.a}}", "{{event.b"]}])"),
			   "nodes.email.send.data.items[1]", "unclosed \"{{\"");
	ExpectOnly(Cart(R"([{"op": "add", "path": "/nodes/email/send/data/deep", "value": {"x": {"y": "{{ secret.key }}"}}}])"),
			   "nodes.email.send.data.deep.x.y", "unknown template root \"secret\"");
	ExpectOnly(Cart(R"([{"op": "add", "path": "/nodes/email/send/to", "value": "{{user.email | upper}}"}])"),
			   "nodes.email.send.to", "unknown filter \"upper\"");
	ExpectOnly(Cart(R"([{"op": "add", "path": "/nodes/email/send/to", "value": 42}])"), "nodes.email.send.to",
			   "expected a string");
	EXPECT_TRUE(
		Compile(Cart(R"([{"op": "add", "path": "/nodes/email/send/to", "value": "{{ user.work_email | default: 'a@b.c' }}"}])"))
			.ok());
}

TEST(Validate, ExitReason)
{
	ExpectOnly(Cart(R"([{"op": "replace", "path": "/nodes/done/exit", "value": true}])"), "nodes.done.exit",
			   "expected a non-empty string");
	ExpectOnly(Cart(R"([{"op": "replace", "path": "/nodes/done/exit", "value": null}])"), "nodes.done.exit",
			   "expected a non-empty string");
	ExpectOnly(Cart(R"([{"op": "replace", "path": "/nodes/done/exit", "value": ""}])"), "nodes.done.exit",
			   "expected a non-empty string");
}

TEST(Validate, DeepNestingIsRefusedNotRecursedInto)
{
	Json cond = Json::parse(R"({"reachable": "sms"})");
	for (int i = 0; i < 5000; ++i)
		cond = Json::object({{"not", std::move(cond)}});
	Json definition = CartJourney();
	definition["nodes"]["check"]["if"] = std::move(cond);
	const std::vector<Problem> problems = Problems(definition);
	ASSERT_EQ(problems.size(), 1u);
	// 5,000 levels cross the limit of the whole document (kMaxJsonDepth) before the conditions' own.
	EXPECT_NE(problems[0].message.find("nests too deeply"), std::string::npos);
	EXPECT_EQ(problems[0].path.rfind("nodes.check.if.not.not.not", 0), 0u);
}

// Found by the fuzzer (test/fuzz/definition_fuzz.cpp): a number beyond a double's range threw
// nlohmann's out_of_range out of Compile(text) instead of giving a problem. jsonb's numeric holds 1e400.
TEST(Limits, NumberBeyondADoubleIsAProblemNotAnException) {
	for (const char *text :
		 {R"({"name": 1e400})", R"({"nodes": {"a": {"wait": -2222222222E222222}}})", R"([1e999999999999])"}) {
		CompileResult result;
		ASSERT_NO_THROW(result = Compile(text)) << text;
		ASSERT_EQ(result.problems.size(), 1u) << text;
		EXPECT_EQ(result.problems[0].path, "");
		EXPECT_EQ(result.problems[0].sqlstate, "22023");
		EXPECT_EQ(result.problems[0].message.rfind("invalid json: ", 0), 0u) << result.problems[0].message;
	}
}

}	 // namespace
}	 // namespace journey
