# about: fault injection: in a self-migration the destination's restore fails after the final set and the CPU state are in; the suspended source is resumed and runs on unchanged, and nothing is left behind
# timeout: 900
#
# SELFMIG_FAULT=restore-fail makes selfmig-hook self send, after the guest's
# final set and CPU state and just before the stream's end, a mandatory
# record that Xen does not know: stock `xl migrate-receive` fails its
# restore with every page in and destroys its domain.  The guest has
# suspended by then; the hook hears no "ready", and must resume it with its
# suspend cancelled.
guest_create
guest_wait_ready 240
selfmigd_wait
domid0=$(xl domid "$GUEST")
witness_before
tcp_start 45
step "selfmig migrate --mode self with SELFMIG_FAULT=restore-fail"
SELFMIG_FAULT=restore-fail selfmig migrate --mode self --json "$LOGDIR/report.json" \
	--xl-log "$LOGDIR/xl-receive.log" "$GUEST" localhost \
	> "$LOGDIR/report.txt" 2> "$LOGDIR/migrate.log"
rc=$?
cat "$LOGDIR/migrate.log"
grep -q 'FAULT INJECTION: a record the destination cannot restore' "$LOGDIR/migrate.log" ||
	fail "the fault was not injected (exit $rc)"
[ "$rc" != 0 ] || fail "selfmig migrate exited 0 with the fault injected"
grep -q '"ok":false' "$LOGDIR/report.json" || fail "the report does not say the migration failed"
grep -q 'selfmig-hook: switch: final set' "$LOGDIR/migrate.log" ||
	fail "the hook failed before it sent the final set, not at the destination"
grep -q 'resumed; it runs on' "$LOGDIR/migrate.log" || fail "the hook did not say it resumed the source"
grep -q 'ATTENTION' "$LOGDIR/migrate.log" && fail "the hook could not tell what became of the guest"
grep -qi 'record' "$LOGDIR/xl-receive.log" || log "note: the receiver's log does not name the record"
fault_outcome "$rc"
[ "$(xl domid "$GUEST" 2>/dev/null)" = "$domid0" ] || fail "the guest is no longer domain $domid0"
tcp_check
ok
