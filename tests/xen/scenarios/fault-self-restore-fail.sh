# about: fault injection: in a self-migration the destination's restore fails after the final set and the CPU state are in; the suspended source is resumed and runs on unchanged, and nothing is left behind
# timeout: 900
#
# SELFMIG_FAULT=restore-fail makes selfmig-hook self send, after the guest's
# final set and CPU state and just before the stream's end, a mandatory
# record that Xen does not know: stock `xl migrate-receive` fails its
# restore with every page in and destroys its domain.  The guest has
# suspended by then; the hook hears no "ready", and must resume it with its
# suspend cancelled.
fault_guest
tcp_start 45
self_fault_migrate restore-fail 'a record the destination cannot restore'
grep -q 'selfmig-hook: switch: final set' "$FAULT_LOG" ||
	fail "the hook failed before it sent the final set, not at the destination"
grep -q 'resumed; it runs on' "$FAULT_LOG" || fail "the hook did not say it resumed the source"
grep -qi 'record' "$LOGDIR/xl-receive.log" || log "note: the receiver's log does not name the record"
fault_outcome "$FAULT_RC"
fault_same_domain
tcp_check
ok
