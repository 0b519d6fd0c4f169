#!/usr/bin/env bash
# make bench: the benchmarks, on the emulated testbed, in one testbed run.
# Timings are only compared within one run (this machine is noisy).
#   bench-modes     every workload under transparent, assisted and self
#                   mode (tests/xen/scenarios/bench-modes.sh), reported by
#                   scripts/bench-report.py: results.json, results.md, plots;
#   bench-tracking  what dirty tracking costs a memory-writing program,
#                   tracking on against off: tracking.json, tracking.md.
# The report goes to bench/results/<date>/, and bench/results/latest points
# at it (docs/bench.md).
#   BENCH_SCENARIOS: which of the two (default both)
#   BENCH_ARGS: more tests/xen/run options, e.g. "--set BENCH_REPS=5";
#     the guest has 128 MiB unless they name --memory (docs/bench.md: the
#     45 migrations of the defaults take about 40 minutes at that size)
#   scripts/bench.sh --report-only   files the report of the last run again
set -uo pipefail
cd "$(dirname "$0")/.."
scenarios=${BENCH_SCENARIOS:-bench-modes bench-tracking}
default_mib=128
rc=0
if [ "${1:-}" != --report-only ]; then
	echo "bench: $scenarios on the emulated testbed; the comparison takes hours (docs/bench.md)"
	mem=
	case " ${BENCH_ARGS:-} " in *" --memory "*) ;; *) mem="--memory $default_mib" ;; esac
	# shellcheck disable=SC2086
	tests/xen/run $mem ${BENCH_ARGS:-} $scenarios
	rc=$?
fi
day=$(date -u +%Y-%m-%d)
out=bench/results/$day
mkdir -p "$out"
vcpus=$(sed -n 's/.*"vcpus": *\([0-9]*\).*/\1/p' build/logs/bench-modes/result.json 2>/dev/null)
mib=$(sed -n 's/.*"guest_mib": *\([0-9]*\).*/\1/p' build/logs/bench-modes/result.json 2>/dev/null)
machine="host $(uname -m), $(nproc) CPUs; Xen 4.17 (shadow paging) under qemu-system-x86_64 TCG; guest PVH, ${mib:-$default_mib} MiB, ${vcpus:-1} vCPU"
filed=0

case " $scenarios " in *" bench-modes "*)
	if [ -f build/logs/bench-modes/runs.jsonl ]; then
		tr=
		[ -f build/logs/bench-tracking/result.json ] && tr="--tracking build/logs/bench-tracking/result.json"
		# shellcheck disable=SC2086
		scripts/bench-report.py build/logs/bench-modes "$out" --machine "$machine" \
			--guest-mib "${mib:-$default_mib}" $tr || rc=1
		filed=1
	else
		echo "bench: bench-modes left no runs.jsonl (build/logs/bench-modes/)"
		rc=1
	fi ;;
esac

case " $scenarios " in *" bench-tracking "*)
	res=build/logs/bench-tracking/result.json
	if [ ! -f "$res" ]; then
		echo "bench: no result ($res)"
		rc=1
	else
		python3 - "$res" "$out" "$machine" <<'PY' || rc=1
import json, sys, os
r = json.load(open(sys.argv[1]))
out, machine = sys.argv[2], sys.argv[3]
if not r.get("pass"):
    print("bench: bench-tracking failed: %s" % r.get("reason"))
    sys.exit(1)
res = r["results"]
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
		filed=1
	fi ;;
esac

if [ "$filed" = 1 ]; then
	ln -sfn "$day" bench/results/latest
	echo "bench: report in $out/ (bench/results/latest)"
fi
exit $rc
