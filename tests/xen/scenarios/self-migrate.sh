# about: self-migration: the guest pre-copies itself into stock `xl migrate-receive` through selfmig-hook, suspends, and the hook copies only its final set and CPU state
# timeout: 900
#
# selfmig migrate --mode self, step by step: selfmig-hook self starts
# `xl migrate-receive` and listens; the guest module pre-copies to it in
# rounds it paces itself (each page is forwarded to xl at once); the guest
# suspends through Linux's Xen path and publishes its final set; the hook
# copies that set, the pages never sent and the CPU state; the destination
# starts after it is restored, and the source is destroyed last.
#
# Checks: the counter continues (same pid), a 16 MiB file keeps its
# checksum, exactly one guest remains, and (SELF_TCP=1, the default) a TCP
# stream from the guest to dom0 survives intact.  The prober's longest gap is
# the downtime.
SELF_TCP=${SELF_TCP:-1}
guest_create
guest_wait_ready 240

step "writing 16 MiB of random data into the guest's /tmp and reading its counter"
sum0=$(guest_sh 'dd if=/dev/urandom of=/tmp/blob bs=1M count=16 2>/dev/null; sha256sum /tmp/blob' | awk '{ print $1 }')
c0=$(guest_sh 'cat /run/selfmig-counter')
[ -n "$sum0" ] && [ -n "$c0" ] || fail "cannot read the guest's checksum or counter"

if [ "$SELF_TCP" = 1 ]; then
	step "a checksummed TCP stream from the guest to dom0"
	selfmig-workload netrecv --port 7802 --seconds 900 > "$LOGDIR/netrecv.log" 2>&1 &
	recv=$!
	sleep 1
	guest_sh "selfmig-workload netsend --target 169.254.0.1:7802 --seconds 180 --rate-mib-s 1 > /tmp/ns.log 2>&1 &" ||
		fail "cannot start the sender in the guest"
fi
rm -f /tmp/probe.stop
sm-probe --target "$GUEST_IP:$ECHO_PORT" --interval-us 1000 --until-file /tmp/probe.stop \
	--json "$LOGDIR/probe.json" > "$LOGDIR/probe.txt" 2>&1 &
probe=$!
sleep 2

step "selfmig-hook self: receiver and listener"
id=$(new_id)
selfmig_keys
selfmig-hook self "$GUEST" --listen 169.254.0.1:7001 --id "$id" \
	--receiver-log "$LOGDIR/xl-receive.log" --json "$LOGDIR/hook.json" > "$LOGDIR/hook.log" 2>&1 &
hook=$!
t=0
until grep -q 'listening on' "$LOGDIR/hook.log"; do
	kill -0 $hook 2>/dev/null || { touch /tmp/probe.stop; fail "selfmig-hook self stopped: $(tail -n 1 "$LOGDIR/hook.log")"; }
	sleep 1; t=$((t + 1))
	[ $t -lt 120 ] || { kill $hook; touch /tmp/probe.stop; fail "selfmig-hook self did not start listening"; }
done

step "starting the guest's self-migration"
t0=$(now_ms)
guest_sh "echo 'dest=169.254.0.1:7001 id=$id verify=1' > /sys/kernel/selfmig/migrate" ||
	{ kill $hook; touch /tmp/probe.stop; fail "cannot start the migration in the guest"; }
wait $hook
hrc=$?
t1=$(now_ms)
cat "$LOGDIR/hook.log"
[ "$hrc" = 0 ] || { touch /tmp/probe.stop; fail "selfmig-hook self failed: $(grep 'selfmig-hook:' "$LOGDIR/hook.log" | tail -n 1)"; }

step "checking the migrated guest"
sm-probe --target "$GUEST_IP:$ECHO_PORT" --wait-ready 60 > /dev/null ||
	{ touch /tmp/probe.stop; fail "the migrated guest does not answer"; }
sleep 3
touch /tmp/probe.stop
wait $probe || fail "the prober failed (see probe.txt)"
guest_sh 'cat /sys/kernel/selfmig/result' > "$LOGDIR/guest-result.txt"
c1=$(guest_sh 'cat /run/selfmig-counter')
sum1=$(guest_sh 'sha256sum /tmp/blob' | awk '{ print $1 }')
log "counter '$c0' -> '$c1'; blob $sum0 -> $sum1"
set -- $c0; pid0=$1 n0=$2
set -- $c1; pid1=$1 n1=$2
[ "$pid0" = "$pid1" ] || fail "the counter restarted: pid $pid0 before, $pid1 after"
[ "$n1" -gt "$n0" ] || fail "the counter did not advance: $n0 before, $n1 after"
[ "$sum0" = "$sum1" ] || fail "the guest's 16 MiB file changed: $sum0 before, $sum1 after"
[ "$(guest_count)" = 1 ] || { xl list; fail "expected exactly one guest, found $(guest_count)"; }

if [ "$SELF_TCP" = 1 ]; then
	step "waiting for the TCP stream to end"
	t=0
	until guest_sh 'cat /tmp/ns.log' | grep -q 'done t='; do
		sleep 2; t=$((t + 2))
		[ $t -lt 240 ] || break
	done
	kill -TERM $recv 2>/dev/null
	wait $recv
	rc=$?
	tail -n 2 "$LOGDIR/netrecv.log"
	grep -q '^CORRUPTION' "$LOGDIR/netrecv.log" && fail "TCP data corrupted: $(grep -m1 '^CORRUPTION' "$LOGDIR/netrecv.log")"
	[ "$rc" = 0 ] || fail "the TCP stream did not survive (netrecv exited $rc)"
	done_line=$(grep 'done t=' "$LOGDIR/netrecv.log")
	echo "$done_line" | grep -q ' tcp_conns=1 ' || fail "the TCP connection did not stay the same one: $done_line"
	echo "$done_line" | grep -q ' tcp_cut=0 ' || fail "the TCP connection was cut: $done_line"
	guest_sh 'cat /tmp/ns.log' > "$LOGDIR/netsend.log"
	grep -q 'result=ok' "$LOGDIR/netsend.log" || fail "the guest's TCP sender did not finish cleanly"
	field tcp_intact true
fi

gap=$(sed -n 's/.*"max_gap_ms": *\([0-9.]*\).*/\1/p' "$LOGDIR/probe.json")
j() { sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p" "$LOGDIR/hook.json"; }
field total_ms $((t1 - t0))
field max_gap_ms "${gap:-null}"
field rounds "$(j rounds)"
field bytes "$(j guest_stream_bytes)"
field hook_pages "$(j hook_pages)"
field final_set_pages "$(j final_set_pages)"
field guest_pages "$(j guest_pages)"
field stopped_ms "$(j stopped_ms)"
field counter_continued true
log "self-migration: total $((t1 - t0)) ms, longest prober gap $gap ms, hook copied $(j hook_pages) of $(j guest_pages) pages"
ok
