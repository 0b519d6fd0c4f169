# about: the three modes side by side: one guest under one workload migrated by `selfmig migrate` in transparent, assisted and self mode; downtime and bytes on the wire of each (make demo)
# timeout: 3600
#
# The limit only catches a hang.  Three migrations of this guest take about
# 20 minutes on an otherwise idle 2-core host, but transparent mode alone took
# 884 s while a second emulated machine shared the host, so 1800 s failed a
# healthy run.
#
# The guest runs a writer (selfmig-workload anon-random, COMPARE_MIB MiB,
# default 32, at COMPARE_RATE MiB/s, default 8) and is migrated to localhost
# three times, once per mode, with the UDP prober running; its longest gap
# is the downtime.  Bytes on the wire are counted the same way for every
# mode: xl migrate-receive's input passes through tests/xen/count-pipe/
# (--xl-ssh).  After each migration the guest must answer, its counter must
# continue and its writer must not have seen a stale byte.  Results go to
# result.json as <mode>_total_ms, <mode>_max_gap_ms and <mode>_wire_bytes,
# with self mode's ratios to transparent mode's.
MODES=${COMPARE_MODES:-transparent assisted self}
MIB=${COMPARE_MIB:-32}
RATE=${COMPARE_RATE:-8}
guest_create
guest_wait_ready 240
selfmigd_wait
witness_before
# Outside the control shell's cgroup, which selfmigd's policy exempts (lib.sh).
guest_sh "run-in / selfmig-workload anon-random --mib $MIB --rate-mib-s $RATE > /tmp/wl.log 2>&1 & echo \$! > /tmp/wl.pid" ||
	fail "cannot start the writer"
sleep 3
for mode in $MODES; do
	probe_start
	sleep 2
	step "selfmig migrate --mode $mode $GUEST localhost"
	t0=$(now_ms)
	selfmig migrate --mode "$mode" --json "$LOGDIR/report-$mode.json" \
		--xl-ssh "/host/build/bin/count-pipe /tmp/wire-$mode" --xl-log "$LOGDIR/xl-$mode.log" \
		"$GUEST" localhost > "$LOGDIR/report-$mode.txt" 2> "$LOGDIR/migrate-$mode.log"
	mrc=$?
	t1=$(now_ms)
	sm-probe --target "$GUEST_IP:$ECHO_PORT" --wait-ready 60 > /dev/null 2>&1
	sleep 2
	probe_stop
	cat "$LOGDIR/migrate-$mode.log" "$LOGDIR/report-$mode.txt"
	[ "$mrc" = 0 ] || fail "selfmig migrate --mode $mode failed (exit $mrc): $(grep '^selfmig: ' "$LOGDIR/migrate-$mode.log" | tail -n 1)"
	[ "$(guest_count)" = 1 ] || { xl list; fail "expected exactly one guest after the $mode migration"; }
	wire=$(cat "/tmp/wire-$mode" 2>/dev/null)
	field "${mode}_total_ms" "$((t1 - t0))"
	field "${mode}_max_gap_ms" "${PROBE_GAP:-null}"
	field "${mode}_wire_bytes" "${wire:-null}"
	eval "gap_$mode=\${PROBE_GAP:-}; wire_$mode=\${wire:-}; total_$mode=$((t1 - t0))"
	log "$mode: total $((t1 - t0)) ms, longest prober gap ${PROBE_GAP:-?} ms, ${wire:-?} bytes on the wire"
	guest_sh 'kill -0 $(cat /tmp/wl.pid)' || fail "the writer in the guest stopped after the $mode migration: $(guest_sh 'cat /tmp/wl.log')"
done
witness_after
guest_sh 'kill $(cat /tmp/wl.pid); sleep 1; cat /tmp/wl.log' > "$LOGDIR/workload.log" 2>&1
grep -q '^CORRUPTION' "$LOGDIR/workload.log" && fail "the writer saw a stale byte: $(grep -m1 '^CORRUPTION' "$LOGDIR/workload.log")"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "null"; else printf "%.3f\n", a / b }'; }
if [ -n "${gap_transparent:-}" ] && [ -n "${gap_self:-}" ]; then
	field self_gap_ratio "$(ratio "$gap_self" "$gap_transparent")"
	field self_wire_ratio "$(ratio "${wire_self:-}" "${wire_transparent:-}")"
	field self_total_ratio "$(ratio "$total_self" "$total_transparent")"
fi
ok
