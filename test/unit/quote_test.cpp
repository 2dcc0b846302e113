// Values in messages are quoted and bounded (issue 11: a 10 MB name made a 20 MB error message).
#include "core/compile.hpp"
#include "core/quote.hpp"

#include <gtest/gtest.h>

namespace journey {
namespace {

TEST(Quoted, ShortTextIsQuotedWhole)
{
	EXPECT_EQ(Quoted("chek"), "\"chek\"");
	EXPECT_EQ(Quoted("say \"hi\""), "\"say \\\"hi\\\"\"");
	EXPECT_EQ(Quoted(std::string(kMaxQuoted, 'x')), "\"" + std::string(kMaxQuoted, 'x') + "\"");
}

TEST(Quoted, LongTextIsCutWithItsLength)
{
	const std::string big(10'000'000, 'x');
	EXPECT_EQ(Quoted(big), "\"" + std::string(kMaxQuoted, 'x') + "...\" (10000000 bytes)");
}

TEST(Quoted, CutsAtACharacterBoundary)
{
	// 199 ASCII bytes, then "é" (2 bytes) straddling byte 200: the cut leaves it out whole.
	const std::string text = std::string(kMaxQuoted - 1, 'a') + "\xc3\xa9" + "tail";
	EXPECT_EQ(CutForMessage(text), std::string(kMaxQuoted - 1, 'a'));
}

TEST(Quoted, AnInvalidTenMegabyteNameMakesASmallProblem)
{
	Json definition = Json::parse(R"({"trigger": {"event": "e"}, "start": "d", "nodes": {"d": {"exit": "completed"}}})");
	definition["name"] = std::string(10'000'000, 'X');
	definition["nodes"][std::string(1'000'000, 'n')] = Json::parse(R"({"exit": "x"})");
	CompileResult result = Compile(definition.dump(), CompileOptions{});
	ASSERT_FALSE(result.ok());
	size_t total = 0;
	for (const Problem &p : result.problems) {
		EXPECT_LT(p.path.size() + p.message.size(), 1000u) << p.path.substr(0, 80);
		total += p.path.size() + p.message.size();
	}
	EXPECT_LT(total, 10'000u);
	EXPECT_NE(FormatProblem(std::string(10'000'000, 'X'), result.problems.front()).size(), 0u);
	EXPECT_LT(FormatProblem(std::string(10'000'000, 'X'), result.problems.front()).size(), 1000u);
}

}	 // namespace
}	 // namespace journey
