#!/bin/sh
# trace-hashes.sh BINARY: prints one line per bundled scenario and mode with
# the SHA-256 of its full trace (simulate run --trace), for comparing two
# builds of the engine:
#
#   go build -o /tmp/old ./cmd/simulate   # on the old commit
#   go build -o /tmp/new ./cmd/simulate   # on the new one
#   diff <(bench/trace-hashes.sh /tmp/old) <(bench/trace-hashes.sh /tmp/new)
#
# No output from diff means every trace is byte-identical.
set -eu
bin=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for f in "$(dirname "$0")"/../scenarios/bundled/*.yaml; do
	sc=$(basename "$f" .yaml)
	modes="aligned unaligned at-least-once"
	# A token job runs its own mode only.
	if grep -q '^  mode: chandy-lamport' "$f"; then modes=chandy-lamport; fi
	for mode in $modes; do
		if [ "$mode" = chandy-lamport ]; then set --; else set -- --mode "$mode"; fi
		if "$bin" run "$sc" "$@" --trace "$dir/t.jsonl" >/dev/null 2>&1 || [ $? -eq 1 ]; then
			printf '%s %s %s\n' "$sc" "$mode" "$(sha256sum <"$dir/t.jsonl" | cut -c1-16)"
		else
			printf '%s %s %s\n' "$sc" "$mode" "(does not run)" # a scenario the build does not know
		fi
		rm -f "$dir/t.jsonl"
	done
done
