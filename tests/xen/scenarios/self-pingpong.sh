# about: self-pingpong: PINGPONG_N (10) self-migrations of one guest in a row; dom0's descriptors and domains must not grow, and every migration must pass
# timeout: 2400
#
# `selfmig migrate --mode self GUEST localhost` PINGPONG_N times.  After each
# one: exactly one guest, which answers.  At the end the counter has gone on
# with the same pid, the 16 MiB file keeps its checksum, dom0 has no more
# domains than at the start, and no command of dom0 holds more descriptors
# after the last migration than after the first (each process's count is in
# fds-before.txt and fds-after.txt).  A
# warning anywhere (guest, dom0, Xen) fails the scenario as always.
N=${PINGPONG_N:-10}
# fd_table FILE: "pid comm descriptors" for every process of dom0.
fd_table() {
	for p in /proc/[0-9]*; do
		n=$(ls "$p/fd" 2>/dev/null | wc -l)
		c=$(cat "$p/comm" 2>/dev/null) || continue
		echo "${p#/proc/} $c $n"
	done > "$1"
}
# fd_growth BEFORE AFTER: the commands whose processes hold more descriptors
# in AFTER than in BEFORE, summed per command, as "comm +N".  A domain's
# vif threads are named after its domid, so they count as one command; the
# sampling's own ls, wc, cat and sh are left out.
fd_growth() {
	awk 'function k(c) { sub(/^vif[0-9]+\./, "vif*.", c); return c }
	     NR == FNR { n[k($2)] += $3; next }
	     { m[k($2)] += $3 }
	     END { for (c in m) if (c !~ /^(ls|wc|cat|sh|awk)$/ && m[c] > n[c] + 0)
	               printf "%s +%d ", c, m[c] - n[c] }' "$1" "$2"
}
ndomains() { xl list 2>/dev/null | awk 'NR > 1' | wc -l; }

guest_create
guest_wait_ready 240
selfmigd_wait
witness_before
sleep 2
dom0=$(ndomains)
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
	if [ "$i" = 1 ]; then
		# The baseline: after one migration, the guest's domain is
		# watched by the xl that restored it (xl migrate-receive's
		# daemon holds one descriptor more than xl create's).
		sleep 2
		fd_table "$LOGDIR/fds-before.txt"
		fd0=$(awk '{ s += $3 } END { print s }' "$LOGDIR/fds-before.txt")
		log "after the first: $dom0 domains, $fd0 descriptors in dom0"
	fi
	i=$((i + 1))
done
sleep 2
fd_table "$LOGDIR/fds-after.txt"
fd1=$(awk '{ s += $3 } END { print s }' "$LOGDIR/fds-after.txt") dom1=$(ndomains)
grown=$(fd_growth "$LOGDIR/fds-before.txt" "$LOGDIR/fds-after.txt")
log "after: $dom1 domains, $fd1 descriptors in dom0${grown:+; grown: $grown}"
field migrations "$N"
field dom0_fds_before "$fd0"
field dom0_fds_after "$fd1"
field domains_before "$dom0"
field domains_after "$dom1"
witness_after
[ "$dom1" -le "$dom0" ] || { xl list; fail "dom0 has $dom1 domains after $N self-migrations, $dom0 before"; }
[ -z "$grown" ] || fail "dom0's processes hold more descriptors after self-migrations 2 to $N than after the first: $grown(see fds-before.txt, fds-after.txt)"
ok
