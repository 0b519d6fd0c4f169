# about: self-migration that fails part-way: the receiver killed in round 0, in a late round, and after the suspend; then the guest's connection cut; each time the source resumes and runs on
# timeout: 1500
#
# The same guest meets four failures of `selfmig migrate --mode self`, each
# injected by selfmig-hook (SELFMIG_FAULT, userspace/selfmig-hook/fault.h):
#   receiver-crash:8         xl migrate-receive killed 8 MiB into round 0
#   receiver-crash:round:N   killed as the guest starts round N (ABORT_ROUND,
#                            default 3), or as its stream ends if it
#                            converges sooner: the guest has sent its last
#                            round and waits for the word to suspend
#   receiver-crash:suspended killed after the guest suspended, before its
#                            final set was sent
#   conn-drop:40             the guest's own connection cut after 40 MiB
# After each, the command must fail and say so, the destination's
# half-built copy must never have run (it is destroyed and counted), and
# the source, the same domain, must run on: its counter continues with the
# same pid, its 16 MiB file keeps its checksum, a TCP stream from it to dom0
# started before the migration ends intact on one connection, and exactly one
# guest exists.  Last, one more self-migration must succeed: every failure
# left the guest's module ready for the next.
ABORT_ROUND=${ABORT_ROUND:-3}
guest_create
guest_wait_ready 240
selfmigd_wait
domid0=$(xl domid "$GUEST")
witness_before

k=0
for spec in receiver-crash:8 "receiver-crash:round:$ABORT_ROUND" receiver-crash:suspended conn-drop:40; do
	k=$((k + 1))
	tcp_start 45
	step "case $k: selfmig migrate --mode self with SELFMIG_FAULT=$spec"
	SELFMIG_FAULT=$spec selfmig migrate --mode self --json "$LOGDIR/report-$k.json" \
		--xl-log "$LOGDIR/xl-receive-$k.log" "$GUEST" localhost \
		> "$LOGDIR/report-$k.txt" 2> "$LOGDIR/migrate-$k.log"
	rc=$?
	mrc=$rc
	cat "$LOGDIR/migrate-$k.log"
	grep -q 'FAULT INJECTION:' "$LOGDIR/migrate-$k.log" || fail "case $k: the fault $spec was not injected (exit $rc)"
	[ "$rc" != 0 ] || fail "case $k: selfmig migrate exited 0 with $spec injected"
	grep -q '"ok":false' "$LOGDIR/report-$k.json" || fail "case $k: the report does not say the migration failed"
	fault_outcome "$rc"
	[ "$(xl domid "$GUEST" 2>/dev/null)" = "$domid0" ] ||
		fail "case $k: the guest is no longer domain $domid0"
	tcp_check
	guest_sh 'selfmigctl result' > "$LOGDIR/guest-result-$k.txt"
	st=$(sed -n 's/^state //p' "$LOGDIR/guest-result-$k.txt")
	log "case $k ($spec): exit $mrc; guest module: $(tr '\n' ' ' < "$LOGDIR/guest-result-$k.txt" | cut -c1-160)"
	field_str "case${k}_error" "$(grep '^selfmig: ' "$LOGDIR/migrate-$k.log" | tail -n 1)"
	field_str "case${k}_module_state" "$st"
done

step "a self-migration after the four failures"
selfmig migrate --mode self --json "$LOGDIR/report.json" --xl-log "$LOGDIR/xl-receive.log" \
	"$GUEST" localhost > "$LOGDIR/report.txt" 2> "$LOGDIR/migrate.log"
rc=$?
cat "$LOGDIR/migrate.log"
[ "$rc" = 0 ] || fail "the self-migration after the failures failed (exit $rc): $(grep '^selfmig: ' "$LOGDIR/migrate.log" | tail -n 1)"
sm-probe --target "$GUEST_IP:$ECHO_PORT" --wait-ready 60 > /dev/null || fail "the migrated guest does not answer"
witness_after
ok
