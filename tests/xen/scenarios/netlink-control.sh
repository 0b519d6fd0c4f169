# about: selfmig.ko's generic netlink family end to end, through selfmigctl in the guest: result when idle, a migration started, its processes read while it runs, an abort honoured, one refused when idle, a complete pre-copy whose rounds add up to its result
# timeout: 900
#
# The family and its attributes: selfmig/uapi/selfmig_genl.h.  Everything
# here goes through netlink; sysfs is read only for the state, to compare.
guest_create
guest_wait_ready 240
selfmig_keys || fail "cannot create the guest's selfmig keys"

# ctl ARGS: selfmigctl in the guest; its output, then "rc=N"
ctl() { guest_sh "selfmigctl $* 2>&1; echo rc=\$?" | tr -d '\r'; }
# nl_value KEY: one value of "selfmigctl result"
nl_value() { ctl result | awk -v k="$1" '$1 == k { $1 = ""; sub(/^ /, ""); print }'; }
wait_idle() { # LIMIT
	t=0
	while [ "$(nl_value state)" != idle ]; do
		[ $t -lt "$1" ] || fail "the guest's migration did not end within $1 s: state '$(nl_value state)'"
		sleep 1; t=$((t + 1))
	done
}
receiver() { # NAME ID: a keyed receiver for one connection; sets RECV
	rm -f "/tmp/nl-key-$1" /tmp/nl-img
	selfmig-hook key "$GUEST" --id "$2" -o "/tmp/nl-key-$1" || fail "cannot hand out the secret"
	selfmig-receive --listen 169.254.0.1:7001 --image /tmp/nl-img --id "$2" \
		--key-file "/tmp/nl-key-$1" --once > "$LOGDIR/receive-$1.log" 2>&1 &
	RECV=$!
	recv_listening "$LOGDIR/receive-$1.log" $RECV
}

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
id=$(new_id)
receiver abort "$id"
out=$(ctl migrate --dest 169.254.0.1:7001 --id "$id" --start-rate 10 --max-bandwidth 10)
echo "$out" | grep -qx 'rc=0' || { kill "$RECV"; fail "selfmigctl migrate did not start: $out"; }
sleep 5
[ "$(nl_value state)" = precopy ] || { kill "$RECV"; fail "the slow migration is in state '$(nl_value state)', not precopy"; }
[ "$(guest_sh 'cat /sys/kernel/selfmig/state' | tr -d '\r\n ')" = precopy ] ||
	{ kill "$RECV"; fail "sysfs disagrees with netlink on the state"; }
out=$(ctl migrate --dest 169.254.0.1:7001 --id "$id")
echo "$out" | grep -q 'Device or resource busy' ||
	{ kill "$RECV"; fail "a second migration was not refused with EBUSY: $out"; }
ctl procs > "$LOGDIR/procs-running.txt"
out=$(ctl abort)
echo "$out" | grep -qx 'rc=0' || { kill "$RECV"; fail "an abort in pre-copy was refused: $out"; }
wait_idle 30
kill "$RECV" 2>/dev/null; wait "$RECV" 2>/dev/null
err=$(nl_value error)
[ "$err" = -125 ] || fail "the aborted migration ended with error '$err', not -125 (ECANCELED): $(nl_value message)"
log "aborted: $(nl_value message)"
field abort_in_precopy true

step "a complete pre-copy (no freeze) started through netlink"
id=$(new_id)
receiver full "$id"
out=$(ctl migrate --dest 169.254.0.1:7001 --id "$id" --compress)
echo "$out" | grep -qx 'rc=0' || { kill "$RECV"; fail "selfmigctl migrate did not start: $out"; }
t=0
while kill -0 "$RECV" 2>/dev/null; do
	[ $t -lt 400 ] || { kill "$RECV"; fail "the receiver did not end within 400 s"; }
	sleep 1; t=$((t + 1))
done
wait "$RECV" || fail "the receiver failed: $(tail -n 2 "$LOGDIR/receive-full.log")"
wait_idle 120
ctl result > "$LOGDIR/result-netlink.txt"
ctl rounds > "$LOGDIR/rounds-netlink.txt"
sed 's/^/  /' "$LOGDIR/rounds-netlink.txt"
[ "$(nl_value error)" = 0 ] || fail "the pre-copy ended with error $(nl_value error): $(nl_value message)"
[ "$(nl_value rounds)" = "$(grep -vc '^round\|^rc=' "$LOGDIR/rounds-netlink.txt")" ] ||
	fail "the result's rounds and the rounds dump disagree"
rounds=$(grep -vc '^round\|^rc=' "$LOGDIR/rounds-netlink.txt")
sent=$(nl_value pages_sent)
[ "$rounds" -ge 1 ] && [ "$sent" -gt 0 ] || fail "no rounds or no pages sent: $rounds rounds, $sent pages"
# Each round's own counts (they were left at 0 once: the encoder counted
# them for the wire only): the rounds' pages add up to the result's.
rsum=$(awk '$1 ~ /^[0-9]+$/ { s += $4 } END { print s + 0 }' "$LOGDIR/rounds-netlink.txt")
[ "$rsum" = "$sent" ] || fail "the rounds sent $rsum pages in all, the result says $sent"
log "complete: $rounds rounds, $sent pages sent, the rounds adding up to the result"
field rounds "$rounds"
field pages_sent "$sent"
rm -f /tmp/nl-key-* /tmp/nl-img
ok
