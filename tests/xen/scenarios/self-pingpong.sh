# about: self-pingpong: PINGPONG_N (10) self-migrations of one guest in a row; dom0's descriptors and domains must not grow, and every migration must pass
# timeout: 2400
#
# `selfmig migrate --mode self GUEST localhost` PINGPONG_N times.  After each
# one: exactly one guest, which answers.  At the end the counter has gone on
# with the same pid, the 16 MiB file keeps its checksum, dom0 has no more
# domains than at the start and its processes hold no more descriptors.  A
# warning anywhere (guest, dom0, Xen) fails the scenario as always.
N=${PINGPONG_N:-10}
dom0_fds() { ls /proc/[0-9]*/fd 2>/dev/null | grep -c '^[0-9]'; }
ndomains() { xl list 2>/dev/null | awk 'NR > 1' | wc -l; }

guest_create
guest_wait_ready 240
selfmigd_wait
witness_before
sleep 2
fd0=$(dom0_fds) dom0=$(ndomains)
log "before: $dom0 domains, $fd0 descriptors in dom0"
i=1
while [ "$i" -le "$N" ]; do
	step "self-migration $i of $N"
	t0=$(now_ms)
	timeout -s KILL 900 selfmig migrate --mode self --json "$LOGDIR/report-$i.json" \
		--xl-log "$LOGDIR/xl-receive-$i.log" "$GUEST" localhost \
		> "$LOGDIR/report-$i.txt" 2> "$LOGDIR/migrate-$i.log"
	rc=$?
	t1=$(now_ms)
	[ "$rc" = 0 ] || fail "self-migration $i of $N failed (exit $rc): $(grep '^selfmig: ' "$LOGDIR/migrate-$i.log" | tail -n 1)"
	sm-probe --target "$GUEST_IP:$ECHO_PORT" --wait-ready 120 > /dev/null ||
		fail "the guest does not answer after self-migration $i"
	n=$(guest_count)
	[ "$n" = 1 ] || { xl list; fail "after self-migration $i there are $n guests, not 1"; }
	log "self-migration $i: $((t1 - t0)) ms, $(sed -n 's/.*"hook_pages":\([0-9]*\).*/\1/p' "$LOGDIR/report-$i.json") pages copied at the switch"
	i=$((i + 1))
done
sleep 2
fd1=$(dom0_fds) dom1=$(ndomains)
log "after: $dom1 domains, $fd1 descriptors in dom0"
field migrations "$N"
field dom0_fds_before "$fd0"
field dom0_fds_after "$fd1"
field domains_before "$dom0"
field domains_after "$dom1"
witness_after
[ "$dom1" -le "$dom0" ] || { xl list; fail "dom0 has $dom1 domains after $N self-migrations, $dom0 before"; }
[ "$fd1" -le "$fd0" ] || fail "dom0's processes hold $fd1 descriptors after $N self-migrations, $fd0 before"
ok
