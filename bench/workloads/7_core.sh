# Workload 7 — Google Benchmark of src/core (target: ≥ 2,000,000 node visits/s; no baseline).
#
# Measures: journey_core_bench (bench/core_bench.cpp, built by CMake in build/core), the median node
# visits/s of the cart journey's walk as the engine walks (BM_CartJourneyWalkNoHistory), with the walk
# recording history (BM_CartJourneyWalk, as journey.simulate does) beside it.

workload_7() {
	say "== workload 7: Google Benchmark of src/core"
	build=$top/build/core
	if { [ -f "$build/CMakeCache.txt" ] || cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$out/cmake.log" 2>&1; } &&
		cmake --build "$build" --target journey_core_bench -j2 >>"$out/cmake.log" 2>&1 && [ -x "$build/journey_core_bench" ]; then
		"$build/journey_core_bench" --benchmark_repetitions="$REPEAT" --benchmark_format=json >"$out/core_bench.json" 2>>"$log"
		# The trigger and the scheduler walk without recording history (StepOptions{false}): that is the
		# figure the target is about; the walk with history (journey.simulate) is shown beside it.
		visits=$(jq -r '[.benchmarks[] | select(.run_name == "BM_CartJourneyWalkNoHistory" and .aggregate_name == "median")][0]["node_visits/s"]
		                // ([.benchmarks[] | select(.run_name == "BM_CartJourneyWalkNoHistory")][0]["node_visits/s"])' "$out/core_bench.json")
		visits_history=$(jq -r '[.benchmarks[] | select(.run_name == "BM_CartJourneyWalk" and .aggregate_name == "median")][0]["node_visits/s"]
		                // ([.benchmarks[] | select(.run_name == "BM_CartJourneyWalk")][0]["node_visits/s"])' "$out/core_bench.json")
		compile_us=$(jq -r '[.benchmarks[] | select(.run_name == "BM_CompileCartJourney" and .aggregate_name == "median")][0].real_time
		                    // ([.benchmarks[] | select(.run_name == "BM_CompileCartJourney")][0].real_time)' "$out/core_bench.json")
		detail "w7 journey_core_bench: BM_CartJourneyWalkNoHistory $(calc "$visits" 0), BM_CartJourneyWalk $(calc "$visits_history" 0) node visits/s (medians of $REPEAT; runs without history: $(jq -r '[.benchmarks[] | select(.name == "BM_CartJourneyWalkNoHistory") | ."node_visits/s" | floor] | join(" ")' "$out/core_bench.json")); BM_CompileCartJourney $(calc "$compile_us / 1000" 1) µs; $(jq -r '.context | "\(.num_cpus) cpus at \(.mhz_per_cpu) MHz, Google Benchmark library built as \(.library_build_type)"' "$out/core_bench.json")"
		detail "w7 every benchmark's median: $(jq -r '[.benchmarks[] | select(.aggregate_name == "median" or (.run_type == "iteration" and '"$REPEAT"' == 1)) | "\(.run_name) \(.real_time | floor) \(.time_unit)" + (if ."node_visits/s" then " (\(."node_visits/s" | floor) node visits/s)" else "" end)] | unique | join("; ")' "$out/core_bench.json")"
		row 7 "core: cart graph node visits per second (one core), as the engine walks (no history)" "$(fmt_int "$visits")/s" "-" "-" "≥ 2,000,000/s" "$(verdict "$visits" '>=' 2000000)"
		row 7 "  the same walk recording history (journey.simulate)" "$(fmt_int "$visits_history")/s" "-" "-" "-" "info"
	else
		say "   journey_core_bench could not be built (see bench/out/cmake.log)"
		tail -n 20 "$out/cmake.log" >>"$log"
		row 7 "core: cart graph node visits per second" "-" "-" "-" "≥ 2,000,000/s" "not run: build failed"
	fi
}
