#!/bin/sh
# ab.sh RUNS OLD NEW ARGS...: runs the simulate binaries OLD and NEW with
# ARGS alternately, RUNS times each, on one core (GOMAXPROCS=1, pinned to
# the last CPU with taskset when there is one), and prints the min /
# median / max CPU time (user + system) of each and the ratio of the
# medians. Alternating spreads a shared machine's drift over both builds,
# where two batches in a row would each get their own:
#
#   go build -o /tmp/old ./cmd/simulate   # on the old commit
#   go build -o /tmp/new ./cmd/simulate   # on the new one
#   bench/ab.sh 5 /tmp/old /tmp/new run testdata/bench/big-job.yaml --until 2s
#
# Differences below the machine's noise (often ±10 % on a run of a
# second) need more runs, or bench/cachegrind.sh. The ratio of the
# minimums is a second estimate: on a shared machine, the fastest run of
# each is the least disturbed. Not part of CI.
set -eu
runs=$1 old=$2 new=$3
shift 3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
pin=
if command -v taskset >/dev/null 2>&1; then
	pin="taskset -c $(($(nproc) - 1))"
fi
i=0
while [ "$i" -lt "$runs" ]; do
	for b in old new; do
		eval "bin=\$$b"
		# shellcheck disable=SC2086 # $pin is words
		GOMAXPROCS=1 $pin /usr/bin/time -f '%U %S' -o "$dir/time" "$bin" "$@" >/dev/null 2>&1
		awk '{print $1 + $2}' "$dir/time" >>"$dir/$b"
	done
	i=$((i + 1))
done
stats() { # stats FILE: min/median/max of its numbers
	sort -n "$1" | awk '{a[NR] = $1} END {printf "%.2f / %.2f / %.2f", a[1], a[int((NR + 1) / 2)], a[NR]}'
}
med() { sort -n "$1" | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
echo "old $old: $(stats "$dir/old") s CPU"
echo "new $new: $(stats "$dir/new") s CPU"
least() { sort -n "$1" | head -1; }
awk -v o="$(med "$dir/old")" -v n="$(med "$dir/new")" 'BEGIN {printf "new / old (medians): %.3f\n", n / o}'
awk -v o="$(least "$dir/old")" -v n="$(least "$dir/new")" 'BEGIN {printf "new / old (minimums): %.3f\n", n / o}'
