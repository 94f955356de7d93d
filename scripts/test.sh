#!/usr/bin/env bash
# make test: the ctest suite and the lint gate, with the synthesis gate running beside them.
# Synthesis is one Yosys process (most of it the 4x4 core's ECP5 mapping, about 20 minutes)
# while the build and ctest keep the other cores busy, so on a 2-core machine it no longer
# adds its whole time after theirs. Its output is held in build/synth/synth.out and printed
# once the rest is done. Exit status 1 if any part failed, naming which.
#   scripts/test.sh [BUILD] [JOBS]     (make test passes the Makefile's BUILD and JOBS)
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
build="${1:-build}"
jobs="${2:-$(nproc)}"

mkdir -p build/synth
synth_out="build/synth/synth.out"
# In its own process group (job control on for this one job), so that stopping make test
# stops Yosys too, not only the script that started it.
set -m
scripts/synth.sh > "$synth_out" 2>&1 &
synth_pid=$!
set +m
trap 'kill -TERM -- "-$synth_pid" 2>/dev/null' EXIT
trap 'exit 130' INT TERM
echo "test: synthesis runs beside the build and the tests; its report follows them ($synth_out)"

failed=()
if make --no-print-directory build BUILD="$build" JOBS="$jobs"; then
  (cd "$build" && ctest --output-on-failure -j "$jobs") || failed+=(ctest)
else
  failed+=(build)
fi
scripts/lint.sh || failed+=(lint)

wait "$synth_pid"
synth_status=$?
trap - EXIT
cat "$synth_out"
[[ $synth_status -eq 0 ]] || failed+=(synthesis)

if [[ ${#failed[@]} -gt 0 ]]; then
  echo "test: FAILED: ${failed[*]}"
  exit 1
fi
echo "test: ctest, lint and synthesis passed"
