#!/bin/sh
# big-job-scaling.sh [RUNS] [MILLIONS...]: runs testdata/bench/big-job.yaml
# with its sources cut to 1, 2, 4 and 10 M records in all (or the MILLIONS
# given), RUNS times each (default 3), and prints, per size, the CPU time
# (user + system) and peak RSS of each run, their min/median/max, and the
# events and events per record of the run. The README's scaling table
# comes from it. Not part of CI; run it on a quiet machine.
set -eu
runs=${1:-3}
[ $# -gt 0 ] && shift
sizes=${*:-1 2 4 10}
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
go build -o "$dir/simulate" ./cmd/simulate
printf '%-8s %-10s %-24s %-24s %s\n' records events 'CPU s min/med/max' 'RSS MiB min/med/max' 'events/record'
for m in $sizes; do
	# 250 partitions: m M records are m*4000 per partition.
	sed "s/records: 40000/records: $((m * 4000))/" testdata/bench/big-job.yaml >"$dir/big-$m.yaml"
	: >"$dir/times"
	i=0
	while [ "$i" -lt "$runs" ]; do
		/usr/bin/time -f '%U %S %M' -o "$dir/time" "$dir/simulate" run "$dir/big-$m.yaml" >"$dir/out"
		cat "$dir/time" >>"$dir/times"
		i=$((i + 1))
	done
	events=$(grep -o 'after [0-9]* events' "$dir/out" | awk '{print $2}')
	awk -v m="$m" -v e="$events" '
		{ cpu[NR] = $1 + $2; rss[NR] = $3 / 1024 }
		function med(a, n,   i, j, t) {
			for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
			return sprintf("%.1f/%.1f/%.1f", a[1], a[int((n + 1) / 2)], a[n])
		}
		END { printf "%-8s %-10s %-24s %-24s %.2f\n", m " M", sprintf("%.2f M", e / 1e6), med(cpu, NR), med(rss, NR), e / (m * 1e6) }
	' "$dir/times"
done
