#!/bin/sh
# simpy-ratio.sh [SECONDS]: runs the bundled scenario minimal for SECONDS
# of virtual time (default 1000) in ckptsim and in its SimPy model
# (bench/simpy_minimal.py; Debian's python3-simpy) and prints the CPU time
# (user + system) and events of each, and how many times faster ckptsim
# is: for the same job, and per event (SimPy counts one event per
# resumption of a process). Not part of CI.
set -eu
secs=${1:-1000}
cd "$(dirname "$0")/.."
bin=$(mktemp)
trap 'rm -f "$bin" "$bin.out" "$bin.time"' EXIT
go build -o "$bin" ./cmd/simulate
cpu() { # cpu COMMAND...: runs it, leaves stdout in $bin.out, prints its CPU seconds
	/usr/bin/time -f '%U %S' -o "$bin.time" "$@" >"$bin.out"
	awk '{print $1 + $2}' "$bin.time"
}
go_cpu=$(cpu "$bin" run minimal --until "${secs}s")
go_events=$(grep -o 'after [0-9]* events' "$bin.out" | awk '{print $2}')
go_records=$(grep -o '^Summary: [0-9]*' "$bin.out" | awk '{print $2}')
py_cpu=$(cpu /usr/bin/python3 bench/simpy_minimal.py "$secs")
py_events=$(awk '{print $2}' "$bin.out")
py_records=$(awk '{print $4}' "$bin.out")
awk -v s="$secs" -v gc="$go_cpu" -v ge="$go_events" -v gr="$go_records" \
	-v pc="$py_cpu" -v pe="$py_events" -v pr="$py_records" 'BEGIN {
	printf "minimal, %ss of virtual time\n", s
	printf "  ckptsim  %9d records %10d events  %7.2fs CPU  %6.2f M events/s\n", gr, ge, gc, ge / gc / 1e6
	printf "  SimPy    %9d records %10d events  %7.2fs CPU  %6.2f M events/s\n", pr, pe, pc, pe / pc / 1e6
	printf "ckptsim is %.1fx faster on the same job, %.1fx per event\n", pc / gc, (ge / gc) / (pe / pc)
}'
