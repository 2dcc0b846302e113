// Micro-benchmarks of src/core: node visits per second of the SPEC §5 cart journey (with and without the history
// timeline, and with the history kept on the instance as journey.history = steps does), of a journey with switch, split, parallel and update nodes, compile time, and a window in a zone.
#include "cart_journey.hpp"
#include "core/compile.hpp"
#include "core/evaluator.hpp"
#include "fake_facts.hpp"
#include "fake_zones.hpp"

#include <benchmark/benchmark.h>

namespace journey {
namespace {

// One instance through the whole journey: start (wait), then resume (check, push?, push, email, done).
void
CartJourneyWalk(benchmark::State &bench, bool record_history, bool keep_history = false)
{
	StepOptions options;
	options.record_history = record_history;
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
		state.keep_history = keep_history;
		visits += Start(*graph, state, 0, facts, options).node_visits;
		StepResult result = ResumeDue(*graph, state, *state.wake_at, facts, options);
		visits += result.node_visits;
		benchmark::DoNotOptimize(result);
	}
	bench.counters["node_visits/s"] = benchmark::Counter(static_cast<double>(visits), benchmark::Counter::kIsRate);
}

void
BM_CartJourneyWalk(benchmark::State &bench)
{
	CartJourneyWalk(bench, true);
}
BENCHMARK(BM_CartJourneyWalk);

void
BM_CartJourneyWalkNoHistory(benchmark::State &bench)
{
	CartJourneyWalk(bench, false);
}
BENCHMARK(BM_CartJourneyWalkNoHistory);

// The scheduler's hot path with journey.history = steps: no timeline, the instance's history lines kept.
void
BM_CartJourneyWalkKeptHistory(benchmark::State &bench)
{
	CartJourneyWalk(bench, false, true);
}
BENCHMARK(BM_CartJourneyWalkKeptHistory);

// switch, split, parallel (two branches) and update, without history: the language's branching nodes.
void
BM_BranchingJourneyWalk(benchmark::State &bench)
{
	const GraphPtr graph = Compile(Json::parse(R"({
		"name": "branching", "trigger": {"event": "go"}, "start": "tier",
		"nodes": {
			"tier": {"switch": [{"when": {"attribute": "score", "op": ">=", "value": 90}, "next": "ab"}], "default": "ab"},
			"ab": {"split": [{"label": "A", "percent": 50, "next": "fork"}, {"label": "B", "percent": 50, "next": "fork"}]},
			"fork": {"parallel": ["bump", "hello"]},
			"bump": {"update": {"score": {"add": 1}}, "next": "end"},
			"hello": {"send": {"channel": "in_app", "template": "hi"}, "next": "end"},
			"end": {"exit": "completed"}
		}
	})")).graph;
	testing::FakeFacts facts;
	facts.attributes["score"] = 10;
	StepOptions options;
	options.record_history = false;
	int64_t visits = 0;
	int64_t id = 0;
	for (auto _ : bench) {
		InstanceState state;
		state.id = ++id;
		state.user_id = "user-" + std::to_string(id % 1000);
		StepResult result = Start(*graph, state, 0, facts, options);
		visits += result.node_visits;
		benchmark::DoNotOptimize(result);
	}
	bench.counters["node_visits/s"] = benchmark::Counter(static_cast<double>(visits), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_BranchingJourneyWalk);

// A window node in the user's DST zone (fake Paris rules): the local-time arithmetic of wait_until and window.
void
BM_WindowInAZone(benchmark::State &bench)
{
	testing::FakeZones zones;
	CompileOptions compile_options;
	compile_options.zones = &zones;
	const GraphPtr graph = Compile(Json::parse(R"({
		"name": "window", "trigger": {"event": "go"}, "start": "open",
		"nodes": {"open": {"window": {"from": "09:00", "to": "18:00", "days": ["mon", "tue", "wed", "thu", "fri"]},
						   "next": "end"},
				  "end": {"exit": "completed"}}
	})"), compile_options).graph;
	testing::FakeFacts facts;
	facts.zones = &zones;
	facts.time_zone = "Test/Europe";
	StepOptions options;
	options.record_history = false;
	Timestamp at = MakeTimestamp(2026, 3, 27, 20);  // a friday evening: waits for monday
	for (auto _ : bench) {
		InstanceState state;
		StepResult result = Start(*graph, state, at, facts, options);
		at += kMicrosPerMinute;
		benchmark::DoNotOptimize(result);
	}
}
BENCHMARK(BM_WindowInAZone);

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
