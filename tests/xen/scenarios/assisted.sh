# about: assisted mode: `selfmig migrate --mode assisted` runs xl migrate while the guest quiesces and lowers its heavy dirtiers
# timeout: 600
#
# The guest runs the processes of policy_setup (lib.sh) and the UDP prober
# runs throughout.  After the migration: one guest, it answers, its log shows
# the notice and the policy's actions, every measure was undone, and no
# workload saw corrupted data.
policy_guest
assisted_migrate
cat "$LOGDIR/probe.txt"

step "checking the guest after the migration"
[ "$(guest_count)" = 1 ] || { xl list; fail "expected exactly one guest after the migration"; }
sm-probe --target "$GUEST_IP:$ECHO_PORT" --wait-ready 60 > /dev/null 2>&1 ||
	fail "the guest does not answer after the migration"
sleep 2
policy_check_restored migration
# The destination domain's console goes to guest-NAME--incoming.log.
con=/tmp/guest-console.txt
cat /var/log/xen/console/guest-"$GUEST"*.log > "$con"
grep -E "selfmigd: (notice|froze|lowered|stunned|migration done|request)" "$con" | sed 's/^/  guest: /'
grep -q "selfmigd: notice: migration to localhost" "$con" || fail "the guest's log does not show the notice"
grep -q "selfmigd: froze cgroup /sys/fs/cgroup/background" "$con" || fail "the guest's log does not show the quiesce set frozen"
grep -q "selfmigd: lowered pid" "$con" || fail "the guest's log does not show a heavy dirtier lowered"
grep -q "selfmigd: migration done: every measure undone" "$con" || fail "the guest's log does not show the measures undone"
grep -q "CORRUPTION" "$con" && fail "a workload in the guest reported CORRUPTION"

gap=$(sed -n 's/.*"max_gap_ms": *\([0-9.]*\).*/\1/p' "$LOGDIR/probe.json")
total=$(sed -n 's/.*"total_ms": *\([0-9]*\).*/\1/p' "$LOGDIR/migrate.json")
field max_gap_ms "${gap:-null}"
field total_ms "${total:-null}"
field attempts "$ATTEMPT"
[ -n "$FIRST_FAILURE" ] && field_str first_failure "$FIRST_FAILURE"
field lowered "$(grep -c 'selfmigd: lowered pid' "$con")"
log "assisted migration: total ${total:-?} ms, longest prober gap ${gap:-?} ms, attempts $ATTEMPT"
ok
