// journey.render in the core: the SPEC §5 cart journey drawn in both formats, escaping of hostile ids and
// names, the inference of edge counts, and the node kinds whose edges carry branch labels.
#include "cart_journey.hpp"
#include "core/diagram.hpp"
#include "core/diagram_text.hpp"
#include "journey_test_util.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace journey {
namespace {

using testing::CartJourney;
using testing::JourneyWith;
using testing::MustCompile;

DiagramCounts
Counts(const char *json)
{
	return ParseDiagramCounts(Json::parse(json));
}

const char *const kCartCounts = R"({"nodes": {
	"wait": {"visits": 120, "waiting": 7}, "check": {"visits": 113}, "push?": {"visits": 90},
	"push": {"visits": 60}, "email": {"visits": 88}, "done": {"visits": 100}}})";

TEST(Diagram, CartAsMermaid)
{
	GraphPtr graph = MustCompile(CartJourney());
	ASSERT_NE(graph, nullptr);
	EXPECT_EQ(DrawDiagram(*graph, Counts(kCartCounts), DiagramFormat::Mermaid),
			  "flowchart TD\n"
			  "    %% journey cart_abandonment\n"
			  "    start((\"start\"))\n"
			  "    n0{\"check<br>if event checkout since entry<br>visits 113\"}\n"
			  "    n1([\"done<br>exit completed<br>visits 100\"])\n"
			  "    n2[/\"email<br>send email: cart_similar<br>visits 88\"/]\n"
			  "    n3[/\"push<br>send push: cart_reminder<br>visits 60\"/]\n"
			  "    n4{\"push?<br>if reachable push<br>visits 90\"}\n"
			  "    n5{{\"wait<br>wait 2 hours<br>visits 120 · waiting 7\"}}\n"
			  "    start -->|\"120\"| n5\n"
			  "    n0 -->|\"then\"| n1\n"
			  "    n0 -->|\"else · 90\"| n4\n"
			  "    n2 -->|\"88\"| n1\n"
			  "    n3 -->|\"60\"| n2\n"
			  "    n4 -->|\"then · 60\"| n3\n"
			  "    n4 -->|\"else\"| n2\n"
			  "    n5 -->|\"113\"| n0\n");
}

TEST(Diagram, CartAsDot)
{
	GraphPtr graph = MustCompile(CartJourney());
	ASSERT_NE(graph, nullptr);
	EXPECT_EQ(DrawDiagram(*graph, Counts(kCartCounts), DiagramFormat::Dot),
			  "digraph \"cart_abandonment\" {\n"
			  "    node [fontname=\"Helvetica\", fontsize=10];\n"
			  "    edge [fontname=\"Helvetica\", fontsize=9];\n"
			  "    start [label=\"start\", shape=circle];\n"
			  "    n0 [label=\"check\\nif event checkout since entry\\nvisits 113\", shape=diamond];\n"
			  "    n1 [label=\"done\\nexit completed\\nvisits 100\", shape=box, style=\"rounded,bold\"];\n"
			  "    n2 [label=\"email\\nsend email: cart_similar\\nvisits 88\", shape=parallelogram];\n"
			  "    n3 [label=\"push\\nsend push: cart_reminder\\nvisits 60\", shape=parallelogram];\n"
			  "    n4 [label=\"push?\\nif reachable push\\nvisits 90\", shape=diamond];\n"
			  "    n5 [label=\"wait\\nwait 2 hours\\nvisits 120 · waiting 7\", shape=hexagon];\n"
			  "    start -> n5 [label=\"120\"];\n"
			  "    n0 -> n1 [label=\"then\"];\n"
			  "    n0 -> n4 [label=\"else · 90\"];\n"
			  "    n2 -> n1 [label=\"88\"];\n"
			  "    n3 -> n2 [label=\"60\"];\n"
			  "    n4 -> n3 [label=\"then · 60\"];\n"
			  "    n4 -> n2 [label=\"else\"];\n"
			  "    n5 -> n0 [label=\"113\"];\n"
			  "}\n");
}

TEST(Diagram, MissingCountsAreZero)
{
	GraphPtr graph = MustCompile(CartJourney());
	ASSERT_NE(graph, nullptr);
	const Diagram diagram = LayOutDiagram(*graph, Counts(R"({"nodes": {"wait": {"visits": 3}}})"));
	ASSERT_EQ(diagram.vertices.size(), 7u);
	EXPECT_EQ(diagram.vertices[1].lines,
			  (std::vector<std::string>{"check", "if event checkout since entry", "visits 0"}));
	EXPECT_EQ(diagram.vertices[6].lines, (std::vector<std::string>{"wait", "wait 2 hours", "visits 3 · waiting 0"}));
	EXPECT_EQ(DrawDiagram(*graph, DiagramCounts{}, DiagramFormat::Mermaid),
			  DrawDiagram(*graph, Counts("{}"), DiagramFormat::Mermaid));
}

// Each edge as "from -> to [branch] count" (count "-" when none).
std::vector<std::string>
EdgeSummary(const Diagram &diagram)
{
	std::vector<std::string> lines;
	for (const DiagramEdge &e : diagram.edges)
		lines.push_back(diagram.vertices[e.from].lines[0] + " -> " + diagram.vertices[e.to].lines[0] + " [" + e.branch +
						"] " + (e.count ? std::to_string(*e.count) : "-"));
	return lines;
}

TEST(Diagram, EdgeCountsAreInferredOrLeftOut)
{
	// a (one successor) -> b; b branches to c and d; c and d both go to e; then and else of f both go to g.
	GraphPtr graph = MustCompile(JourneyWith("a", Json::parse(R"({
		"a": {"wait": "1 hour", "next": "b"},
		"b": {"if": {"attribute": "x", "op": "exists"}, "then": "c", "else": "d"},
		"c": {"wait": "1 day", "next": "e"},
		"d": {"if": {"attribute": "y", "op": "exists"}, "then": "e", "else": "f"},
		"e": {"exit": "completed"},
		"f": {"if": {"reachable": "sms"}, "then": "g", "else": "g"},
		"g": {"exit": "other"}})")));
	ASSERT_NE(graph, nullptr);
	const Diagram diagram = LayOutDiagram(*graph, Counts(R"({"nodes": {
		"a": {"visits": 50, "waiting": 8}, "b": {"visits": 42}, "c": {"visits": 30, "waiting": 40},
		"d": {"visits": 12}, "e": {"visits": 39}, "f": {"visits": 2}, "g": {"visits": 2}}})"));
	EXPECT_EQ(EdgeSummary(diagram), (std::vector<std::string>{
										"start -> a [] 50",	 // a has one incoming edge
										"a -> b [] 42",		 // b has one incoming edge: its visits
										"b -> c [then] 30",	 // c has one incoming edge
										"b -> d [else] 12",
										"c -> e [] -",		// a wait (users leave it by exits too): not by what left it
										"d -> e [then] -",	// e has two incoming edges: no count
										"d -> f [else] 2",
										"f -> g [then] -",	// the same target twice: no count
										"f -> g [else] -",
									}));
}

TEST(Diagram, StartEdgeHasNoCountWhenTheStartIsInALoop)
{
	GraphPtr graph = MustCompile(JourneyWith("a", Json::parse(R"({
		"a": {"wait": "1 day", "next": "b"},
		"b": {"if": {"attribute": "done", "op": "exists"}, "then": "c", "else": "a"},
		"c": {"exit": "completed"}})")));
	ASSERT_NE(graph, nullptr);
	const Diagram diagram = LayOutDiagram(*graph, Counts(R"({"nodes": {"a": {"visits": 9, "waiting": 4}}})"));
	EXPECT_EQ(EdgeSummary(diagram), (std::vector<std::string>{
										"start -> a [] -",
										"a -> b [] 0",	 // b has one incoming edge (its visits: 0)
										"b -> c [then] 0",
										"b -> a [else] -",
									}));
}

TEST(Diagram, SplitWithHoldout)
{
	GraphPtr graph = MustCompile(JourneyWith("ab", Json::parse(R"({
		"ab": {"split": [{"label": "A", "percent": 45, "next": "mail"}, {"label": "B", "percent": 33.33, "next": "sms"},
		                 {"label": "control", "percent": 21.67, "next": null}]},
		"mail": {"send": {"channel": "email", "template": "t1"}, "next": "bye"},
		"sms": {"send": {"channel": "sms", "template": "t2"}, "next": "bye"},
		"bye": {"exit": "completed"}})")));
	ASSERT_NE(graph, nullptr);
	const DiagramCounts counts = Counts(R"({
		"nodes": {"ab": {"visits": 200}, "mail": {"visits": 90}, "sms": {"visits": 66}, "bye": {"visits": 150}},
		"arms": [
			{"node": "ab", "label": "A", "entered": 90, "converted": 18, "conversion_rate": 0.2, "p_value": 0.0321},
			{"node": "ab", "label": "B", "entered": 66, "converted": 10, "conversion_rate": null, "p_value": 0.0004},
			{"node": "ab", "label": "control", "entered": 44, "converted": 4, "conversion_rate": 0.0909, "p_value": null},
			{"node": "elsewhere", "label": "A", "entered": 1, "converted": 1}]})");
	EXPECT_EQ(DrawDiagram(*graph, counts, DiagramFormat::Mermaid),
			  "flowchart TD\n"
			  "    %% journey j\n"
			  "    start((\"start\"))\n"
			  "    n0{\"ab<br>split<br>visits 200\"}\n"
			  "    n1([\"bye<br>exit completed<br>visits 150\"])\n"
			  "    n2[/\"mail<br>send email: t1<br>visits 90\"/]\n"
			  "    n3[/\"sms<br>send sms: t2<br>visits 66\"/]\n"
			  "    h0([\"holdout\"])\n"
			  "    start -->|\"200\"| n0\n"
			  "    n0 -->|\"A 45% · 90<br>18/90 converted (20.0%) · p 0.032\"| n2\n"
			  "    n0 -->|\"B 33.33% · 66<br>10/66 converted (15.2%) · p #lt; 0.001\"| n3\n"
			  "    n0 -->|\"control 21.67%<br>4/44 converted (9.1%)\"| h0\n"
			  "    n2 -->|\"90\"| n1\n"
			  "    n3 -->|\"66\"| n1\n");
	EXPECT_EQ(DrawDiagram(*graph, counts, DiagramFormat::Dot),
			  "digraph \"j\" {\n"
			  "    node [fontname=\"Helvetica\", fontsize=10];\n"
			  "    edge [fontname=\"Helvetica\", fontsize=9];\n"
			  "    start [label=\"start\", shape=circle];\n"
			  "    n0 [label=\"ab\\nsplit\\nvisits 200\", shape=diamond];\n"
			  "    n1 [label=\"bye\\nexit completed\\nvisits 150\", shape=box, style=\"rounded,bold\"];\n"
			  "    n2 [label=\"mail\\nsend email: t1\\nvisits 90\", shape=parallelogram];\n"
			  "    n3 [label=\"sms\\nsend sms: t2\\nvisits 66\", shape=parallelogram];\n"
			  "    h0 [label=\"holdout\", shape=box, style=\"rounded,dashed\"];\n"
			  "    start -> n0 [label=\"200\"];\n"
			  "    n0 -> n2 [label=\"A 45% · 90\\n18/90 converted (20.0%) · p 0.032\"];\n"
			  "    n0 -> n3 [label=\"B 33.33% · 66\\n10/66 converted (15.2%) · p < 0.001\"];\n"
			  "    n0 -> h0 [label=\"control 21.67%\\n4/44 converted (9.1%)\"];\n"
			  "    n2 -> n1 [label=\"90\"];\n"
			  "    n3 -> n1 [label=\"66\"];\n"
			  "}\n");
}

TEST(Diagram, SplitWithoutArmCountsAndTwoHoldouts)
{
	GraphPtr graph = MustCompile(JourneyWith("s", Json::parse(R"({
		"s": {"split": [{"label": "x", "percent": 50, "next": null}, {"label": "y", "percent": 25, "next": "e"},
		                {"label": "z", "percent": 25, "next": null}]},
		"e": {"exit": "completed"}})")));
	ASSERT_NE(graph, nullptr);
	const Diagram diagram = LayOutDiagram(*graph, Counts(R"({"nodes": {"s": {"visits": 8}, "e": {"visits": 2}}})"));
	EXPECT_EQ(EdgeSummary(diagram), (std::vector<std::string>{
										"start -> s [] 8",
										"s -> holdout [x 50%] -",  // a holdout has no visits of its own
										"s -> e [y 25%] 2",
										"s -> holdout [z 25%] -",
									}));
	ASSERT_EQ(diagram.vertices.size(), 5u);
	EXPECT_EQ(diagram.vertices[3].key, "h0");
	EXPECT_EQ(diagram.vertices[4].key, "h1");
	EXPECT_EQ(diagram.edges[1].to, 3u);
	EXPECT_EQ(diagram.edges[3].to, 4u);
	for (const DiagramEdge &e : diagram.edges)
		EXPECT_EQ(e.conversion, "");
}

TEST(Diagram, ParallelBranches)
{
	GraphPtr graph = MustCompile(JourneyWith("p", Json::parse(R"({
		"p": {"parallel": ["a", "b"]},
		"a": {"send": {"channel": "email", "template": "t"}, "next": "end"},
		"b": {"wait": "90 minutes", "next": "end"},
		"end": {"exit": "completed"}})")));
	ASSERT_NE(graph, nullptr);
	EXPECT_EQ(DrawDiagram(*graph, Counts(R"({"nodes": {"p": {"visits": 10}, "a": {"visits": 10},
		"b": {"visits": 10, "waiting": 3}, "end": {"visits": 17}}})"),
						  DiagramFormat::Mermaid),
			  "flowchart TD\n"
			  "    %% journey j\n"
			  "    start((\"start\"))\n"
			  "    n0[/\"a<br>send email: t<br>visits 10\"/]\n"
			  "    n1{{\"b<br>wait 1 hour 30 minutes<br>visits 10 · waiting 3\"}}\n"
			  "    n2([\"end<br>exit completed<br>visits 17\"])\n"
			  "    n3[/\"p<br>parallel<br>visits 10\"\\]\n"
			  "    start -->|\"10\"| n3\n"
			  "    n0 -->|\"10\"| n2\n"
			  "    n1 --> n2\n"
			  "    n3 -->|\"branch 1 · 10\"| n0\n"
			  "    n3 -->|\"branch 2 · 10\"| n1\n");
}

TEST(Diagram, WaitForAndSwitch)
{
	CompileOptions options;
	options.segments = {"vip"};
	GraphPtr graph = MustCompile(JourneyWith("w", Json::parse(R"({
		"w": {"wait_for": {"event": "click", "where": {"prop": "url", "op": "contains", "value": "shop"}},
		      "timeout": "3 days", "on_event": "sw", "on_timeout": "late"},
		"sw": {"switch": [{"when": {"attribute": "plan", "op": "=", "value": "pro"}, "next": "pro"},
		                  {"when": {"any": [{"segment": "vip"}, {"not": {"reachable": "sms"}}]}, "next": "late"}],
		       "default": "pro"},
		"pro": {"exit": "pro"},
		"late": {"exit": "late"}})")),
								 options);
	ASSERT_NE(graph, nullptr);
	EXPECT_EQ(DrawDiagram(*graph, Counts(R"({"nodes": {"w": {"visits": 100, "waiting": 20}, "sw": {"visits": 50},
		"pro": {"visits": 30}, "late": {"visits": 50}}})"),
						  DiagramFormat::Dot),
			  "digraph \"j\" {\n"
			  "    node [fontname=\"Helvetica\", fontsize=10];\n"
			  "    edge [fontname=\"Helvetica\", fontsize=9];\n"
			  "    start [label=\"start\", shape=circle];\n"
			  "    n0 [label=\"late\\nexit late\\nvisits 50\", shape=box, style=\"rounded,bold\"];\n"
			  "    n1 [label=\"pro\\nexit pro\\nvisits 30\", shape=box, style=\"rounded,bold\"];\n"
			  "    n2 [label=\"sw\\nswitch\\nvisits 50\", shape=diamond];\n"
			  "    n3 [label=\"w\\nwait for event click where event.url contains \\\"shop\\\", up to 3 days\\n"
			  "visits 100 · waiting 20\", shape=hexagon];\n"
			  "    start -> n3 [label=\"100\"];\n"
			  "    n2 -> n1 [label=\"case 1: user.plan = \\\"pro\\\"\"];\n"
			  "    n2 -> n0 [label=\"case 2: (in segment vip or not reachable sms)\"];\n"
			  "    n2 -> n1 [label=\"default\"];\n"
			  "    n3 -> n2 [label=\"on_event · 50\"];\n"
			  "    n3 -> n0 [label=\"on_timeout\"];\n"
			  "}\n");
}

TEST(Diagram, WaitForASegmentAndWaitUntilSkippingToPastNext)
{
	CompileOptions options;
	options.check_environment = false;	// segment vip, zone Europe/Paris
	GraphPtr graph = MustCompile(JourneyWith("u", Json::parse(R"({
		"u": {"wait_until": {"attribute": "birthday", "offset": "-10 days", "at": "09:00"}, "if_past": "skip",
		      "past_next": "seg", "next": "win"},
		"win": {"window": {"from": "09:00", "to": "18:00", "days": ["mon", "fri"], "timezone": "Europe/Paris"},
		        "next": "seg"},
		"seg": {"wait_for": {"segment": "vip"}, "timeout": "1 mon", "on_event": "up", "on_timeout": "up"},
		"up": {"update": {"plan": {"set": "pro"}, "visits": {"add": 1}, "old": {"unset": true}}, "next": "c"},
		"c": {"call": "public.score", "into": "score", "next": "t"},
		"t": {"wait_until": "2026-12-24T09:00:00Z", "next": "x"},
		"x": {"exit": "completed"}})")),
								 options);
	ASSERT_NE(graph, nullptr);
	const Diagram diagram = LayOutDiagram(*graph, DiagramCounts{});
	std::vector<std::string> facts;
	for (const DiagramVertex &v : diagram.vertices)
		if (v.lines.size() > 1)
			facts.push_back(v.lines[0] + ": " + v.lines[1]);
	EXPECT_EQ(facts, (std::vector<std::string>{
						 "c: call public.score into score",
						 "seg: wait for segment vip, up to 1 month",
						 "t: wait until 2026-12-24T09:00:00Z",
						 "u: wait until user.birthday - 10 days at 09:00, skip if past",
						 "up: update old unset, plan = \"pro\", visits + 1",
						 "win: window 09:00-18:00 mon fri (Europe/Paris)",
						 "x: exit completed",
					 }));
	EXPECT_EQ(EdgeSummary(diagram), (std::vector<std::string>{
										"start -> u [] 0",
										"c -> t [] 0",
										"seg -> up [on_event] -",
										"seg -> up [on_timeout] -",
										"t -> x [] 0",
										"u -> win [due] 0",
										"u -> seg [past] -",
										"up -> c [] 0",
										"win -> seg [] -",	// a window holds users: not by what left it
									}));
}

TEST(Diagram, HostileIdsAndNamesAreEscaped)
{
	CompileOptions options;
	options.extra_channels = {"my|chan"};
	GraphPtr graph = MustCompile(JourneyWith("a-b?!", Json::parse(R"({
		"a-b?!": {"send": {"channel": "my|chan", "template": "say \"hi\" <b>&#1; `x`\\n\nnext"}, "next": "x!"},
		"x!": {"exit": "\"]; n0 --> n1 %% <script>"}})")),
								 options);
	ASSERT_NE(graph, nullptr);
	EXPECT_EQ(DrawDiagram(*graph, Counts(R"({"nodes": {"a-b?!": {"visits": 2}, "x!": {"visits": 1}}})"),
						  DiagramFormat::Mermaid),
			  "flowchart TD\n"
			  "    %% journey j\n"
			  "    start((\"start\"))\n"
			  "    n0[/\"a-b?!<br>send my#124;chan: say #quot;hi#quot; #lt;b#gt;#amp;#35;1; #96;x#96;\\n<br>next"
			  "<br>visits 2\"/]\n"
			  "    n1([\"x!<br>exit #quot;]; n0 --#gt; n1 %% #lt;script#gt;<br>visits 1\"])\n"
			  "    start -->|\"2\"| n0\n"
			  "    n0 -->|\"1\"| n1\n");
	EXPECT_EQ(
		DrawDiagram(*graph, Counts(R"({"nodes": {"a-b?!": {"visits": 2}, "x!": {"visits": 1}}})"), DiagramFormat::Dot),
		"digraph \"j\" {\n"
		"    node [fontname=\"Helvetica\", fontsize=10];\n"
		"    edge [fontname=\"Helvetica\", fontsize=9];\n"
		"    start [label=\"start\", shape=circle];\n"
		"    n0 [label=\"a-b?!\\nsend my|chan: say \\\"hi\\\" <b>&#1; `x`\\\\n\\nnext\\nvisits 2\", "
		"shape=parallelogram];\n"
		"    n1 [label=\"x!\\nexit \\\"]; n0 --> n1 %% <script>\\nvisits 1\", shape=box, style=\"rounded,bold\"];\n"
		"    start -> n0 [label=\"2\"];\n"
		"    n0 -> n1 [label=\"1\"];\n"
		"}\n");
}

TEST(Diagram, EscapeEachFormat)
{
	EXPECT_EQ(EscapeMermaid("a\"b#c&d<e>f`g|h\ni\rj\tk\\l"), "a#quot;b#35;c#amp;d#lt;e#gt;f#96;g#124;h<br>ij k\\l");
	EXPECT_EQ(EscapeDot("a\"b\\c\nd\re\tf<g>{h}|i"), "a\\\"b\\\\c\\nde f<g>{h}|i");
	EXPECT_EQ(EscapeMermaid("café · ok"), "café · ok");
	EXPECT_EQ(EscapeDot("café · ok"), "café · ok");
}

TEST(Diagram, LongNamesAreCut)
{
	const std::string long_template(300, 't');
	GraphPtr graph = MustCompile(
		JourneyWith("s", Json{{"s", {{"send", {{"channel", "email"}, {"template", long_template}}}, {"next", "e"}}},
							  {"e", {{"exit", "completed"}}}}));
	ASSERT_NE(graph, nullptr);
	const Diagram diagram = LayOutDiagram(*graph, DiagramCounts{});
	EXPECT_EQ(diagram.vertices[2].lines[1], "send email: " + std::string(kMaxNameText, 't') + "...");
}

TEST(Diagram, ParseCounts)
{
	const DiagramCounts counts = Counts(R"({"nodes": {"a": {"visits": 3, "waiting": null}, "b": {}, "c": null,
		"d": {"visits": 4.0}}, "arms": [{"node": "s", "label": "A", "entered": 5, "p_value": 0.5}]})");
	EXPECT_EQ(counts.nodes.at("a").visits, 3);
	EXPECT_EQ(counts.nodes.at("a").waiting, 0);
	EXPECT_EQ(counts.nodes.at("b").visits, 0);
	EXPECT_EQ(counts.nodes.count("c"), 0u);
	EXPECT_EQ(counts.nodes.at("d").visits, 4);
	const ArmCounts &arm = counts.arms.at({"s", "A"});
	EXPECT_EQ(arm.entered, 5);
	EXPECT_EQ(arm.converted, 0);
	EXPECT_FALSE(arm.rate.has_value());
	EXPECT_EQ(arm.p_value, 0.5);
	EXPECT_TRUE(ParseDiagramCounts(Json()).nodes.empty());

	const auto error = [](const char *json) -> std::string {
		try {
			ParseDiagramCounts(Json::parse(json));
		} catch (const std::invalid_argument &e) {
			return e.what();
		}
		return "no error";
	};
	EXPECT_EQ(error(R"([])"), "counts: expected an object");
	EXPECT_EQ(error(R"({"nodes": []})"), "counts.nodes: expected an object");
	EXPECT_EQ(error(R"({"nodes": {"w": {"visits": "3"}}})"), "counts.nodes.w.visits: expected an integer");
	EXPECT_EQ(error(R"({"nodes": {"w": {"waiting": 1.5}}})"), "counts.nodes.w.waiting: expected an integer");
	EXPECT_EQ(error(R"({"nodes": {"w": 3}})"), "counts.nodes.w: expected an object");
	EXPECT_EQ(error(R"({"arms": {}})"), "counts.arms: expected an array");
	EXPECT_EQ(error(R"({"arms": [{"label": "A"}]})"), "counts.arms[0].node: expected a string");
	EXPECT_EQ(error(R"({"arms": [{"node": "s", "label": "A", "p_value": "x"}]})"),
			  "counts.arms[0].p_value: expected a number or null");
}

TEST(Diagram, Formats)
{
	EXPECT_EQ(ParseDiagramFormat("mermaid"), DiagramFormat::Mermaid);
	EXPECT_EQ(ParseDiagramFormat("dot"), DiagramFormat::Dot);
	EXPECT_EQ(ParseDiagramFormat("svg"), std::nullopt);
	EXPECT_EQ(ParseDiagramFormat("Dot"), std::nullopt);
}

TEST(DiagramText, DurationsAndPercents)
{
	EXPECT_EQ(DurationText(*ParseInterval("2 hours")), "2 hours");
	EXPECT_EQ(DurationText(*ParseInterval("1 hour")), "1 hour");
	EXPECT_EQ(DurationText(*ParseInterval("1 day 12 hours")), "1 day 12 hours");
	EXPECT_EQ(DurationText(*ParseInterval("14 months")), "1 year 2 months");
	EXPECT_EQ(DurationText(*ParseInterval("-10 days")), "-10 days");
	EXPECT_EQ(DurationText(*ParseInterval("1.5 seconds")), "1.5 seconds");
	EXPECT_EQ(DurationText(*ParseInterval("61 seconds")), "1 minute 1 second");
	EXPECT_EQ(DurationText(Interval{}), "0 seconds");
	EXPECT_EQ(PercentText(5000), "50%");
	EXPECT_EQ(PercentText(3333), "33.33%");
	EXPECT_EQ(PercentText(3350), "33.5%");
	EXPECT_EQ(PercentText(5), "0.05%");
	EXPECT_EQ(PercentText(10000), "100%");
}

TEST(DiagramText, Conditions)
{
	GraphPtr graph = MustCompile(JourneyWith("i", Json::parse(R"({
		"i": {"if": {"all": [{"event": "buy", "within": "7 days", "where": {"prop": "total", "op": ">", "value": 10},
		                      "count": {">=": 2}},
		                     {"attribute": "tags", "op": "not_in", "value": ["a", "b"]},
		                     {"attribute": "email", "op": "not_exists"}]},
		      "then": "j", "else": "j"},
		"j": {"if": {"any": [{"attribute": "tags", "op": "not_in", "value": ["a", "b"]},
		                     {"not": {"attribute": "email", "op": "not_exists"}}]},
		      "then": "e", "else": "e"},
		"e": {"exit": "completed"}})")));
	ASSERT_NE(graph, nullptr);
	// Cut after 80 bytes.
	EXPECT_EQ(ConditionText(*graph, graph->nodes[graph->FindNode("i")].cond),
			  "(event buy within 7 days where event.total > 10 count >= 2 and user.tags not in ...");
	EXPECT_EQ(ConditionText(*graph, graph->nodes[graph->FindNode("j")].cond),
			  "(user.tags not in [\"a\",\"b\"] or not user.email does not exist)");
}

}	 // namespace
}	 // namespace journey
