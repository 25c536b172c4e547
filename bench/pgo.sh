#!/bin/sh
# pgo.sh: writes cmd/simulate/default.pgo, the CPU profile that go build
# and go run use for profile-guided optimization of simulate (inlining
# and devirtualization of the hot calls). It profiles three workloads of
# simulate itself (SIMULATE_CPUPROFILE) and merges them:
#
#   simulate run minimal --until 5000s                 a small job, long
#   simulate run testdata/bench/big-job.yaml --until 1s the 1,000-subtask job
#   simulate check --faults always --runs 1000         a sweep with faults
#
# Run it again when the engine changed much; a stale profile still builds
# (the compiler ignores what no longer matches) but gains less. Not part
# of CI. Compare with a build without it: go build -pgo=off.
set -eu
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
go build -pgo=off -o "$dir/simulate" ./cmd/simulate
SIMULATE_CPUPROFILE="$dir/minimal.prof" "$dir/simulate" run minimal --until 5000s >/dev/null
SIMULATE_CPUPROFILE="$dir/big.prof" "$dir/simulate" run testdata/bench/big-job.yaml --until 1s >/dev/null
SIMULATE_CPUPROFILE="$dir/check.prof" "$dir/simulate" check --faults always --runs 1000 --workers 1 --out "$dir" >/dev/null 2>&1
go tool pprof -proto "$dir/minimal.prof" "$dir/big.prof" "$dir/check.prof" >"$dir/default.pgo" 2>/dev/null
mv "$dir/default.pgo" cmd/simulate/default.pgo
echo "wrote cmd/simulate/default.pgo ($(wc -c <cmd/simulate/default.pgo) bytes)"
