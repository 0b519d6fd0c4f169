#!/usr/bin/env bash
# make bench: the benchmarks, on the emulated testbed.  Timings are only
# compared within one run (this machine is noisy).  Today: what dirty
# tracking costs a memory-writing program (tests/xen/scenarios/bench-tracking.sh),
# tracking on against off.  The report goes to bench/results/<date>/, and
# bench/results/latest points at it.
#   BENCH_ARGS: more tests/xen/run options, e.g. "--set BENCH_REPS=5"
#   scripts/bench.sh --report-only   files the report of the last run again
set -uo pipefail
cd "$(dirname "$0")/.."
rc=0
if [ "${1:-}" != --report-only ]; then
	# shellcheck disable=SC2086
	tests/xen/run ${BENCH_ARGS:-} bench-tracking
	rc=$?
fi
res=build/logs/bench-tracking/result.json
[ -f "$res" ] || { echo "bench: no result ($res)"; exit 1; }
day=$(date -u +%Y-%m-%d)
out=bench/results/$day
mkdir -p "$out"
python3 - "$res" "$out" <<'PY' || rc=1
import json, sys, platform, os
r = json.load(open(sys.argv[1]))
out = sys.argv[2]
if not r.get("pass"):
    print("bench: bench-tracking failed: %s" % r.get("reason"))
    sys.exit(1)
res = r["results"]
machine = "host %s, %d CPUs; Xen 4.17 (shadow paging) under qemu-system-x86_64 TCG; guest PVH, 256 MiB, 1 vCPU" % (
    platform.machine(), os.cpu_count() or 0)
json.dump({"machine": machine, "reps": r.get("reps"), "seconds": r.get("seconds"),
           "mib": r.get("mib"), "tracking": res}, open(os.path.join(out, "tracking.json"), "w"), indent=1)
lines = ["# Dirty tracking's cost to a memory-writing program", "",
         machine + ".", "",
         "Each figure: the benchmark's MiB/s with the tracker scanning, over its MiB/s without, in the same run;",
         "median of %s repetitions of %s s (min-max). Goal: at most 3%% overhead." % (r.get("reps"), r.get("seconds")), "",
         "| workload | scan interval | on/off (median) | min-max | overhead |",
         "|---|---|---|---|---|"]
for e in res:
    lines.append("| %s over %s MiB | %d ms | %.3f | %.3f-%.3f | %.1f %% |" % (
        e["workload"], r.get("mib"), e["interval_ms"], e["ratio_median"], e["ratio_min"],
        e["ratio_max"], (1 - e["ratio_median"]) * 100))
open(os.path.join(out, "tracking.md"), "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
ln -sfn "$day" bench/results/latest
echo "bench: report in $out/ (bench/results/latest)"
exit $rc
