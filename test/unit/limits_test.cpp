// The limits of a definition: nesting deeper than kMaxJsonDepth / kMaxNesting is refused (22023, with the
// path where the limit is crossed) before anything recurses over it; definitions of 10,000 nodes, long or
// wide, compile in time and memory that grow with their size only.
#include "core/compile.hpp"
#include "journey_test_util.hpp"

#include <gtest/gtest.h>

#include <string>

namespace journey {
namespace {

using testing::JourneyWith;
using testing::MustCompile;

// `levels` arrays nested in one another, the innermost holding `inner`: "[[[1]]]".
std::string
NestedArrays(int levels, const std::string &inner = "1") {
	return std::string(levels, '[') + inner + std::string(levels, ']');
}

std::string
Repeat(const std::string &part, int times) {
	std::string out;
	for (int i = 0; i < times; ++i)
		out += part;
	return out;
}

// A valid journey whose condition value holds `levels` nested arrays: the value is any JSON, bounded only by
// the document's limit. The document, nodes, check and if are levels 1 to 4: the deepest is 4 + levels.
std::string
JourneyWithDeepValue(int levels) {
	return R"({"name": "deep", "trigger": {"event": "go"}, "start": "check", "nodes": {
		"check": {"if": {"attribute": "a", "op": "=", "value": )" +
		   NestedArrays(levels) + R"(}, "then": "done", "else": "done"},
		"done": {"exit": "completed"}}})";
}

TEST(Limits, PathBeyondDepth) {
	EXPECT_EQ(PathBeyondDepth(Json(1), 1), std::nullopt);
	EXPECT_EQ(PathBeyondDepth(Json::parse("[]"), 1), std::nullopt);
	EXPECT_EQ(PathBeyondDepth(Json::parse("[[]]"), 1), "[0]");
	EXPECT_EQ(PathBeyondDepth(Json::parse("[[]]"), 2), std::nullopt);
	EXPECT_EQ(PathBeyondDepth(Json::parse(R"({"a": 1, "b": [2, {"c": [], "d": {"e": {}}}]})"), 3), "b[1].c");
	EXPECT_EQ(PathBeyondDepth(Json::parse(R"({"a": 1, "b": [2, {"c": [], "d": {"e": {}}}]})"), 4), "b[1].d.e");
	EXPECT_EQ(PathBeyondDepth(Json::parse(R"({"a": 1, "b": [2, {"c": [], "d": {"e": {}}}]})"), 5), std::nullopt);
	// The first in document order (keys sorted).
	EXPECT_EQ(PathBeyondDepth(Json::parse(R"({"z": [[1]], "y": [1, 2, [[3]]]})"), 2), "y[2]");
	// An empty array or object counts as a level too.
	EXPECT_EQ(PathBeyondDepth(Json::parse(NestedArrays(1000000)), 100), Repeat("[0]", 100));
}

TEST(Limits, DocumentAtTheLimitCompiles) {
	EXPECT_TRUE(Compile(JourneyWithDeepValue(kMaxJsonDepth - 4)).ok());
}

TEST(Limits, DocumentBeyondTheLimitIsRefusedWithItsPath) {
	const CompileResult result = Compile(JourneyWithDeepValue(kMaxJsonDepth - 3));
	ASSERT_EQ(result.problems.size(), 1u);
	EXPECT_EQ(result.problems[0].sqlstate, "22023");
	EXPECT_EQ(result.problems[0].path, "nodes.check.if.value" + Repeat("[0]", kMaxJsonDepth - 4));
	EXPECT_EQ(result.problems[0].message, "json nests too deeply (at most 100 levels of arrays and objects)");
	EXPECT_EQ(result.graph, nullptr);
}

// A million levels: parsing and destroying do not recurse, and nothing else runs.
TEST(Limits, VeryDeepTextIsRefusedWithoutRecursion) {
	const CompileResult arrays = Compile(NestedArrays(1000000));
	ASSERT_EQ(arrays.problems.size(), 1u);
	EXPECT_EQ(arrays.problems[0].path, Repeat("[0]", kMaxJsonDepth));

	const CompileResult value = Compile(JourneyWithDeepValue(1000000));
	ASSERT_EQ(value.problems.size(), 1u);
	EXPECT_EQ(value.problems[0].path, "nodes.check.if.value" + Repeat("[0]", kMaxJsonDepth - 4));

	const std::string conditions =
		R"({"name": "deep", "trigger": {"event": "go"}, "start": "a", "nodes": {"a": {"if": )" +
		Repeat(R"({"not": )", 1000000) + R"({"reachable": "sms"})" + std::string(1000000, '}') +
		R"(, "then": "a", "else": "a"}}})";
	const CompileResult nested = Compile(conditions);
	ASSERT_EQ(nested.problems.size(), 1u);
	EXPECT_EQ(nested.problems[0].path, "nodes.a.if" + Repeat(".not", kMaxJsonDepth - 3));

	// Unbalanced: a parse error, whatever the depth.
	const CompileResult unbalanced = Compile(std::string(1000000, '['));
	ASSERT_EQ(unbalanced.problems.size(), 1u);
	EXPECT_EQ(unbalanced.problems[0].message.rfind("invalid json", 0), 0u);
}

// Conditions have a lower limit of their own (kMaxNesting), well inside the document's.
TEST(Limits, ConditionsNestAtMostkMaxNestingLevels) {
	const auto journey_with = [](int levels) {
		Json cond = Json::parse(R"({"reachable": "sms"})");
		for (int i = 1; i < levels; ++i)
			cond = Json{{"not", std::move(cond)}};
		return JourneyWith("a", {{"a", {{"if", cond}, {"then", "b"}, {"else", "b"}}}, {"b", {{"exit", "done"}}}});
	};
	EXPECT_TRUE(Compile(journey_with(kMaxNesting)).ok());
	const CompileResult result = Compile(journey_with(kMaxNesting + 1));
	ASSERT_EQ(result.problems.size(), 1u);
	EXPECT_EQ(result.problems[0].path, "nodes.a.if" + Repeat(".not", kMaxNesting));
	EXPECT_EQ(result.problems[0].message, "conditions nest too deeply (at most 32 levels)");
}

// A send's data nests at most kMaxNesting levels below "data".
TEST(Limits, SendDataNestsAtMostkMaxNestingLevels) {
	const auto journey_with = [](int levels) {
		const std::string data = NestedArrays(levels, R"("{{user.name}}")");
		return Json::parse(R"({"name": "j", "trigger": {"event": "go"}, "start": "a", "nodes": {
			"a": {"send": {"channel": "email", "template": "t", "data": {"x": )" +
						   data + R"(}}, "next": "b"},
			"b": {"exit": "done"}}})");
	};
	EXPECT_TRUE(Compile(journey_with(kMaxNesting - 1)).ok());
	const CompileResult result = Compile(journey_with(kMaxNesting));
	ASSERT_EQ(result.problems.size(), 1u);
	EXPECT_EQ(result.problems[0].sqlstate, "22023");
	EXPECT_EQ(result.problems[0].path, "nodes.a.send.data.x" + Repeat("[0]", kMaxNesting));
}

// 10,000 nodes in one chain: wait, send, wait, send, ..., exit.
Json
LongJourney(int count) {
	Json nodes = Json::object();
	for (int i = 0; i < count - 1; ++i) {
		const std::string next = "n" + std::to_string(i + 1);
		if (i % 2 == 0)
			nodes["n" + std::to_string(i)] = {{"wait", "1 hour"}, {"next", next}};
		else
			nodes["n" + std::to_string(i)] = {
				{"send", {{"channel", "email"}, {"template", "t"}, {"data", {{"step", "{{context.step}}"}}}}},
				{"next", next}};
	}
	nodes["n" + std::to_string(count - 1)] = {{"exit", "completed"}};
	return JourneyWith("n0", nodes);
}

TEST(Limits, TenThousandNodesInAChain) {
	const GraphPtr graph = MustCompile(LongJourney(10000));
	ASSERT_NE(graph, nullptr);
	EXPECT_EQ(graph->nodes.size(), 10000u);
	// The same as text, as define() receives it.
	EXPECT_TRUE(Compile(LongJourney(10000).dump()).ok());
}

// 10,000 nodes side by side: a parallel, a switch and a split over 3,333 exits each.
TEST(Limits, TenThousandNodesSideBySide) {
	constexpr int kWidth = 3333;
	Json nodes = Json::object();
	Json parallel = Json::array(), cases = Json::array(), split = Json::array();
	for (int i = 0; i < kWidth; ++i) {
		const std::string id = "e" + std::to_string(i);
		nodes[id] = {{"exit", "completed"}};
		parallel.push_back(id);
		cases.push_back({{"when", {{"attribute", "k"}, {"op", "="}, {"value", i}}}, {"next", id}});
		split.push_back({{"label", "L" + std::to_string(i)}, {"percent", i == 0 ? 100 : 0}, {"next", id}});
	}
	split.push_back({{"label", "hold"}, {"percent", 0}, {"next", nullptr}});
	nodes["p"] = {{"parallel", parallel}};
	nodes["s"] = {{"switch", cases}, {"default", "p"}};
	// The split's first branch waits, then the switch; the switch's default is the parallel.
	nodes["w"] = {{"wait", "1 day"}, {"next", "s"}};
	split[0]["next"] = "w";
	nodes["start"] = {{"split", split}};
	const GraphPtr graph = MustCompile(JourneyWith("start", nodes));
	ASSERT_NE(graph, nullptr);
	EXPECT_EQ(graph->nodes.size(), static_cast<size_t>(kWidth + 4));
}

// Invalid definitions of 10,000 nodes: every problem is reported, in time and memory that grow with the size
// of the definition — 9,999 unreachable nodes, and one instantaneous loop through 10,000 nodes.
TEST(Limits, TenThousandNodeProblems) {
	Json unreachable = LongJourney(10000);
	unreachable["start"] = "n9999";
	EXPECT_EQ(Compile(unreachable).problems.size(), 9999u);

	Json loop = Json::object();
	for (int i = 0; i < 10000; ++i)
		loop["n" + std::to_string(i)] = {{"send", {{"channel", "email"}, {"template", "t"}}},
										 {"next", "n" + std::to_string((i + 1) % 10000)}};
	const CompileResult result = Compile(JourneyWith("n0", loop));
	ASSERT_EQ(result.problems.size(), 1u);
	EXPECT_EQ(result.problems[0].path, "nodes.n0");
	EXPECT_EQ(result.problems[0].message.rfind("instantaneous loop: n0 -> n1 -> n2 -> ", 0), 0u);
}

}	 // namespace
}	 // namespace journey
