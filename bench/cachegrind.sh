#!/bin/sh
# cachegrind.sh BINARY... : runs `BINARY run minimal --until 200s` under
# valgrind's cachegrind (cache and branch simulation, GOGC=off) for each
# simulate binary and prints its instructions, simulated D1 and LL misses
# and mispredicted branches, and an estimate of the cycles they cost
# (Ir + 10 D1 misses + 60 LL misses + 15 mispredicts). Unlike a wall or CPU
# clock, none of it changes with the load of a shared machine, so two
# builds of the engine compare on a busy one:
#
#   go build -o /tmp/old ./cmd/simulate   # on the old commit
#   go build -o /tmp/new ./cmd/simulate   # on the new one
#   bench/cachegrind.sh /tmp/old /tmp/new
#
# CACHEGRIND_RUN replaces what is run: for the first 0.4 s of the big job,
#
#   CACHEGRIND_RUN='testdata/bench/big-job.yaml --until 0.4s' bench/cachegrind.sh /tmp/old /tmp/new
#
# Needs valgrind (apt-get install valgrind). Not part of CI.
set -eu
run=${CACHEGRIND_RUN:-minimal --until 200s}
for bin in "$@"; do
	# shellcheck disable=SC2086 # $run is words
	GOGC=off valgrind --tool=cachegrind --branch-sim=yes --cache-sim=yes \
		--cachegrind-out-file=/dev/null "$bin" run $run 2>&1 >/dev/null |
		tr -d , | awk -v b="$bin" '
		/I *refs/ { i = $NF }
		/D1 *misses/ { d = $4 }
		/LL misses/ { l = $4 }
		/Mispredicts/ { m = $3 }
		END {
			printf "%s: %.0f instructions, %.0f D1 misses, %.0f LL misses, %.0f mispredicts, ~%.0f cycles\n",
				b, i, d, l, m, i + 10 * d + 60 * l + 15 * m
		}'
done
