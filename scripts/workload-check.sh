#!/usr/bin/env bash
# The hidden case: a self-checking workload the project did not write, run
# through tests/xen/run --workload in the scenarios named (default
# precopy-verify).  Ours is tests/xen/workloads/stale-check (anonymous
# memory, a shared file mapping and a pipe; exit 2 on any stale byte).
# Each scenario's logs are kept as build/logs/<scenario>-stale-check/, so
# that they do not replace those of the same scenario without the workload.
#   scripts/workload-check.sh [SCENARIO...]    (tests/xen/run options in
#   WORKLOAD_RUN_ARGS, e.g. "--deadline N --set RUNS=1")
set -uo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- precopy-verify
make -s build/workloads/stale-check || exit 2
keep=()
for s in "$@"; do
	if [ -d "build/logs/$s" ]; then
		rm -rf "build/logs/$s.kept"
		mv "build/logs/$s" "build/logs/$s.kept"
		keep+=("$s")
	fi
done
# shellcheck disable=SC2086
tests/xen/run ${WORKLOAD_RUN_ARGS:-} --workload build/workloads/stale-check "$@"
rc=$?
for s in "$@"; do
	rm -rf "build/logs/$s-stale-check"
	[ -d "build/logs/$s" ] && mv "build/logs/$s" "build/logs/$s-stale-check"
done
for s in "${keep[@]}"; do
	mv "build/logs/$s.kept" "build/logs/$s"
done
echo "workload-check: logs in build/logs/<scenario>-stale-check/"
exit $rc
