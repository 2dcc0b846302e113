// libFuzzer target: the parse, validation and compilation of a journey definition — Compile(text), the
// entry point journey.define and journey.validate use. Problems (SQLSTATE 22023, 0A000, 42501, 42704) are the
// expected outcome of bad input; an exception, a sanitizer report, a crash or a hang is a finding.
#include "core/compile.hpp"
#include "core/graph.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

namespace {

[[noreturn]] void
Fail(const char *what) {
	std::fprintf(stderr, "definition_fuzz: %s\n", what);
	std::abort();
}

void
CheckResult(const journey::CompileResult &result) {
	if (result.ok() != (result.graph != nullptr))
		Fail("a result must carry a graph exactly when it has no problems");
	for (const journey::Problem &problem : result.problems) {
		if (problem.message.empty())
			Fail("a problem without a message");
		if (problem.sqlstate != journey::kSqlstateInvalidParameter && problem.sqlstate != journey::kSqlstateNotSupported &&
			problem.sqlstate != journey::kSqlstateNotAllowed && problem.sqlstate != journey::kSqlstateUndefinedObject)
			Fail("a problem with an unexpected sqlstate");
		(void)journey::FormatProblem(result.graph ? result.graph->name : "", problem);
	}
	if (result.graph) {
		const journey::Graph &graph = *result.graph;
		if (graph.start == journey::kNoNode || graph.start >= static_cast<journey::NodeId>(graph.nodes.size()))
			Fail("a compiled graph without a valid start node");
		for (const journey::Node &node : graph.nodes)
			for (journey::NodeId next : node.Successors())
				if (next < 0 || next >= static_cast<journey::NodeId>(graph.nodes.size()))
					Fail("a compiled edge to a node that does not exist");
	}
}

}	 // namespace

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	const std::string_view text(reinterpret_cast<const char *>(data), size);
	try {
		// As define() compiles: every construct of the language on, one added channel, one allowed function,
		// the segments of the examples.
		journey::CompileOptions options;
		options.extra_channels = {"custom"};
		options.allowed_functions = {"public.score", "score"};
		options.segments = {"inactive_30", "inactive_60", "inactive_90", "trial_ending", "vip"};
		CheckResult(journey::Compile(text, options));
		// As a backend compiles a stored definition again: no checks against the environment.
		options.check_environment = false;
		options.split_salt = "fuzz:1";
		CheckResult(journey::Compile(text, options));
	} catch (const std::exception &error) {
		std::fprintf(stderr, "definition_fuzz: uncaught exception: %s\n", error.what());
		std::abort();
	} catch (...) {
		Fail("uncaught exception of an unknown type");
	}
	return 0;
}
