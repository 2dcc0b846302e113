// Micro-benchmarks of src/core: node visits per second of the SPEC §5 cart journey, compile time.
#include "cart_journey.hpp"
#include "core/compile.hpp"
#include "core/evaluator.hpp"
#include "fake_facts.hpp"

#include <benchmark/benchmark.h>

namespace journey {
namespace {

// One instance through the whole journey: start (wait), then resume (check, push?, push, email, done).
void
BM_CartJourneyWalk(benchmark::State &bench)
{
	Json definition = testing::CartJourney();
	definition["nodes"]["wait"]["wait"] = "0 seconds";
	const GraphPtr graph = Compile(definition).graph;
	testing::FakeFacts facts;
	facts.SetContact("push", "device-token");
	facts.SetContact("email", "ann@example.com");
	facts.AddEvent("add_to_cart", 0, Json::parse(R"({"sku": "SKU-1"})"));
	const Json event = Json::parse(R"({"sku": "SKU-1"})");
	int64_t visits = 0;
	int64_t id = 0;
	for (auto _ : bench) {
		InstanceState state;
		state.id = ++id;
		state.event = event;
		visits += Start(*graph, state, 0, facts).node_visits;
		StepResult result = ResumeDue(*graph, state, *state.wake_at, facts);
		visits += result.node_visits;
		benchmark::DoNotOptimize(result);
	}
	bench.counters["node_visits/s"] = benchmark::Counter(static_cast<double>(visits), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_CartJourneyWalk);

void
BM_CompileCartJourney(benchmark::State &bench)
{
	const std::string text = testing::CartJourney().dump();
	for (auto _ : bench) {
		CompileResult result = Compile(text);
		benchmark::DoNotOptimize(result);
	}
}
BENCHMARK(BM_CompileCartJourney);

}	 // namespace
}	 // namespace journey

BENCHMARK_MAIN();
