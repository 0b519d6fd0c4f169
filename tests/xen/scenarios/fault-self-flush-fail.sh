# about: fault injection: in a self-migration the receiver's stream is cut as the guest's pre-copy ends, so the hook's last flush fails before the guest is told to suspend; the guest never suspends and runs on unchanged
# timeout: 900
#
# SELFMIG_FAULT=flush-fail makes selfmig-hook self replace the receiver's
# input with a pipe nobody reads as the guest's END arrives: xl sees its
# input end and destroys its partial domain, and the hook's flush of the last
# pages (or its check that the receiver still takes the stream) fails.  The
# guest waits for the hook's word at that moment; it must get a reset, never
# the orderly close that would make it suspend, and run on.
guest_create
guest_wait_ready 240
selfmigd_wait
domid0=$(xl domid "$GUEST")
witness_before
tcp_start 45
step "selfmig migrate --mode self with SELFMIG_FAULT=flush-fail"
SELFMIG_FAULT=flush-fail selfmig migrate --mode self --json "$LOGDIR/report.json" \
	--xl-log "$LOGDIR/xl-receive.log" "$GUEST" localhost \
	> "$LOGDIR/report.txt" 2> "$LOGDIR/migrate.log"
rc=$?
cat "$LOGDIR/migrate.log"
grep -q "FAULT INJECTION: the receiver's stream is cut" "$LOGDIR/migrate.log" ||
	fail "the fault was not injected (exit $rc)"
[ "$rc" != 0 ] || fail "selfmig migrate exited 0 with the fault injected"
grep -q '"ok":false' "$LOGDIR/report.json" || fail "the report does not say the migration failed"
grep -q 'waiting for the guest to suspend' "$LOGDIR/migrate.log" &&
	fail "the hook told the guest to suspend after its flush to the receiver failed"
grep -q -e 'writing to the receiver: ' -e 'the receiver no longer takes its stream' "$LOGDIR/migrate.log" ||
	fail "the hook does not say that the receiver's stream failed"
grep -q 'ATTENTION' "$LOGDIR/migrate.log" && fail "the hook could not tell what became of the guest"
fault_outcome "$rc"
[ "$(xl domid "$GUEST" 2>/dev/null)" = "$domid0" ] || fail "the guest is no longer domain $domid0"
tcp_check
step "the guest's module must have seen a reset, not a suspend"
guest_sh 'cat /sys/kernel/selfmig/result' > "$LOGDIR/guest-result.txt"
gmsg=$(awk '$1 == "message" { $1 = ""; print }' "$LOGDIR/guest-result.txt")
log "the guest says:$gmsg"
field_str guest_message "$gmsg"
grep -q 'resumed (' "/var/log/xen/console/guest-$GUEST.log" 2>/dev/null &&
	fail "the guest suspended: $(grep -m1 'resumed (' "/var/log/xen/console/guest-$GUEST.log")"
ok
