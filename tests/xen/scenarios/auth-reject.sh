# about: authentication: a stream under the wrong secret, a stream replayed from an earlier migration, and a secret the guest could have written itself are each refused with a clear log line, and the guest runs on unchanged
# timeout: 900
#
# Each migration has a fresh secret that dom0 hands to the guest in
# control/selfmig/key (owned by dom0, readable by the guest alone) and to
# the receiver in a mode-600 file; the page stream is sealed with
# ChaCha20-Poly1305 under a key derived from it (wire version 3,
# docs/wire-format.md).
#
#  1. wrong secret: the receiver holds another secret than the guest; it
#     refuses the stream at its header (auth_tag) and writes no page.
#  2. replay: the first 1 MB of a genuine stream are captured, then replayed
#     into the receiver of a later migration (refused: wrong_id) and into a
#     receiver of the same migration re-keyed by dom0 (refused: auth_tag).
#     The same bytes under their own secret are accepted as far as they go,
#     so the refusals are the secret's doing.
#  3. not from dom0: the guest refuses to start when the key node is
#     writable by the guest itself (as a key written by anyone but dom0
#     would be), and no connection is made.
#  4. no secret at all: refused, and the kernel log says so.
#  5. a process without privilege (uid 1000) cannot start a migration.
# The guest's tracker leaves page tables alone here (tracker_off in
# lib.sh): this scenario is about the secret, not about dirty tracking.
# Afterwards the counter continues, the 16 MiB of data keep their checksum
# and exactly one guest exists.  Refused requests to selfmigd that did not
# come from dom0 are covered by notice-reject.
guest_create
guest_wait_ready 240
witness_before
selfmig_keys || fail "cannot create the guest's selfmig keys"
tracker_off
d=$(xl domid "$GUEST")

guest_state() { guest_sh 'cat /sys/kernel/selfmig/state' | tr -d '\r\n '; }
guest_idle() { # wait until the guest's migration has ended
	t=0
	while :; do
		st=$(guest_state)
		case "$st" in idle|failed) return 0 ;; esac
		[ $t -lt 90 ] || fail "the guest's migration did not end (state '$st')"
		sleep 1; t=$((t + 1))
	done
}
# receive NAME ID KEYFILE: a receiver on 169.254.0.1:7001 for one connection
receive() {
	rm -f /tmp/auth-img
	selfmig-receive --listen 169.254.0.1:7001 --image /tmp/auth-img --id "$2" --key-file "$3" \
		--once > "$LOGDIR/recv-$1.log" 2>&1 &
	RECV=$!
	recv_listening "$LOGDIR/recv-$1.log" $RECV
}
# recv_end NAME: wait for the receiver; sets RECV_RC and RECV_ERR
recv_end() {
	t=0
	while kill -0 $RECV 2>/dev/null; do
		[ $t -lt 120 ] || { kill $RECV; break; }
		sleep 1; t=$((t + 1))
	done
	wait $RECV; RECV_RC=$?
	RECV_ERR=$(grep 'selfmig-receive: error:' "$LOGDIR/recv-$1.log" | head -n 1)
	log "receiver $1: exit $RECV_RC: $RECV_ERR"
}
image_untouched() {
	[ ! -s /tmp/auth-img ] || fail "a refused stream wrote $(stat -c %s /tmp/auth-img) bytes of image"
}

# replay_refused NAME ID KEY PATTERN WHAT: /tmp/capture, sent to a receiver
# for migration ID under KEY, is refused with an error matching PATTERN and
# leaves the image as it was.
replay_refused() {
	receive "$1" "$2" "$3"
	timeout 60 nc 169.254.0.1 7001 < /tmp/capture
	recv_end "$1"
	[ "$RECV_RC" = 1 ] || fail "a replayed stream was not refused"
	echo "$RECV_ERR" | grep -q "$4" || fail "$5: $RECV_ERR"
	image_untouched
}

step "1. a stream under another secret than the receiver's"
id1=$(new_id)
rm -f /tmp/k1-other
selfmig-hook key "$GUEST" --id "$id1" || fail "cannot hand the guest its secret"
selfmig-hook key "$GUEST" --id "$id1" -o /tmp/k1-other --no-publish || fail "cannot make a second secret"
receive wrong "$id1" /tmp/k1-other
guest_sh "selfmigctl migrate --dest 169.254.0.1:7001 --id $id1" > /dev/null
recv_end wrong
[ "$RECV_RC" = 1 ] || fail "the receiver exited $RECV_RC for a stream under the wrong secret"
echo "$RECV_ERR" | grep -q '(auth_tag) at stream header' || fail "wrong secret: not refused as auth_tag at the header: $RECV_ERR"
image_untouched
guest_idle
field wrong_secret_rejected true

step "2. capturing the start of a genuine stream"
id2=$(new_id)
rm -f /tmp/k2 /tmp/capture
selfmig-hook key "$GUEST" --id "$id2" -o /tmp/k2 || fail "cannot hand out the secret"
( nc -l -p 7003 | head -c 1000000 > /tmp/capture ) &
cap=$!
sleep 1
guest_sh "selfmigctl migrate --dest 169.254.0.1:7003 --id $id2" > /dev/null
t=0
while [ "$(stat -c %s /tmp/capture 2>/dev/null || echo 0)" -lt 1000000 ]; do
	[ $t -lt 120 ] || break
	sleep 1; t=$((t + 1))
done
guest_sh 'selfmigctl abort' > /dev/null 2>&1
kill $cap 2>/dev/null; wait $cap 2>/dev/null
guest_idle
size=$(stat -c %s /tmp/capture)
log "captured $size bytes"
[ "$size" -ge 100000 ] || fail "captured only $size bytes of the guest's stream"
field captured_bytes "$size"

step "2a. the capture under its own secret is accepted as far as it goes"
receive own "$id2" /tmp/k2
timeout 60 nc 169.254.0.1 7001 < /tmp/capture
recv_end own
echo "$RECV_ERR" | grep -q -e '(truncated)' -e '(missing_end)' ||
	fail "the genuine capture was not accepted up to its end: $RECV_ERR"

step "2b. replayed into a later migration"
id3=$(new_id)
rm -f /tmp/k3
selfmig-hook key "$GUEST" --id "$id3" -o /tmp/k3 || fail "cannot hand out the secret"
replay_refused replay-later "$id3" /tmp/k3 '(wrong_id) at stream header' \
	"replay into a later migration"

step "2c. replayed into the same migration, re-keyed by dom0"
rm -f /tmp/k2b
selfmig-hook key "$GUEST" --id "$id2" -o /tmp/k2b || fail "cannot hand out the secret"
replay_refused replay-rekeyed "$id2" /tmp/k2b '(auth_tag) at stream header' \
	"replay under a new secret"
field replay_rejected true

step "3. a secret the guest could have written itself"
id4=$(new_id)
selfmig-hook key "$GUEST" --id "$id4" || fail "cannot hand out the secret"
xenstore-chmod "/local/domain/$d/control/selfmig/key" "n$d" || fail "cannot chmod the key node"
out=$(guest_sh "selfmigctl migrate --dest 169.254.0.1:7001 --id $id4 2>&1; echo rc=\$?")
log "guest: $out"
echo "$out" | grep -q 'rc=0' && fail "the guest started a migration with a key it could write"
guest_sh 'dmesg | tail -n 5' | grep -q 'writable by this guest, so it is not from dom0' ||
	fail "the guest's log does not say why it refused"
[ "$(guest_state)" = idle ] || fail "the guest is not idle after refusing"
xenstore-rm "/local/domain/$d/control/selfmig/key"
field not_from_dom0_rejected true

step "4. no secret at all"
out=$(guest_sh "selfmigctl migrate --dest 169.254.0.1:7001 --id $id4 2>&1; echo rc=\$?")
echo "$out" | grep -q 'rc=0' && fail "the guest started a migration without a secret"
guest_sh 'dmesg | tail -n 5' | grep -q 'no migration secret from dom0' ||
	fail "the guest's log does not say the secret is missing"

step "5. the control interface refuses an unprivileged process"
id5=$(new_id)
selfmig-hook key "$GUEST" --id "$id5" || fail "cannot hand out the secret"
out=$(guest_sh "sm-sched --uid 1000 -- selfmigctl migrate --dest 169.254.0.1:7001 --id $id5 2>&1; echo rc=\$?")
log "guest, as uid 1000: $out"
echo "$out" | grep -q 'rc=' && ! echo "$out" | grep -q 'sm-sched:' ||
	fail "cannot run a command as uid 1000 in the guest: $out"
echo "$out" | grep -q 'rc=0' && fail "an unprivileged process started a migration"
echo "$out" | grep -q 'Operation not permitted' || fail "the refusal of an unprivileged process is not EPERM: $out"
[ "$(guest_state)" = idle ] || fail "the guest is not idle after refusing"
xenstore-rm "/local/domain/$d/control/selfmig/key"
field unprivileged_rejected true

rm -f /tmp/capture /tmp/k1-other /tmp/k2 /tmp/k2b /tmp/k3 /tmp/auth-img
witness_after
ok
