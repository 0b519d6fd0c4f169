# about: selfmig-hook migrate: the guest suspends, selfmig-hook streams it into stock `xl migrate-receive`, the destination starts only after it is restored, the source is destroyed last
# timeout: 600
#
# Stop-and-copy through xl's own migration handshake, with selfmig's stream
# writer on the sending side.  The counter must continue (same pid), a TCP
# connection from dom0 must stay open and carry a checksummed stream, a
# 16 MiB /tmp file must keep its checksum, the prober's longest gap is the
# downtime, and exactly one guest must remain.
guest_create
guest_wait_ready 240

step "writing 16 MiB of random data into the guest's /tmp (tmpfs) and reading its counter"
sum0=$(guest_sh 'dd if=/dev/urandom of=/tmp/blob bs=1M count=16 2>/dev/null; sha256sum /tmp/blob' | awk '{ print $1 }')
c0=$(guest_sh 'cat /run/selfmig-counter')
[ -n "$sum0" ] && [ -n "$c0" ] || fail "cannot read the guest's checksum or counter"

step "a checksummed TCP stream from the guest to dom0, and the UDP prober"
selfmig-workload netrecv --port 7802 --seconds 300 > "$LOGDIR/netrecv.log" 2>&1 &
recv=$!
sleep 1
guest_sh "selfmig-workload netsend --target 169.254.0.1:7802 --seconds 60 > /tmp/ns.log 2>&1 &" ||
	fail "cannot start the sender in the guest"
rm -f /tmp/probe.stop
sm-probe --target "$GUEST_IP:$ECHO_PORT" --interval-us 1000 --until-file /tmp/probe.stop \
	--json "$LOGDIR/probe.json" > "$LOGDIR/probe.txt" 2>&1 &
probe=$!
sleep 3

step "selfmig-hook migrate $GUEST (into xl migrate-receive)"
t0=$(now_ms)
selfmig-hook migrate "$GUEST" --receiver-log "$LOGDIR/xl-receive.log" \
	--json "$LOGDIR/hook.json" > "$LOGDIR/hook.log" 2>&1 ||
	{ touch /tmp/probe.stop; fail "selfmig-hook migrate failed: $(tail -n 1 "$LOGDIR/hook.log")"; }
t1=$(now_ms)
cat "$LOGDIR/hook.log"

step "checking the migrated guest"
sm-probe --target "$GUEST_IP:$ECHO_PORT" --wait-ready 60 > /dev/null ||
	{ touch /tmp/probe.stop; fail "the migrated guest does not answer"; }
sleep 3
touch /tmp/probe.stop
wait $probe || fail "the prober failed (see probe.txt)"
c1=$(guest_sh 'cat /run/selfmig-counter')
sum1=$(guest_sh 'sha256sum /tmp/blob' | awk '{ print $1 }')
log "counter '$c0' -> '$c1'; blob $sum0 -> $sum1"
set -- $c0; pid0=$1 n0=$2
set -- $c1; pid1=$1 n1=$2
[ "$pid0" = "$pid1" ] || fail "the counter restarted: pid $pid0 before, $pid1 after"
[ "$n1" -gt "$n0" ] || fail "the counter did not advance: $n0 before, $n1 after"
[ "$sum0" = "$sum1" ] || fail "the guest's 16 MiB file changed: $sum0 before, $sum1 after"
[ "$(guest_count)" = 1 ] || { xl list; fail "expected exactly one guest, found $(guest_count)"; }
xl list | grep -q -- '--migratedaway' && fail "the source domain was left behind"

step "waiting for the TCP stream to end"
# The guest's sender stops after 60 s of its own time; the receiver in dom0
# is stopped (cleanly) once the sender says it is done.
t=0
until guest_sh 'cat /tmp/ns.log' | grep -q 'done t='; do
	sleep 2; t=$((t + 2))
	[ $t -lt 120 ] || break
done
kill -TERM $recv 2>/dev/null
wait $recv
rc=$?
tail -n 3 "$LOGDIR/netrecv.log"
grep -q '^CORRUPTION' "$LOGDIR/netrecv.log" && fail "TCP data corrupted: $(grep -m1 '^CORRUPTION' "$LOGDIR/netrecv.log")"
[ "$rc" = 0 ] || fail "the TCP stream did not survive (netrecv exited $rc; see netrecv.log)"
done_line=$(grep 'done t=' "$LOGDIR/netrecv.log")
echo "$done_line" | grep -q ' tcp_conns=1 ' || fail "the TCP connection did not stay the same one: $done_line"
echo "$done_line" | grep -q ' tcp_cut=0 ' || fail "the TCP connection was cut: $done_line"
guest_sh 'cat /tmp/ns.log' > "$LOGDIR/netsend.log"
grep -q 'result=ok' "$LOGDIR/netsend.log" || fail "the guest's TCP sender did not finish cleanly: $(tail -n 1 "$LOGDIR/netsend.log")"

gap=$(sed -n 's/.*"max_gap_ms": *\([0-9.]*\).*/\1/p' "$LOGDIR/probe.json")
j() { sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p" "$LOGDIR/hook.json"; }
field total_ms $((t1 - t0))
field max_gap_ms "${gap:-null}"
field hook_pages "$(j pages)"
field bytes "$(j bytes)"
field stopped_ms "$(j stopped_ms)"
field counter_continued true
field tcp_intact true
log "hook migration: total $((t1 - t0)) ms, stopped $(j stopped_ms) ms, longest prober gap $gap ms"
ok
