# about: fault injection: selfmig-hook self is killed while the guest pre-copies; the guest's connection ends in a reset, so it never suspends, and it runs on unchanged
# timeout: 900
#
# SELFMIG_FAULT=hook-die:receiving makes selfmig-hook self kill itself with
# SIGKILL 16 MiB into the guest's stream.  Nothing in the hook can clean up:
# the kernel closes the guest's connection, and since the hook set it to end
# in a reset (docs/switch.md), the guest's sender sees a reset, never the
# orderly close that is the hook's word to suspend.  xl sees its input end
# and destroys its partial domain.  The guard has nothing to undo.
guest_create
guest_wait_ready 240
selfmigd_wait
domid0=$(xl domid "$GUEST")
witness_before
step "selfmig migrate --mode self with SELFMIG_FAULT=hook-die:receiving"
SELFMIG_FAULT=hook-die:receiving selfmig migrate --mode self --json "$LOGDIR/report.json" \
	--xl-log "$LOGDIR/xl-receive.log" "$GUEST" localhost \
	> "$LOGDIR/report.txt" 2> "$LOGDIR/migrate.log"
rc=$?
cat "$LOGDIR/migrate.log"
grep -q 'FAULT INJECTION: the hook dies now (receiving)' "$LOGDIR/migrate.log" ||
	fail "the fault was not injected (exit $rc)"
[ "$rc" != 0 ] || fail "selfmig migrate exited 0 with the hook killed"
grep -q 'selfmig-hook exit 137' "$LOGDIR/migrate.log" || log "note: selfmig does not report the hook's SIGKILL as exit 137"
grep -q 'ATTENTION' "$LOGDIR/migrate.log" && fail "the guard could not tell what became of the guest"
grep -q 'guard: the hook died with nothing to undo' "$LOGDIR/migrate.log" ||
	fail "the guard did not say that it had nothing to undo"
step "the guest's migration must end without a suspend"
t=0
while :; do
	st=$(guest_sh 'cat /sys/kernel/selfmig/state' | tr -d '\r\n ')
	case "$st" in idle|failed) break ;; esac
	[ $t -lt 120 ] || fail "the guest's migration did not end (state '$st')"
	sleep 1; t=$((t + 1))
done
guest_sh 'cat /sys/kernel/selfmig/result' > "$LOGDIR/guest-result.txt"
field_str guest_message "$(awk '$1 == "message" { $1 = ""; print }' "$LOGDIR/guest-result.txt")"
grep -q 'resumed (' "/var/log/xen/console/guest-$GUEST.log" 2>/dev/null &&
	fail "the guest suspended for a hook that was gone: $(grep -m1 'resumed (' "/var/log/xen/console/guest-$GUEST.log")"
fault_outcome "$rc"
[ "$(xl domid "$GUEST" 2>/dev/null)" = "$domid0" ] || fail "the guest is no longer domain $domid0"
ok
