# about: fault injection: selfmig-hook self is killed while the guest pre-copies; the guest's connection ends in a reset, so it never suspends, and it runs on unchanged
# timeout: 900
#
# SELFMIG_FAULT=hook-die:receiving makes selfmig-hook self kill itself with
# SIGKILL 16 MiB into the guest's stream.  Nothing in the hook can clean up:
# the kernel closes the guest's connection, and since the hook set it to end
# in a reset (docs/switch.md), the guest's sender sees a reset, never the
# orderly close that is the hook's word to suspend.  xl sees its input end
# and destroys its partial domain.  The guard has nothing to undo.
fault_guest
self_fault_migrate hook-die:receiving 'the hook dies now (receiving)'
grep -q 'selfmig-hook exit 137' "$FAULT_LOG" || log "note: selfmig does not report the hook's SIGKILL as exit 137"
grep -q 'guard: the hook died with nothing to undo' "$FAULT_LOG" ||
	fail "the guard did not say that it had nothing to undo"
step "the guest's migration must end without a suspend"
guest_migration_wait_end
grep -q 'resumed (' "/var/log/xen/console/guest-$GUEST.log" 2>/dev/null &&
	fail "the guest suspended for a hook that was gone: $(grep -m1 'resumed (' "/var/log/xen/console/guest-$GUEST.log")"
fault_outcome "$FAULT_RC"
fault_same_domain
ok
