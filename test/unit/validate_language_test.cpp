// Compile(): problems of the constructs added to the journey language — time nodes, branching nodes, update,
// call (42501), triggers, entry key and throttle, goal. Each reported at its JSON path with its SQLSTATE.
#include "cart_journey.hpp"
#include "core/compile.hpp"
#include "fake_zones.hpp"
#include "journey_test_util.hpp"

#include <gtest/gtest.h>

namespace journey {
namespace {

using testing::CartJourney;
using testing::DescribeProblems;

Json
Cart(const char *json_patch)
{
	return CartJourney().patch(Json::parse(json_patch));
}

struct Case {
	const char *patch;
	const char *path;
	const char *message;  // a part of the message
	const char *sqlstate = kSqlstateInvalidParameter;
};

void
ExpectEach(const std::vector<Case> &cases, const CompileOptions &options = {})
{
	for (const Case &c : cases) {
		SCOPED_TRACE(c.patch);
		const CompileResult result = Compile(Cart(c.patch), options);
		EXPECT_EQ(result.graph, nullptr);
		ASSERT_EQ(result.problems.size(), 1u) << DescribeProblems(result.problems);
		EXPECT_EQ(result.problems[0].path, c.path);
		EXPECT_NE(result.problems[0].message.find(c.message), std::string::npos) << result.problems[0].message;
		EXPECT_EQ(result.problems[0].sqlstate, c.sqlstate);
	}
}

TEST(ValidateLanguage, Split)
{
	ExpectEach({
		{R"([{"op": "replace", "path": "/nodes/push?", "value": {"split": [
			{"label": "A", "percent": 50, "next": "push"}, {"label": "B", "percent": 40, "next": "email"}]}}])",
		 "nodes.push?.split", "the percents must sum to exactly 100, not 90"},
		{R"([{"op": "replace", "path": "/nodes/push?", "value": {"split": [
			{"label": "A", "percent": 33.33, "next": "push"}, {"label": "B", "percent": 33.33, "next": "email"},
			{"label": "C", "percent": 33.33, "next": "email"}]}}])",
		 "nodes.push?.split", "the percents must sum to exactly 100, not 99.99"},
		{R"([{"op": "replace", "path": "/nodes/push?", "value": {"split": [
			{"label": "A", "percent": 50.05, "next": "push"}, {"label": "B", "percent": 50, "next": "email"}]}}])",
		 "nodes.push?.split", "the percents must sum to exactly 100, not 100.05"},
		{R"([{"op": "replace", "path": "/nodes/push?", "value": {"split": [
			{"label": "A", "percent": 50, "next": "push"}, {"label": "A", "percent": 50, "next": "email"}]}}])",
		 "nodes.push?.split[1].label", "duplicate label \"A\""},
		{R"([{"op": "replace", "path": "/nodes/push?", "value": {"split": [
			{"label": "A", "percent": 50.125, "next": "push"}, {"label": "B", "percent": 49.88, "next": "email"}]}}])",
		 "nodes.push?.split[0].percent", "a percent from 0 to 100 with at most two decimals, got 50.125"},
		{R"([{"op": "replace", "path": "/nodes/push?", "value": {"split": [
			{"label": "A", "percent": "50", "next": "push"}, {"label": "B", "percent": 50, "next": "email"}]}}])",
		 "nodes.push?.split[0].percent", "a percent from 0 to 100 with at most two decimals, got \"50\""},
		{R"([{"op": "replace", "path": "/nodes/push?", "value": {"split": [
			{"label": "A", "percent": 150, "next": "push"}, {"label": "B", "percent": 0, "next": "email"}]}}])",
		 "nodes.push?.split[0].percent", "a percent from 0 to 100 with at most two decimals"},
		{R"([{"op": "replace", "path": "/nodes/push?", "value": {"split": [
			{"label": "A", "percent": -5, "next": "push"}, {"label": "B", "percent": 100, "next": "email"}]}}])",
		 "nodes.push?.split[0].percent", "a percent from 0 to 100 with at most two decimals"},
		{R"([{"op": "replace", "path": "/nodes/push?", "value": {"split": [
			{"label": "A", "percent": 50, "next": "psuh"}, {"label": "B", "percent": 50, "next": "email"}]}}])",
		 "nodes.push?.split[0].next", "unknown node \"psuh\""},
		{R"([{"op": "replace", "path": "/nodes/push?", "value": {"split": [
			{"label": "A", "percent": 100}, {"label": "B", "percent": 0, "next": "email"}]}}])",
		 "nodes.push?.split[0].next", "required key is missing"},
		{R"([{"op": "replace", "path": "/nodes/push?", "value": {"split": []}}])", "nodes.push?.split",
		 "expected a non-empty array"},
		{R"([{"op": "replace", "path": "/nodes/push?", "value": {"split": [
			{"label": "", "percent": 100, "next": "push"}]}}])",
		 "nodes.push?.split[0].label", "expected a non-empty string"},
		{R"([{"op": "replace", "path": "/nodes/push?", "value": {"split": [
			{"label": "A", "percent": 100, "next": "push", "weight": 1}]}}])",
		 "nodes.push?.split[0].weight", "unknown key"},
	});
}

TEST(ValidateLanguage, SwitchAndParallel)
{
	ExpectEach({
		{R"([{"op": "replace", "path": "/nodes/push?", "value": {"switch": [
			{"when": {"reachable": "push"}, "next": "push"}]}}])",
		 "nodes.push?.default", "required key is missing"},
		{R"([{"op": "replace", "path": "/nodes/push?", "value": {"switch": [
			{"when": {"reachable": "push"}, "next": "pushh"}], "default": "email"}}])",
		 "nodes.push?.switch[0].next", "unknown node \"pushh\""},
		{R"([{"op": "replace", "path": "/nodes/push?", "value": {"switch": [], "default": "email"}}])",
		 "nodes.push?.switch", "expected a non-empty array"},
		{R"([{"op": "replace", "path": "/nodes/push?", "value": {"switch": [
			{"when": {"prop": "x", "op": "=", "value": 1}, "next": "push"}], "default": "email"}}])",
		 "nodes.push?.switch[0].when.prop", "only allowed inside \"where\""},
		{R"([{"op": "replace", "path": "/nodes/push?", "value": {"parallel": ["push"]}}])", "nodes.push?.parallel",
		 "at least two node ids"},
		{R"([{"op": "replace", "path": "/nodes/push?", "value": {"parallel": "push"}}])", "nodes.push?.parallel",
		 "at least two node ids"},
		{R"([{"op": "replace", "path": "/nodes/push?", "value": {"parallel": ["push", "push"]}}])",
		 "nodes.push?.parallel[1]", "duplicate branch \"push\""},
		{R"([{"op": "replace", "path": "/nodes/push?", "value": {"parallel": ["push", "mail"]}}])",
		 "nodes.push?.parallel[1]", "unknown node \"mail\""},
		{R"([{"op": "replace", "path": "/nodes/push?", "value": {"parallel": ["push", "email"], "next": "done"}}])",
		 "nodes.push?.next", "unknown key"},
	});
}

TEST(ValidateLanguage, WaitUntil)
{
	ExpectEach({
		{R"([{"op": "replace", "path": "/nodes/wait", "value": {"wait_until": "2030-01-01T00:00:00Z", "next": "check",
			"if_past": "skip"}}])",
		 "nodes.wait.past_next", "required key is missing"},
		{R"([{"op": "replace", "path": "/nodes/wait", "value": {"wait_until": "2030-01-01T00:00:00Z", "next": "check",
			"past_next": "done"}}])",
		 "nodes.wait.past_next", "only used with \"if_past\": \"skip\""},
		{R"([{"op": "replace", "path": "/nodes/wait", "value": {"wait_until": "2030-01-01T00:00:00Z", "next": "check",
			"if_past": "later"}}])",
		 "nodes.wait.if_past", "expected \"continue\" or \"skip\""},
		{R"([{"op": "replace", "path": "/nodes/wait", "value": {"wait_until": "2030-01-01T00:00:00", "next": "check"}}])",
		 "nodes.wait.wait_until", "an ISO timestamp with an offset"},
		{R"([{"op": "replace", "path": "/nodes/wait", "value": {"wait_until": "next friday", "next": "check"}}])",
		 "nodes.wait.wait_until", "an ISO timestamp with an offset"},
		{R"([{"op": "replace", "path": "/nodes/wait", "value": {"wait_until": 5, "next": "check"}}])",
		 "nodes.wait.wait_until", "expected an ISO timestamp"},
		{R"([{"op": "replace", "path": "/nodes/wait", "value": {"wait_until": {"at": "25:00"}, "next": "check"}}])",
		 "nodes.wait.wait_until.at", "\"HH:MM\""},
		{R"([{"op": "replace", "path": "/nodes/wait", "value": {"wait_until": {"at": "9am"}, "next": "check"}}])",
		 "nodes.wait.wait_until.at", "\"HH:MM\""},
		{R"([{"op": "replace", "path": "/nodes/wait", "value": {"wait_until": {"day": "tomorrow"}, "next": "check"}}])",
		 "nodes.wait.wait_until.at", "required key is missing"},
		{R"([{"op": "replace", "path": "/nodes/wait", "value": {"wait_until": {"at": "09:00", "day": "someday"},
			"next": "check"}}])",
		 "nodes.wait.wait_until.day", "unknown day \"someday\""},
		{R"([{"op": "replace", "path": "/nodes/wait", "value": {"wait_until": {"at": "09:00", "day": "mon",
			"date": "2026-12-24"}, "next": "check"}}])",
		 "nodes.wait.wait_until.date", "either \"day\" or \"date\""},
		{R"([{"op": "replace", "path": "/nodes/wait", "value": {"wait_until": {"at": "09:00", "date": "2026-12-32"},
			"next": "check"}}])",
		 "nodes.wait.wait_until.date", "expected a date"},
		{R"([{"op": "replace", "path": "/nodes/wait", "value": {"wait_until": {"at": "09:00", "timezone": "Mars/Olympus"},
			"next": "check"}}])",
		 "nodes.wait.wait_until.timezone", "unknown time zone \"Mars/Olympus\""},
		{R"([{"op": "replace", "path": "/nodes/wait", "value": {"wait_until": {"attribute": "renewal", "offset": "soon"},
			"next": "check"}}])",
		 "nodes.wait.wait_until.offset", "invalid duration"},
		{R"([{"op": "replace", "path": "/nodes/wait", "value": {"wait_until": {"attribute": "renewal", "day": "mon"},
			"next": "check"}}])",
		 "nodes.wait.wait_until.day", "unknown key"},
	});
}

TEST(ValidateLanguage, Window)
{
	ExpectEach({
		{R"([{"op": "replace", "path": "/nodes/wait", "value": {"window": {"from": "9:00am", "to": "18:00"},
			"next": "check"}}])",
		 "nodes.wait.window.from", "\"HH:MM\""},
		{R"([{"op": "replace", "path": "/nodes/wait", "value": {"window": {"from": "09:00"}, "next": "check"}}])",
		 "nodes.wait.window.to", "required key is missing"},
		{R"([{"op": "replace", "path": "/nodes/wait", "value": {"window": {"from": "09:00", "to": "09:00"},
			"next": "check"}}])",
		 "nodes.wait.window.to", "the window is empty"},
		{R"([{"op": "replace", "path": "/nodes/wait", "value": {"window": {"from": "09:00", "to": "18:00",
			"days": ["mon", "funday"]}, "next": "check"}}])",
		 "nodes.wait.window.days[1]", "unknown day \"funday\""},
		{R"([{"op": "replace", "path": "/nodes/wait", "value": {"window": {"from": "09:00", "to": "18:00",
			"days": []}, "next": "check"}}])",
		 "nodes.wait.window.days", "non-empty array of days"},
		{R"([{"op": "replace", "path": "/nodes/wait", "value": {"window": {"from": "09:00", "to": "18:00",
			"timezone": "Europe/Paris"}, "next": "check"}}])",
		 "nodes.wait.window.timezone", "unknown time zone \"Europe/Paris\""},
		{R"([{"op": "replace", "path": "/nodes/wait", "value": {"window": {"from": "09:00", "to": "18:00",
			"timezone": ""}, "next": "check"}}])",
		 "nodes.wait.window.timezone", "expected \"user\" or a time zone name"},
		{R"([{"op": "replace", "path": "/nodes/wait", "value": {"window": {"from": "09:00", "to": "18:00"}}}])",
		 "nodes.wait.next", "required key is missing"},
	});
}

TEST(ValidateLanguage, ZonesAreThoseOfTheOptions)
{
	const char *patch = R"([{"op": "replace", "path": "/nodes/wait", "value": {"window": {"from": "09:00",
		"to": "18:00", "timezone": "Test/Europe"}, "next": "check"}}])";
	const CompileResult utc_only = Compile(Cart(patch));
	ASSERT_EQ(utc_only.problems.size(), 1u) << DescribeProblems(utc_only.problems);
	EXPECT_EQ(utc_only.problems[0].message, "unknown time zone \"Test/Europe\"");

	testing::FakeZones zones;
	CompileOptions options;
	options.zones = &zones;
	EXPECT_TRUE(Compile(Cart(patch), options).ok());

	CompileOptions stored;	// a definition validated at define, compiled again
	stored.check_environment = false;
	EXPECT_TRUE(Compile(Cart(patch), stored).ok());
}

TEST(ValidateLanguage, Update)
{
	ExpectEach({
		{R"([{"op": "replace", "path": "/nodes/push?", "value": {"update": {"score": {"multiply": 2}}, "next": "push"}}])",
		 "nodes.push?.update.score", "unknown update kind: expected one of set, add, unset"},
		{R"([{"op": "replace", "path": "/nodes/push?", "value": {"update": {"score": {"set": 1, "add": 2}}, "next": "push"}}])",
		 "nodes.push?.update.score", "exactly one kind key"},
		{R"([{"op": "replace", "path": "/nodes/push?", "value": {"update": {"score": {"add": true}}, "next": "push"}}])",
		 "nodes.push?.update.score.add", "a number or a duration"},
		{R"([{"op": "replace", "path": "/nodes/push?", "value": {"update": {"trial_end": {"add": "7 dayz"}}, "next": "push"}}])",
		 "nodes.push?.update.trial_end.add", "invalid duration"},
		{R"([{"op": "replace", "path": "/nodes/push?", "value": {"update": {"score": {"unset": false}}, "next": "push"}}])",
		 "nodes.push?.update.score.unset", "expected true"},
		{R"([{"op": "replace", "path": "/nodes/push?", "value": {"update": {"score": 3}, "next": "push"}}])",
		 "nodes.push?.update.score", "expected an object"},
		{R"([{"op": "replace", "path": "/nodes/push?", "value": {"update": {}, "next": "push"}}])",
		 "nodes.push?.update", "expected an object of attribute"},
		{R"([{"op": "replace", "path": "/nodes/push?", "value": {"update": {"plan": {"set": "{{ secret.x }}"}}, "next": "push"}}])",
		 "nodes.push?.update.plan.set", "unknown template root"},
	});
}

TEST(ValidateLanguage, CallOfAFunctionNotAllowedIs42501)
{
	const char *patch = R"([{"op": "replace", "path": "/nodes/push?", "value": {"call": "app.recommend_courses",
		"into": "courses", "next": "push"}}])";
	ExpectEach({{patch, "nodes.push?.call", "function \"app.recommend_courses\" is not allowed", kSqlstateNotAllowed}});

	CompileOptions options;
	options.allowed_functions = {"recommend_courses"};	 // the bare name is another name
	ExpectEach({{patch, "nodes.push?.call", "is not allowed", kSqlstateNotAllowed}}, options);
	options.allowed_functions.push_back("app.recommend_courses");
	const CompileResult allowed = Compile(Cart(patch), options);
	EXPECT_TRUE(allowed.ok()) << DescribeProblems(allowed.problems);

	CompileOptions stored;
	stored.check_environment = false;
	EXPECT_TRUE(Compile(Cart(patch), stored).ok());

	CompileOptions f_allowed;
	f_allowed.allowed_functions = {"f"};
	ExpectEach({
		{R"([{"op": "replace", "path": "/nodes/push?", "value": {"call": "drop table x", "into": "k", "next": "push"}}])",
		 "nodes.push?.call", "expected a function name"},
		{R"([{"op": "replace", "path": "/nodes/push?", "value": {"call": "a.b.c", "into": "k", "next": "push"}}])",
		 "nodes.push?.call", "expected a function name"},
		{R"([{"op": "replace", "path": "/nodes/push?", "value": {"call": "f", "next": "push"}}])", "nodes.push?.into",
		 "required key is missing"},
	}, f_allowed);
}

TEST(ValidateLanguage, Triggers)
{
	ExpectEach({
		{R"([{"op": "replace", "path": "/trigger", "value": {"geofence_enter": {"lat": 91, "lon": 2, "radius_m": 3}}}])",
		 "trigger.geofence_enter.lat", "a latitude from -90 to 90"},
		{R"([{"op": "replace", "path": "/trigger", "value": {"geofence_exit": {"lat": 1, "lon": -200, "radius_m": 3}}}])",
		 "trigger.geofence_exit.lon", "a longitude from -180 to 180"},
		{R"([{"op": "replace", "path": "/trigger", "value": {"geofence_enter": {"lat": 1, "lon": 2, "radius_m": 0}}}])",
		 "trigger.geofence_enter.radius_m", "above 0"},
		{R"([{"op": "replace", "path": "/trigger", "value": {"geofence_enter": {"lat": 1, "lon": 2, "radius_m": "9"}}}])",
		 "trigger.geofence_enter.radius_m", "above 0"},
		{R"([{"op": "replace", "path": "/trigger", "value": {"geofence_enter": {"lat": 1, "lon": 2}}}])",
		 "trigger.geofence_enter.radius_m", "required key is missing"},
		{R"([{"op": "replace", "path": "/trigger", "value": {"geofence_enter": [1, 2, 3]}}])", "trigger.geofence_enter",
		 "expected an object"},
		{R"([{"op": "replace", "path": "/trigger", "value": {"attribute_change": ""}}])", "trigger.attribute_change",
		 "expected a non-empty string"},
		{R"([{"op": "replace", "path": "/trigger", "value": {"attribute_change": "plan", "when": {}}}])", "trigger.when",
		 "unknown key"},
		{R"([{"op": "replace", "path": "/trigger", "value": [{"event": "a"}, {"manual": false}]}])",
		 "trigger[1].manual", "expected true"},
	});
}

TEST(ValidateLanguage, EntryKeyAndThrottle)
{
	ExpectEach({
		{R"([{"op": "add", "path": "/entry/key", "value": 5}])", "entry.key", "expected a non-empty string"},
		{R"([{"op": "add", "path": "/entry/key", "value": "cart_id"},
			 {"op": "replace", "path": "/trigger", "value": [{"event": "add_to_cart"}, {"attribute_change": "plan"}]}])",
		 "trigger[1].attribute_change", "a keyed journey (entry.key) cannot enter on attribute_change"},
		{R"([{"op": "add", "path": "/entry/throttle", "value": {"max": 0, "per": "1 hour"}}])", "entry.throttle.max",
		 "a positive integer"},
		{R"([{"op": "add", "path": "/entry/throttle", "value": {"max": 10}}])", "entry.throttle.per",
		 "required key is missing"},
		{R"([{"op": "add", "path": "/entry/throttle", "value": {"max": 10, "per": "0 seconds"}}])", "entry.throttle.per",
		 "must be positive"},
		{R"([{"op": "add", "path": "/entry/throttle", "value": {"max": 10, "per": "1 hour", "burst": 2}}])",
		 "entry.throttle.burst", "unknown key"},
		{R"([{"op": "add", "path": "/entry/throttle", "value": 10}])", "entry.throttle", "expected an object"},
	});
}

TEST(ValidateLanguage, Goal)
{
	ExpectEach({
		{R"([{"op": "remove", "path": "/goal/within"}])", "goal.within", "required key is missing"},
		{R"([{"op": "remove", "path": "/goal/event"}])", "goal.event", "required key is missing"},
		{R"([{"op": "replace", "path": "/goal/within", "value": "-1 day"}])", "goal.within", "must not be negative"},
		{R"([{"op": "replace", "path": "/goal/within", "value": "0 days"}])", "goal.within", "must be positive"},
		{R"([{"op": "add", "path": "/goal/exit", "value": "yes"}])", "goal.exit", "expected true or false"},
		{R"([{"op": "add", "path": "/goal/value", "value": 10}])", "goal.value", "unknown key"},
		{R"([{"op": "replace", "path": "/goal", "value": "checkout"}])", "goal", "expected an object"},
		{R"([{"op": "add", "path": "/goal/where", "value": {"prop": "total", "op": ">"}}])", "goal.where.value",
		 "required key is missing"},
	});
}

TEST(ValidateLanguage, EveryProblemInDocumentOrder)
{
	const Json definition = Cart(R"([
		{"op": "add", "path": "/entry/throttle", "value": {"max": 0, "per": "1 hour"}},
		{"op": "replace", "path": "/goal/within", "value": "soon"},
		{"op": "replace", "path": "/nodes/push?", "value": {"split": [
			{"label": "A", "percent": 60, "next": "push"}, {"label": "A", "percent": 60, "next": "email"}]}},
		{"op": "replace", "path": "/nodes/wait", "value": {"window": {"from": "9", "to": "18:00", "days": ["xyz"]},
			"next": "check"}},
		{"op": "add", "path": "/nodes/call", "value": {"call": "secret", "into": "x", "next": "done"}},
		{"op": "replace", "path": "/nodes/check/else", "value": "call"},
		{"op": "replace", "path": "/nodes/done", "value": {"exit": "completed"}},
		{"op": "replace", "path": "/trigger", "value": [{"event": "add_to_cart"},
			{"geofence_enter": {"lat": 0, "lon": 0, "radius_m": -1}}]}
	])");
	const std::vector<Problem> problems = Compile(definition).problems;
	std::vector<std::string> paths;
	for (const Problem &problem : problems)
		paths.push_back(problem.path + " " + problem.sqlstate);
	EXPECT_EQ(paths, (std::vector<std::string>{
						 "entry.throttle.max 22023",
						 "goal.within 22023",
						 "nodes.call.call 42501",
						 "nodes.email 22023",  // unreachable: check's else now goes to call
						 "nodes.push 22023",
						 "nodes.push? 22023",
						 "nodes.push?.split 22023",
						 "nodes.push?.split[1].label 22023",
						 "nodes.wait.window.days[0] 22023",
						 "nodes.wait.window.from 22023",
						 "trigger[1].geofence_enter.radius_m 22023",
					 }))
		<< DescribeProblems(problems);
}

TEST(ValidateLanguage, InstantaneousLoopsThroughNewNodes)
{
	// update -> switch -> update never waits.
	const Json loop = testing::JourneyWith("bump", Json::parse(R"({
		"bump": {"update": {"n": {"add": 1}}, "next": "again?"},
		"again?": {"switch": [{"when": {"attribute": "n", "op": "<", "value": 3}, "next": "bump"}], "default": "end"},
		"end": {"exit": "completed"}
	})"));
	const std::vector<Problem> problems = Compile(loop).problems;
	ASSERT_EQ(problems.size(), 1u) << DescribeProblems(problems);
	EXPECT_EQ(problems[0].path, "nodes.again?");
	EXPECT_NE(problems[0].message.find("instantaneous loop: again? -> bump -> again?"), std::string::npos);

	// A parallel branch looping back to the parallel node.
	const Json fork = testing::JourneyWith("fork", Json::parse(R"({
		"fork": {"parallel": ["a", "b"]},
		"a": {"send": {"channel": "in_app", "template": "t"}, "next": "fork"},
		"b": {"exit": "completed"}
	})"));
	EXPECT_EQ(Compile(fork).problems.size(), 1u);

	// A past wait_until and an open window do not wait (SPEC §5): a cycle through only them is refused.
	const Json daily = testing::JourneyWith("open", Json::parse(R"({
		"open": {"window": {"from": "09:00", "to": "10:00"}, "next": "tick"},
		"tick": {"send": {"channel": "in_app", "template": "t"}, "next": "later"},
		"later": {"wait_until": {"at": "08:00", "day": "tomorrow"}, "next": "open"}
	})"));
	const std::vector<Problem> daily_problems = Compile(daily).problems;
	ASSERT_EQ(daily_problems.size(), 1u) << DescribeProblems(daily_problems);
	EXPECT_EQ(daily_problems[0].path, "nodes.later");
	EXPECT_NE(daily_problems[0].message.find("instantaneous loop: later -> open -> tick -> later"), std::string::npos)
		<< daily_problems[0].message;

	// The same cycle through a wait of positive duration, or a wait_for, is valid.
	const Json waited = testing::JourneyWith("open", Json::parse(R"({
		"open": {"window": {"from": "09:00", "to": "10:00"}, "next": "tick"},
		"tick": {"send": {"channel": "in_app", "template": "t"}, "next": "later"},
		"later": {"wait": "20 hours", "next": "open"}
	})"));
	EXPECT_TRUE(Compile(waited).ok()) << DescribeProblems(Compile(waited).problems);
	const Json waited_for = testing::JourneyWith("open", Json::parse(R"({
		"open": {"window": {"from": "09:00", "to": "10:00"}, "next": "tick"},
		"tick": {"send": {"channel": "in_app", "template": "t"}, "next": "later"},
		"later": {"wait_for": {"event": "e"}, "timeout": "1 day", "on_event": "open", "on_timeout": "open"}
	})"));
	EXPECT_TRUE(Compile(waited_for).ok()) << DescribeProblems(Compile(waited_for).problems);
}

TEST(ValidateLanguage, DurationsLongerThanAHundredYearsAreRefused)
{
	const auto problems_of = [](const char *duration) {
		return Compile(testing::JourneyWith("w", Json::parse(std::string(R"({"w": {"wait": ")") + duration +
															  R"(", "next": "end"}, "end": {"exit": "completed"}})")))
			.problems;
	};
	EXPECT_TRUE(problems_of("100 years").empty());
	EXPECT_TRUE(problems_of("36525 days").empty());
	for (const char *too_long : {"101 years", "36526 days", "178000000 years", "1300 mons", "900000 hours"}) {
		const std::vector<Problem> problems = problems_of(too_long);
		ASSERT_EQ(problems.size(), 1u) << too_long << DescribeProblems(problems);
		EXPECT_EQ(problems[0].path, "nodes.w.wait") << too_long;
		EXPECT_EQ(problems[0].sqlstate, "22023") << too_long;
		EXPECT_NE(problems[0].message.find("longer than 100 years"), std::string::npos) << problems[0].message;
	}
}

}	 // namespace
}	 // namespace journey
