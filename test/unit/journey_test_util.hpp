// Helpers shared by the tests of the journey language: compile a definition that must be valid, list problems.
#pragma once

#include "core/compile.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace journey::testing {

inline GraphPtr
MustCompile(const Json &definition, const CompileOptions &options = {})
{
	CompileResult result = Compile(definition, options);
	for (const Problem &problem : result.problems)
		ADD_FAILURE() << FormatProblem("", problem) << " [" << problem.sqlstate << "]";
	return result.graph;
}

inline std::string
DescribeProblems(const std::vector<Problem> &problems)
{
	std::string text;
	for (const Problem &problem : problems)
		text += "\n  " + problem.path + ": " + problem.message + " [" + problem.sqlstate + "]";
	return text.empty() ? " (none)" : text;
}

// A journey whose start node is `start` among `nodes`, entered by event "go".
inline Json
JourneyWith(const std::string &start, const Json &nodes)
{
	return Json{{"name", "j"}, {"trigger", {{"event", "go"}}}, {"start", start}, {"nodes", nodes}};
}

}	 // namespace journey::testing
