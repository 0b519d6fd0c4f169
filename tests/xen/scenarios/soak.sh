# about: soak: SOAK_N (50) consecutive migrations of one guest under a web workload, with the memory and descriptors of dom0's processes sampled before and after (make soak; not in make check)
# timeout: 14400
#
# SOAK_MODE picks the migration: self (the default: selfmig migrate --mode
# self), hook (selfmig-hook migrate, stop-and-copy) or
# transparent (stock xl migrate).  The web workload: sm-web serve in the
# guest answers GET with a 64 KiB generated body, and sm-web get in dom0
# asks without pause and compares every byte (one process on each side, so
# that the soak does not start a program per request); the 16 MiB witness
# and the counter run too.
# Every migration must succeed, within 10 minutes (15 for self), and leave
# the guest answering; the soak stops at the first guest that is lost.  Reported: migrations done, failures, web
# requests good, bad (wrong bytes) and failed (the guest was away), the
# longest time without a good answer, and the growth of dom0's memory (VmRSS summed over
# every process, and xenstored's own) and of its open descriptors.
SOAK_N=${SOAK_N:-50}
SOAK_MODE=${SOAK_MODE:-self}
case "$SOAK_MODE" in self|hook|transparent) ;; *) fail "SOAK_MODE is self, hook or transparent, not '$SOAK_MODE'" ;; esac
field soak_mode "\"$SOAK_MODE\""

dom0_rss() { # kB of VmRSS over every process, and xenstored's
	total=0 xs=0
	for s in /proc/[0-9]*/status; do
		r=$(awk '/^VmRSS:/ { print $2 }' "$s" 2>/dev/null)
		[ -n "$r" ] || continue
		total=$((total + r))
		grep -q '^Name:.*xenstored' "$s" 2>/dev/null && xs=$((xs + r))
	done
	echo "$total $xs"
}
dom0_fds() { ls /proc/[0-9]*/fd 2>/dev/null | grep -c '^[0-9]'; }

guest_create
guest_wait_ready 240
witness_before
[ "$SOAK_MODE" = self ] && selfmigd_wait

step "the web workload: sm-web serve in the guest, sm-web get in dom0"
# Outside the control shell's cgroup, which selfmigd's policy exempts (lib.sh).
guest_sh 'run-in / sm-web serve --port 8080 > /tmp/sm-web.log 2>&1 &' || fail "cannot start the web server in the guest"
rm -f /tmp/soak.stop
sleep 1
sm-web get --target "$GUEST_IP:8080" --interval-ms 20 --until-file /tmp/soak.stop --json "$LOGDIR/web.json" \
	> "$LOGDIR/web.log" 2>&1 &
web=$!
sleep 3

set -- $(dom0_rss); rss0=$1 xs0=$2; fd0=$(dom0_fds)
log "dom0 before: ${rss0} kB resident (xenstored ${xs0} kB), $fd0 descriptors"

done_n=0 failed=0
i=1
while [ $i -le "$SOAK_N" ]; do
	step "soak: migration $i of $SOAK_N ($SOAK_MODE)"
	t0=$(now_ms)
	case "$SOAK_MODE" in
	hook)
		timeout -s KILL 600 selfmig-hook migrate "$GUEST" --receiver-log "$LOGDIR/xl-receive-$i.log" \
			> "$LOGDIR/migrate-$i.log" 2>&1 ;;
	transparent)
		timeout -s KILL 600 selfmig migrate --mode transparent --xl-log "$LOGDIR/xl-migrate-$i.log" \
			"$GUEST" localhost > "$LOGDIR/migrate-$i.log" 2>&1 ;;
	self)
		timeout -s KILL 900 selfmig migrate --mode self --xl-log "$LOGDIR/xl-receive-$i.log" \
			"$GUEST" localhost > "$LOGDIR/migrate-$i.log" 2>&1 ;;
	esac
	rc=$?
	t1=$(now_ms)
	if [ "$rc" = 0 ]; then
		done_n=$((done_n + 1))
	else
		failed=$((failed + 1))
		log "migration $i failed (exit $rc): $(tail -n 1 "$LOGDIR/migrate-$i.log")"
	fi
	sm-probe --target "$GUEST_IP:$ECHO_PORT" --wait-ready 120 > /dev/null ||
		{ touch /tmp/soak.stop; fail "the guest does not answer after migration $i"; }
	n=$(guest_count)
	[ "$n" = 1 ] || { touch /tmp/soak.stop; xl list; fail "after migration $i there are $n guests, not 1"; }
	log "migration $i: exit $rc, $((t1 - t0)) ms"
	i=$((i + 1))
done

touch /tmp/soak.stop
wait $web; web_rc=$?
cat "$LOGDIR/web.log"
wj() { sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p" "$LOGDIR/web.json"; }
web_good=$(wj good) web_bad=$(wj bad) web_failed=$(wj failed)
set -- $(dom0_rss); rss1=$1 xs1=$2; fd1=$(dom0_fds)
log "dom0 after: ${rss1} kB resident (xenstored ${xs1} kB), $fd1 descriptors"
field migrations_done "$done_n"
field failures "$failed"
field web_fetches_good "${web_good:-0}"
field web_fetches_bad "${web_bad:-0}"
field web_fetches_failed "${web_failed:-0}"
field web_max_gap_ms "$(wj max_gap_ms)"
field dom0_rss_kb_before "$rss0"
field dom0_rss_kb_after "$rss1"
field dom0_rss_growth_kb $((rss1 - rss0))
field xenstored_rss_growth_kb $((xs1 - xs0))
field dom0_fds_before "$fd0"
field dom0_fds_after "$fd1"
field dom0_fd_growth $((fd1 - fd0))
witness_after
[ "$failed" = 0 ] || fail "$failed of $SOAK_N migrations failed"
[ "${web_good:-0}" -gt 0 ] || fail "the web client never got an answer"
[ "${web_bad:-1}" = 0 ] || fail "the web client got $web_bad wrong answers (see web.log)"
ok
