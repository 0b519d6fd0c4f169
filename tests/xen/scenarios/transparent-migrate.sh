# about: stock `xl migrate` (as `selfmig migrate --mode transparent`) of the PVH guest to localhost while the prober runs
# timeout: 600
#
# One attempt.  MIGRATE_ATTEMPTS (default 1) allows more, each with a fresh
# guest, for experiments with Xen's lazy FPU switching, under which dom0's
# programs (xl and its save helper among them) compute wrong results
# (docs/testbed.md); a retry in make check could hide a bug of ours.
# result.json says how many attempts it took and why the first failed.
attempt=1
first_failure=
while :; do
	guest_create
	guest_wait_ready 240

	step "starting the UDP prober (attempt $attempt)"
	probe_start
	sleep 3

	step "selfmig migrate --mode transparent $GUEST localhost (attempt $attempt)"
	t0=$(now_ms)
	if selfmig migrate --mode transparent --verbose --xl-log "$LOGDIR/xl-migrate-$attempt.log" \
		--json "$LOGDIR/migrate.json" "$GUEST" localhost > "$LOGDIR/migrate-$attempt.log" 2>&1; then
		t1=$(now_ms)
		break
	fi
	probe_end
	why=$(xl_failure_why "$LOGDIR/xl-migrate-$attempt.log")
	log "xl migrate failed: $why"
	if [ "$attempt" -ge "${MIGRATE_ATTEMPTS:-1}" ]; then
		fail "xl migrate failed, attempt $attempt of ${MIGRATE_ATTEMPTS:-1} (see xl-migrate-N.log): $why"
	fi
	[ -n "$first_failure" ] || first_failure=$why
	for d in $(xl list | awk 'NR > 1 && $2 != 0 { print $1 }'); do xl destroy "$d"; done
	sleep 2
	attempt=$((attempt + 1))
done
log "xl migrate took $((t1 - t0)) ms"

step "checking the guest answers after migration"
sleep 3
probe_end || fail "the prober failed (see probe.txt)"
cat "$LOGDIR/probe.txt"
sm-probe --target "$GUEST_IP:$ECHO_PORT" --wait-ready 30 || fail "guest does not answer after migration"
n=$(guest_count)
[ "$n" = 1 ] || { xl list; fail "expected exactly one guest after migration, found $n"; }
guest_sh 'cat /sys/kernel/selfmig/state' > /dev/null || fail "guest control shell unreachable after migration"

gap=$(sed -n 's/.*"max_gap_ms": *\([0-9.]*\).*/\1/p' "$LOGDIR/probe.json")
[ -n "$gap" ] || fail "no max_gap_ms in probe.json"
field total_ms $((t1 - t0))
field max_gap_ms "$gap"
field attempts "$attempt"
[ -n "$first_failure" ] && field_str first_failure "$first_failure"
log "transparent migration: total $((t1 - t0)) ms, longest prober gap $gap ms"
ok
