# about: fault injection: selfmig-hook migrate is killed just before it writes the permission to run, then just after; its guard reads the receiver's answer and puts the source back, or destroys it because the destination runs; exactly one guest runs each time
# timeout: 900
#
# From the moment the hook records "go" until the destination answers, only
# the destination's answer says whether its copy runs.  The guard keeps the
# receiver's output for that (docs/switch.md, the guard).
#   case 1: SELFMIG_FAULT=hook-die:go, the permission not yet written: xl's
#           input ends, it reports a failure, destroys its copy and hands the
#           domain back; the guard renames the source back and resumes it
#   case 2: SELFMIG_FAULT=hook-die:permitted, the permission written: the
#           destination runs the guest and says so; the guard destroys the
#           source, as the hook would have
# Each time the counter goes on with the same pid, the data keeps its
# checksum, exactly one guest exists and nothing is left renamed away.
guest_create
guest_wait_ready 240
witness_before

# wait_guard LOG PATTERN: the guard's last word, within 300 s.
wait_guard() {
	t=0
	until grep -q "$2" "$1"; do
		[ $t -lt 300 ] || { cat "$1"; fail "the guard did not finish within 300 s (no '$2')"; }
		sleep 1; t=$((t + 1))
	done
	field "guard_s_$3" "$t"
}

domid0=$(xl domid "$GUEST")
step "case 1: selfmig-hook migrate with SELFMIG_FAULT=hook-die:go"
SELFMIG_FAULT=hook-die:go selfmig-hook migrate "$GUEST" \
	--receiver-log "$LOGDIR/xl-receive-1.log" > "$LOGDIR/hook-1.log" 2>&1
rc=$?
wait_guard "$LOGDIR/hook-1.log" 'guard: domain .* resumed' 1
cat "$LOGDIR/hook-1.log"
grep -q 'FAULT INJECTION: the hook dies now (go)' "$LOGDIR/hook-1.log" || fail "case 1: the fault was not injected (rc $rc)"
[ "$rc" = 137 ] || fail "case 1: selfmig-hook exited $rc, not 137 (SIGKILL)"
grep -q 'destroyed it; putting the source back' "$LOGDIR/hook-1.log" ||
	fail "case 1: the guard did not hear the receiver hand the domain back"
grep -q 'ATTENTION' "$LOGDIR/hook-1.log" && fail "case 1: the guard could not tell what became of the guest"
fault_outcome "$rc"
[ "$(xl domid "$GUEST" 2>/dev/null)" = "$domid0" ] || fail "case 1: the guest is no longer domain $domid0"

step "case 2: selfmig-hook migrate with SELFMIG_FAULT=hook-die:permitted"
SELFMIG_FAULT=hook-die:permitted selfmig-hook migrate "$GUEST" \
	--receiver-log "$LOGDIR/xl-receive-2.log" > "$LOGDIR/hook-2.log" 2>&1
rc=$?
wait_guard "$LOGDIR/hook-2.log" 'guard: the destination runs the guest' 2
cat "$LOGDIR/hook-2.log"
grep -q 'FAULT INJECTION: the hook dies now (permitted)' "$LOGDIR/hook-2.log" || fail "case 2: the fault was not injected (rc $rc)"
[ "$rc" = 137 ] || fail "case 2: selfmig-hook exited $rc, not 137 (SIGKILL)"
grep -q 'ATTENTION' "$LOGDIR/hook-2.log" && fail "case 2: the guard could not tell what became of the guest"
xl list "$domid0" > /dev/null 2>&1 && fail "case 2: the source, domain $domid0, still exists"
fault_outcome "$rc"
ok
