#!/usr/bin/env bash
# `make demo`: build, boot the emulated testbed, and migrate a guest with the
# UDP prober running; print what a user compares: total time and the longest
# gap in the guest's answers.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
echo "demo: building (the first build of the guest kernel takes about 10 minutes)"
make -s userspace module
tests/xen/run "$@" transparent-migrate || true
python3 - build/logs/transparent-migrate/result.json <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print()
print("selfmig demo: live migration of a 256 MiB PVH guest to localhost")
print("%-14s %12s %16s  %s" % ("mode", "total (ms)", "longest gap (ms)", "result"))
print("%-14s %12s %16s  %s" % ("transparent", r.get("total_ms", "-"), r.get("max_gap_ms", "-"),
                               "ok" if r["pass"] else "FAILED: " + r["reason"]))
sys.exit(0 if r["pass"] else 1)
PY
