# about: selfmig.ko's generic netlink family end to end, through selfmigctl in the guest: result when idle, a migration started, its processes read while it runs, an abort honoured, one refused when idle, a complete pre-copy whose rounds add up to its result
# timeout: 900
#
# The family and its attributes: selfmig/uapi/selfmig_genl.h.  Everything
# here goes through netlink; sysfs is read only for the state, to compare.
guest_create
guest_wait_ready 240
selfmig_keys || fail "cannot create the guest's selfmig keys"

step "result, rounds and procs of an idle module"
out=$(ctl result)
echo "$out" | sed 's/^/  /'
echo "$out" | grep -qx 'state idle' && echo "$out" | grep -qx 'rc=0' ||
	fail "selfmigctl result on an idle module: $out"
ctl rounds | grep -qx 'round scanned dirty sent zero bytes_raw bytes_wire duration_ms rate_mbit' ||
	fail "selfmigctl rounds did not print its header"
ctl procs | grep -qx 'rc=0' || fail "selfmigctl procs failed"

step "an abort with no migration: refused with ESRCH"
out=$(ctl abort)
echo "$out" | sed 's/^/  /'
echo "$out" | grep -q 'No such process' && echo "$out" | grep -qx 'rc=1' ||
	fail "an abort with no migration was not refused with ESRCH: $out"
field abort_idle_refused true

step "a bad request: refused with EINVAL, nothing started"
out=$(ctl migrate --dest 169.254.0.1:7001 --id 00112233445566778899aabbccddeeff --max-rounds 0)
echo "$out" | grep -qx 'rc=2' || fail "--max-rounds 0 was not a usage error: $out"

step "a slow migration started through netlink, its rounds read while it runs, then aborted"
ctl_slow_migration abort
# While it runs: sysfs agrees on the state, a second migration is refused
# with EBUSY, and its processes can be read.
[ "$(guest_sh 'cat /sys/kernel/selfmig/state' | tr -d '\r\n ')" = precopy ] ||
	{ kill "$RECV"; fail "sysfs disagrees with netlink on the state"; }
out=$(ctl migrate --dest 169.254.0.1:7001 --id "$id")
echo "$out" | grep -q 'Device or resource busy' ||
	{ kill "$RECV"; fail "a second migration was not refused with EBUSY: $out"; }
ctl procs > "$LOGDIR/procs-running.txt"
ctl_abort_running

step "a complete pre-copy (no freeze) started through netlink"
id=$(new_id)
keyed_receiver full "$id"
out=$(ctl migrate --dest 169.254.0.1:7001 --id "$id" --compress)
echo "$out" | grep -qx 'rc=0' || { kill "$RECV"; fail "selfmigctl migrate did not start: $out"; }
t=0
while kill -0 "$RECV" 2>/dev/null; do
	[ $t -lt 400 ] || { kill "$RECV"; fail "the receiver did not end within 400 s"; }
	sleep 1; t=$((t + 1))
done
wait "$RECV" || fail "the receiver failed: $(tail -n 2 "$LOGDIR/receive-full.log")"
ctl_wait_idle 120
ctl result > "$LOGDIR/result-netlink.txt"
ctl rounds > "$LOGDIR/rounds-netlink.txt"
sed 's/^/  /' "$LOGDIR/rounds-netlink.txt"
[ "$(ctl_value error)" = 0 ] || fail "the pre-copy ended with error $(ctl_value error): $(ctl_value message)"
[ "$(ctl_value rounds)" = "$(grep -vc '^round\|^rc=' "$LOGDIR/rounds-netlink.txt")" ] ||
	fail "the result's rounds and the rounds dump disagree"
rounds=$(grep -vc '^round\|^rc=' "$LOGDIR/rounds-netlink.txt")
sent=$(ctl_value pages_sent)
[ "$rounds" -ge 1 ] && [ "$sent" -gt 0 ] || fail "no rounds or no pages sent: $rounds rounds, $sent pages"
# Each round's own counts (they were left at 0 once: the encoder counted
# them for the wire only): the rounds' pages add up to the result's.
rsum=$(awk '$1 ~ /^[0-9]+$/ { s += $4 } END { print s + 0 }' "$LOGDIR/rounds-netlink.txt")
[ "$rsum" = "$sent" ] || fail "the rounds sent $rsum pages in all, the result says $sent"
log "complete: $rounds rounds, $sent pages sent, the rounds adding up to the result"
field rounds "$rounds"
field pages_sent "$sent"
rm -f /tmp/recv-key-* /tmp/recv-img
ok
