// Compile(): what the graph holds for the constructs added to the journey language, and what the layer indexes.
#include "cart_journey.hpp"
#include "core/compile.hpp"
#include "fake_zones.hpp"
#include "journey_test_util.hpp"

#include <gtest/gtest.h>

namespace journey {
namespace {

using testing::MustCompile;

const Node &
NodeOf(const Graph &graph, const std::string &id)
{
	return graph.nodes.at(graph.FindNode(id));
}

TEST(CompileLanguage, TriggersEntryAndGoal)
{
	const GraphPtr graph = MustCompile(Json::parse(R"({
		"name": "courses",
		"trigger": [{"event": "enrolled", "where": {"prop": "paid", "op": "=", "value": true}},
					{"geofence_exit": {"lat": 48.5, "lon": -2.25, "radius_m": 150.5}},
					{"manual": true}],
		"entry": {"key": "course_id", "throttle": {"max": 100, "per": "1 hour"}},
		"exit_when": [{"event": "unenrolled"}],
		"goal": {"event": "course_completed", "within": "30 days", "where": {"prop": "score", "op": ">=", "value": 50},
				 "exit": true},
		"start": "w",
		"nodes": {"w": {"wait_for": {"event": "lesson_done"}, "timeout": "7 days", "on_event": "end", "on_timeout": "end"},
				  "end": {"exit": "completed"}}
	})"));
	ASSERT_NE(graph, nullptr);
	ASSERT_EQ(graph->triggers.size(), 3u);
	EXPECT_EQ(graph->triggers[0].kind, TriggerKind::Event);
	EXPECT_NE(graph->triggers[0].where, kNoCond);
	EXPECT_EQ(graph->triggers[1].kind, TriggerKind::GeofenceExit);
	EXPECT_EQ(graph->triggers[1].fence.lat, 48.5);
	EXPECT_EQ(graph->triggers[1].fence.lon, -2.25);
	EXPECT_EQ(graph->triggers[1].fence.radius_m, 150.5);
	EXPECT_EQ(graph->triggers[2].kind, TriggerKind::Manual);
	EXPECT_TRUE(graph->HasManualTrigger());
	EXPECT_TRUE(graph->HasGeofenceTriggers());
	EXPECT_EQ(graph->entry.key, "course_id");
	ASSERT_TRUE(graph->entry.throttle.has_value());
	EXPECT_EQ(graph->entry.throttle->max, 100);
	EXPECT_EQ(graph->entry.throttle->per, (Interval{0, 0, kMicrosPerHour}));
	ASSERT_TRUE(graph->goal.has_value());
	EXPECT_EQ(graph->goal->event, "course_completed");
	EXPECT_EQ(graph->goal->within, (Interval{0, 30, 0}));
	EXPECT_NE(graph->goal->where, kNoCond);
	EXPECT_TRUE(graph->goal->exit);
	EXPECT_EQ(graph->EntryEventNames(), (std::vector<std::string>{"enrolled", "location"}));
	EXPECT_EQ(graph->EventNames(), (std::vector<std::string>{"course_completed", "enrolled", "lesson_done", "location",
															 "unenrolled"}));
	EXPECT_TRUE(graph->ChangeAttributes().empty());
	EXPECT_EQ(graph->split_salt, "courses");
}

TEST(CompileLanguage, AttributeChangeTriggers)
{
	const GraphPtr graph = MustCompile(Json::parse(R"({
		"name": "upgrade",
		"trigger": [{"attribute_change": "plan", "where": {"prop": "new", "op": "=", "value": "pro"}},
					{"attribute_change": "country"}, {"attribute_change": "plan"}],
		"start": "end", "nodes": {"end": {"exit": "completed"}}
	})"));
	ASSERT_NE(graph, nullptr);
	EXPECT_EQ(graph->triggers[0].kind, TriggerKind::AttributeChange);
	EXPECT_EQ(graph->triggers[0].attribute, "plan");
	EXPECT_EQ(graph->ChangeAttributes(), (std::vector<std::string>{"country", "plan"}));
	EXPECT_TRUE(graph->EntryEventNames().empty());
	EXPECT_FALSE(graph->HasManualTrigger());
}

TEST(CompileLanguage, TimeNodes)
{
	testing::FakeZones zones;
	CompileOptions options;
	options.zones = &zones;
	const GraphPtr graph = MustCompile(testing::JourneyWith("a", Json::parse(R"({
		"a": {"wait_until": "2026-12-24T09:00:00+01:00", "next": "b", "if_past": "skip", "past_next": "end"},
		"b": {"wait_until": {"attribute": "renewal", "offset": "-10 days", "at": "08:30"}, "next": "c"},
		"c": {"wait_until": {"at": "09:00", "day": "fri", "timezone": "Test/Europe"}, "next": "d", "if_past": "continue"},
		"d": {"wait_until": {"at": "9:15", "date": "2027-01-02"}, "next": "e"},
		"e": {"window": {"from": "22:00", "to": "06:00", "days": ["fri", "sat"], "timezone": "user"}, "next": "f"},
		"f": {"window": {"from": "09:00", "to": "18:00", "timezone": "Test/Europe"}, "next": "end"},
		"end": {"exit": "completed"}
	})")), options);
	ASSERT_NE(graph, nullptr);
	const Node &a = NodeOf(*graph, "a");
	EXPECT_EQ(a.kind, NodeKind::WaitUntil);
	EXPECT_TRUE(a.IsWaiting());
	EXPECT_EQ(a.until.kind, UntilKind::Instant);
	EXPECT_EQ(a.until.instant, MakeTimestamp(2026, 12, 24, 8));
	EXPECT_TRUE(a.until.skip_if_past);
	EXPECT_EQ(a.next, graph->FindNode("b"));
	EXPECT_EQ(a.alt, graph->FindNode("end"));
	const Node &b = NodeOf(*graph, "b");
	EXPECT_EQ(b.until.kind, UntilKind::Attribute);
	EXPECT_EQ(b.until.attribute, "renewal");
	EXPECT_EQ(b.until.offset, (Interval{0, -10, 0}));
	EXPECT_EQ(b.until.clock, 8 * 60 + 30);
	EXPECT_FALSE(b.until.skip_if_past);
	EXPECT_EQ(b.alt, kNoNode);
	const Node &c = NodeOf(*graph, "c");
	EXPECT_EQ(c.until.kind, UntilKind::Clock);
	EXPECT_EQ(c.until.day, UntilDay::Weekday);
	EXPECT_EQ(c.until.weekday, 5);
	EXPECT_EQ(c.until.timezone, "Test/Europe");
	const Node &d = NodeOf(*graph, "d");
	EXPECT_EQ(d.until.day, UntilDay::Date);
	EXPECT_EQ(d.until.clock, 9 * 60 + 15);
	EXPECT_EQ(d.until.year * 10000 + d.until.month * 100 + d.until.date, 20270102);
	EXPECT_EQ(d.until.timezone, "");  // the user's
	const Node &e = NodeOf(*graph, "e");
	EXPECT_EQ(e.kind, NodeKind::Window);
	EXPECT_EQ(e.window.from, 22 * 60);
	EXPECT_EQ(e.window.to, 6 * 60);
	EXPECT_EQ(e.window.days, (1 << 5) | (1 << 6));
	EXPECT_EQ(e.window.timezone, "");
	EXPECT_EQ(NodeOf(*graph, "f").window.days, 0x7f);  // every day
}

TEST(CompileLanguage, BranchingAndEffectNodes)
{
	CompileOptions options;
	options.allowed_functions = {"app.recommend"};
	options.split_salt = "j:3";
	const GraphPtr graph = MustCompile(testing::JourneyWith("s", Json::parse(R"({
		"s": {"switch": [{"when": {"attribute": "plan", "op": "=", "value": "pro"}, "next": "ab"},
						 {"when": {"reachable": "email"}, "next": "both"}], "default": "end"},
		"ab": {"split": [{"label": "A", "percent": 45, "next": "u"}, {"label": "B", "percent": 45, "next": "c"},
						 {"label": "control", "percent": 10, "next": null}]},
		"both": {"parallel": ["u", "c", "end"]},
		"u": {"update": {"score": {"add": 5}, "trial_end": {"add": "7 days"}, "plan": {"set": "{{event.plan}}"},
						 "legacy": {"unset": true}}, "next": "end"},
		"c": {"call": "app.recommend", "into": "recs", "next": "end"},
		"end": {"exit": "done"}
	})")), options);
	ASSERT_NE(graph, nullptr);
	EXPECT_EQ(graph->split_salt, "j:3");
	const Node &s = NodeOf(*graph, "s");
	EXPECT_EQ(s.kind, NodeKind::Switch);
	ASSERT_EQ(s.cases.size(), 2u);
	EXPECT_EQ(s.cases[0].next, graph->FindNode("ab"));
	EXPECT_EQ(s.cases[1].next, graph->FindNode("both"));
	EXPECT_EQ(s.alt, graph->FindNode("end"));
	EXPECT_EQ(s.Successors(), (std::vector<NodeId>{graph->FindNode("end"), graph->FindNode("ab"), graph->FindNode("both")}));
	const Node &ab = NodeOf(*graph, "ab");
	ASSERT_EQ(ab.arms.size(), 3u);
	EXPECT_EQ(ab.arms[2].label, "control");
	EXPECT_EQ(ab.arms[2].basis_points, 1000);
	EXPECT_EQ(ab.arms[2].next, kNoNode);
	EXPECT_EQ(ab.Successors().size(), 2u);	 // the holdout has no successor
	const Node &both = NodeOf(*graph, "both");
	EXPECT_EQ(both.branches, (std::vector<NodeId>{graph->FindNode("u"), graph->FindNode("c"), graph->FindNode("end")}));
	const Node &u = NodeOf(*graph, "u");
	ASSERT_EQ(u.updates.size(), 4u);  // in key order
	EXPECT_EQ(u.updates[0].attribute, "legacy");
	EXPECT_EQ(u.updates[0].op, UpdateOp::Unset);
	EXPECT_EQ(u.updates[1].attribute, "plan");
	EXPECT_EQ(u.updates[1].value, "{{event.plan}}");
	EXPECT_EQ(u.updates[2].attribute, "score");
	EXPECT_EQ(u.updates[2].op, UpdateOp::Add);
	EXPECT_EQ(u.updates[2].value, 5);
	EXPECT_FALSE(u.updates[2].add_duration.has_value());
	EXPECT_EQ(u.updates[3].add_duration, (Interval{0, 7, 0}));
	const Node &c = NodeOf(*graph, "c");
	EXPECT_EQ(c.call.function, "app.recommend");
	EXPECT_EQ(c.call.into, "recs");
}

}	 // namespace
}	 // namespace journey
