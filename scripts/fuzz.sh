#!/usr/bin/env bash
# Builds the libFuzzer targets of src/core (test/fuzz/*_fuzz.cpp, clang with ASan and UBSan) and runs each
# for FUZZ_SECONDS (default 300; make test runs them for 20). Seeds: the definitions of examples/ and of the
# unit tests, the templates found in them, test/fuzz/seeds/. The corpus grows in build/fuzz/corpus/TARGET.
# A target that runs clean counts as one pass; a crash, a sanitizer report, a leak or a hang as one failure,
# with the path of the input that reproduces it (rerun: build/fuzz/TARGET PATH).
# Prints "fuzz: N passed, M failed" last; clang missing counts as a failure.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
seconds=${FUZZ_SECONDS:-300}
build=build/fuzz
clangxx=${CLANGXX:-clang++}

if ! command -v "$clangxx" >/dev/null 2>&1; then
	echo "fuzz: $clangxx not found (scripts/deps.sh installs clang and libclang-rt-14-dev)"
	echo "fuzz: 0 passed, 1 failed"
	exit 1
fi
mkdir -p "$build"
if ! make -s -f test/fuzz/Makefile BUILD="$build" CLANGXX="$clangxx" -j2 >"$build/build.log" 2>&1; then
	tail -n 40 "$build/build.log"
	echo "fuzz: 0 passed, 1 failed"
	exit 1
fi

# Seeds, made afresh at each run from what the checkout holds.
seeds=$build/seeds
rm -rf "$seeds"
mkdir -p "$seeds/definition" "$seeds/render"
cp examples/*.json "$seeds/definition/"
# Definitions written as raw strings in the unit tests: R"({ ... })".
SEEDS="$seeds" perl -0777 -ne 'my $n = 0; while (/R"\((\{.*?\})\)"/sg) { my $d = $1; next unless $d =~ /"nodes"/;
	open(my $f, ">", sprintf("%s/definition/%s-%03d.json", $ENV{SEEDS}, $ARGV =~ s{.*/|\.\w+$}{}gr, $n++));
	print $f $d; close $f }' test/unit/*.cpp test/unit/*.hpp 2>/dev/null
# Templates: every JSON string with a "{{" in the examples and the tests, and the hand-written seeds.
grep -ohE '"([^"\\]|\\.)*\{\{([^"\\]|\\.)*"' examples/*.json test/unit/*.cpp sql/*.sql 2>/dev/null | sort -u |
	awk -v dir="$seeds/render" '{ f = sprintf("%s/found-%04d.txt", dir, NR); printf "%s", substr($0, 2, length($0) - 2) > f; close(f) }'
# Hand-written seeds, and inputs that once found a bug (test/fuzz/seeds/TARGET).
for dir in test/fuzz/seeds/*/; do
	mkdir -p "$seeds/$(basename "$dir")"
	cp "$dir"* "$seeds/$(basename "$dir")/"
done

passed=0
failed=0
for binary in "$build"/*_fuzz; do
	target=$(basename "$binary" _fuzz)
	corpus=$build/corpus/$target
	artifacts=$build/artifacts/$target
	mkdir -p "$corpus" "$artifacts"
	dict=()
	[ -f "test/fuzz/$target.dict" ] && dict=(-dict="test/fuzz/$target.dict")
	log=$build/$target.log
	# -timeout: one input taking 10 s is a hang; -rss_limit_mb: memory that grows without bound is a finding.
	ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"$binary" "${dict[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
		-print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" "$seeds/$target" >"$log" 2>&1
	rc=$?
	runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$log" | tail -n1)
	if [ $rc -eq 0 ]; then
		echo "fuzz $target: ok (${runs:-?} runs in ${seconds}s, corpus $(ls "$corpus" | wc -l) inputs)"
		passed=$((passed + 1))
	else
		echo "fuzz $target: FAILED (exit $rc)"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|definition_fuzz|render_fuzz|ALARM|.*Test unit written to)' "$log" | head -n 20
		reproducer=$(sed -nE 's/.*Test unit written to (.*)$/\1/p' "$log" | tail -n1)
		echo "fuzz $target: reproduce with $binary ${reproducer:-(see $log)}"
		failed=$((failed + 1))
	fi
done
[ $((passed + failed)) -eq 0 ] && { echo "fuzz: no target built"; failed=1; }
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
