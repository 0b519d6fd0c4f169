# about: stock `xl migrate` of the PVH guest to localhost while the prober runs
# timeout: 600
guest_create
guest_wait_ready 240

step "starting the UDP prober"
rm -f /tmp/probe.stop
sm-probe --target "$GUEST_IP:$ECHO_PORT" --interval-us 1000 --until-file /tmp/probe.stop \
	--json "$LOGDIR/probe.json" > "$LOGDIR/probe.txt" 2>&1 &
probe=$!
sleep 3

step "xl migrate $GUEST localhost"
t0=$(now_ms)
xl -vvv migrate -s env "$GUEST" "PATH=$PATH" > "$LOGDIR/xl-migrate.log" 2>&1 ||
	{ cat "$LOGDIR/xl-migrate.log"; touch /tmp/probe.stop; fail "xl migrate failed (see xl-migrate.log)"; }
t1=$(now_ms)
log "xl migrate took $((t1 - t0)) ms"

step "checking the guest answers after migration"
sleep 3
touch /tmp/probe.stop
wait $probe || fail "the prober failed (see probe.txt)"
cat "$LOGDIR/probe.txt"
sm-probe --target "$GUEST_IP:$ECHO_PORT" --wait-ready 30 || fail "guest does not answer after migration"
n=$(guest_count)
[ "$n" = 1 ] || { xl list; fail "expected exactly one guest after migration, found $n"; }
status=$(guest_sh 'cat /sys/kernel/selfmig/state') || fail "guest control shell unreachable after migration"

gap=$(sed -n 's/.*"max_gap_ms": *\([0-9.]*\).*/\1/p' "$LOGDIR/probe.json")
[ -n "$gap" ] || fail "no max_gap_ms in probe.json"
field total_ms $((t1 - t0))
field max_gap_ms "$gap"
log "transparent migration: total ${t1}-${t0}=$((t1 - t0)) ms, longest prober gap $gap ms"
ok
