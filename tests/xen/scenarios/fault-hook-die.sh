# about: fault injection: selfmig-hook is killed after sending every page, before the switch; its guard resumes the source guest, and the destination's copy never runs
# timeout: 600
#
# SELFMIG_FAULT=hook-die:sent makes selfmig-hook kill itself with SIGKILL
# when the whole stream is in the receiver and the destination waits for
# permission to run.  Nothing in the hook can clean up; its guard, forked
# before the guest was touched, sees the hook's pipe close with the guest
# suspended and resumes it.  The receiver sees its stream end without
# permission and destroys its copy.
guest_create
guest_wait_ready 240
witness_before
step "selfmig-hook migrate with SELFMIG_FAULT=hook-die:sent"
SELFMIG_FAULT=hook-die:sent selfmig-hook migrate "$GUEST" \
	--receiver-log "$LOGDIR/xl-receive.log" > "$LOGDIR/hook.log" 2>&1
rc=$?
step "waiting for the guard to resume the guest"
t=0
until grep -q 'guard: domain .* resumed' "$LOGDIR/hook.log"; do
	[ $t -lt 60 ] || { cat "$LOGDIR/hook.log"; fail "the guard did not resume the guest within 60 s"; }
	sleep 1; t=$((t + 1))
done
cat "$LOGDIR/hook.log"
grep -q 'FAULT INJECTION: the hook dies now (sent)' "$LOGDIR/hook.log" || fail "the fault was not injected (rc $rc)"
[ "$rc" = 137 ] || fail "selfmig-hook exited $rc, not 137 (SIGKILL)"
field guard_resume_s "$t"
fault_outcome "$rc"
ok
