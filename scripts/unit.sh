#!/usr/bin/env bash
# Builds and runs the GoogleTest suite of src/core. Prints "unit: N passed, M failed" last.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# Unit tests build without optimisation (faster to compile; the benchmarks build optimised in build/core).
build=$top/build/unit
mkdir -p "$build"
if ! { cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Debug >"$build/cmake.log" 2>&1 &&
	cmake --build "$build" -j2 --target journey_unit_tests >>"$build/cmake.log" 2>&1; }; then
	tail -n 40 "$build/cmake.log"
	echo "unit: 0 passed, 1 failed"
	exit 1
fi
out=$("$build/journey_unit_tests" --gtest_brief=1 2>&1)
rc=$?
echo "$out" | grep -E '^\[  FAILED  \]|Failure' | head -n 40
passed=$(echo "$out" | sed -nE 's/^\[  PASSED  \] ([0-9]+) tests?.*/\1/p' | tail -n1)
# Each failed test's own line ("[  FAILED  ] Suite.Name (3 ms)"): with --gtest_brief the summary that counts
# them may be missing, and the exit status alone says only that something failed.
failed=$(echo "$out" | grep -E '^\[  FAILED  \] [A-Za-z_][A-Za-z0-9_/]*\.[A-Za-z0-9_/]+( |$)' | sort -u | wc -l)
passed=${passed:-0}
failed=${failed:-0}
[ $rc -ne 0 ] && [ "$failed" -eq 0 ] && failed=1
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
