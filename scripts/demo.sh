#!/usr/bin/env bash
# `make demo`: build, boot the emulated testbed, and migrate one guest under
# one workload three times, once per mode (transparent: stock xl migrate;
# assisted: xl migrate while the guest's selfmigd helps; self: the guest
# copies itself and selfmig-hook switches), with the UDP prober running.
# Prints what a user compares: total time, bytes on the wire and the longest
# gap in the guest's answers, and self mode's ratios to transparent mode's.
# Exits 0 when all three migrations passed.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
echo "demo: building (the first build of the guest kernel takes about 10-15 minutes, the hypervisor about 6)"
make -s userspace module
tests/xen/run "$@" compare || true
python3 - build/logs/compare/result.json <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
except (OSError, ValueError) as e:
    print("selfmig demo: no result: %s" % e)
    sys.exit(1)
print()
print("selfmig demo: a 256 MiB PVH guest writing 32 MiB at 8 MiB/s, migrated to localhost three times")
print("%-12s %11s %15s %17s" % ("mode", "total (ms)", "on the wire (B)", "longest gap (ms)"))
for m in ("transparent", "assisted", "self"):
    if r.get(m + "_total_ms") is None:
        print("%-12s %11s %15s %17s" % (m, "-", "-", "not run"))
        continue
    print("%-12s %11s %15s %17s" % (m, r.get(m + "_total_ms"), r.get(m + "_wire_bytes"),
                                   r.get(m + "_max_gap_ms")))
if r.get("self_gap_ratio") is not None:
    print("self / transparent: longest gap %s, bytes on the wire %s, total time %s"
          % (r.get("self_gap_ratio"), r.get("self_wire_ratio"), r.get("self_total_ratio")))
print("result: %s" % ("ok" if r["pass"] else "FAILED: " + r.get("reason", "?")))
sys.exit(0 if r["pass"] else 1)
PY
