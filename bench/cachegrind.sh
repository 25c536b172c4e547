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
# The simulated LL is this machine's last-level cache, as sysfs describes
# it (size, ways, line: 32 MiB, 16-way, 64 B on the AMD EPYC this project
# is built on), so that an LL miss is a trip to memory; CACHEGRIND_LL
# (SIZE,WAYS,LINE in bytes) replaces it. Left to itself, cachegrind 3.19
# took that machine's LL for a direct-mapped cache of 256 MiB, which the
# big job's 140 MiB fit in: its misses to memory did not show. The cycle
# estimate weighs them as 60 cycles, where one costs about 250 here (see
# docs/performance.md): for a run bound by memory, such as the big
# job, compare the LL misses themselves.
#
# Needs valgrind (apt-get install valgrind). Not part of CI.
set -eu
run=${CACHEGRIND_RUN:-minimal --until 200s}
ll=${CACHEGRIND_LL:-}
if [ -z "$ll" ]; then
	ll=33554432,16,64
	for d in /sys/devices/system/cpu/cpu0/cache/index*; do
		[ "$(cat "$d/type" 2>/dev/null)" = Unified ] || continue
		size=$(sed 's/K$/*1024/; s/M$/*1048576/' "$d/size")
		ll=$(($size)),$(cat "$d/ways_of_associativity"),$(cat "$d/coherency_line_size")
	done # the last unified level is the last-level cache
fi
echo "LL: $ll (size, ways, line)"
for bin in "$@"; do
	# shellcheck disable=SC2086 # $run is words
	GOGC=off valgrind --tool=cachegrind --branch-sim=yes --cache-sim=yes --LL="$ll" \
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
