# about: fault injection: in a self-migration the receiver's stream is cut as the guest's pre-copy ends, so the hook's last flush fails before the guest is told to suspend; the guest never suspends and runs on unchanged
# timeout: 900
#
# SELFMIG_FAULT=flush-fail makes selfmig-hook self replace the receiver's
# input with a pipe nobody reads as the guest's END arrives: xl sees its
# input end and destroys its partial domain, and the hook's flush of the last
# pages (or its check that the receiver still takes the stream) fails.  The
# guest waits for the hook's word at that moment; it must get a reset, never
# the orderly close that would make it suspend, and run on.
fault_guest
tcp_start 45
self_fault_migrate flush-fail "the receiver's stream is cut"
grep -q 'waiting for the guest to suspend' "$FAULT_LOG" &&
	fail "the hook told the guest to suspend after its flush to the receiver failed"
grep -q -e 'writing to the receiver: ' -e 'the receiver no longer takes its stream' "$FAULT_LOG" ||
	fail "the hook does not say that the receiver's stream failed"
fault_outcome "$FAULT_RC"
fault_same_domain
tcp_check
step "the guest's module must have seen a reset, not a suspend"
guest_migration_wait_end
log "the guest says: state $GUEST_STATE,$GUEST_MESSAGE"
grep -q 'resumed (' "/var/log/xen/console/guest-$GUEST.log" 2>/dev/null &&
	fail "the guest suspended: $(grep -m1 'resumed (' "/var/log/xen/console/guest-$GUEST.log")"
ok
