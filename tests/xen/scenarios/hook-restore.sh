# about: selfmig-hook writes a suspended guest in Xen's own stream format; stock `xl restore` brings it back and its processes continue
# timeout: 600
#
# The dom0 half of the final switch, on its own: the guest suspends through
# Linux's standard Xen path, selfmig-hook copies its configuration, pages and
# CPU state into an xl image, and stock xl restores the domain from it.  The
# counter process must continue (same pid, larger count), a 16 MiB /tmp file
# must read back with the same checksum, and exactly one guest must remain.
guest_create
guest_wait_ready 240

step "writing 16 MiB of random data into the guest's /tmp (tmpfs) and reading its counter"
sum0=$(guest_sh 'dd if=/dev/urandom of=/tmp/blob bs=1M count=16 2>/dev/null; sha256sum /tmp/blob' | awk '{ print $1 }')
c0=$(guest_sh 'cat /run/selfmig-counter')
[ -n "$sum0" ] && [ -n "$c0" ] || fail "cannot read the guest's checksum or counter"
log "before: counter '$c0', blob sha256 $sum0"

step "selfmig-hook save --suspend --after destroy"
t0=$(now_ms)
selfmig-hook save "$GUEST" -o /tmp/guest.img --suspend --after destroy \
	--json "$LOGDIR/hook.json" > "$LOGDIR/hook.log" 2>&1 ||
	fail "selfmig-hook save failed: $(tail -n 1 "$LOGDIR/hook.log")"
t1=$(now_ms)
cat "$LOGDIR/hook.log"
[ "$(guest_count)" = 0 ] || fail "the source guest still exists after --after destroy"

step "checking the image's framing (selfmig-hook check)"
selfmig-hook check /tmp/guest.img > "$LOGDIR/image-check.txt" 2>&1 ||
	fail "the image is not well formed: $(tail -n 1 "$LOGDIR/image-check.txt")"
cat "$LOGDIR/image-check.txt"

step "xl restore of the image"
t2=$(now_ms)
xl restore /tmp/guest.img > "$LOGDIR/xl-restore.log" 2>&1 ||
	fail "xl restore failed: $(grep -m1 -iE 'error|fail' "$LOGDIR/xl-restore.log")"
t3=$(now_ms)
rm -f /tmp/guest.img
sm-probe --target "$GUEST_IP:$ECHO_PORT" --wait-ready 60 > /dev/null ||
	fail "the restored guest does not answer (see guest-console-$GUEST.log)"

step "checking the restored guest"
sleep 1
c1=$(guest_sh 'cat /run/selfmig-counter')
sum1=$(guest_sh 'sha256sum /tmp/blob' | awk '{ print $1 }')
log "after: counter '$c1', blob sha256 $sum1"
set -- $c0; pid0=$1 n0=$2
set -- $c1; pid1=$1 n1=$2
[ "$pid0" = "$pid1" ] || fail "the counter restarted: pid $pid0 before, $pid1 after"
[ "$n1" -gt "$n0" ] || fail "the counter did not advance: $n0 before, $n1 after"
[ "$sum0" = "$sum1" ] || fail "the guest's 16 MiB file changed: $sum0 before, $sum1 after"
[ "$(guest_count)" = 1 ] || { xl list; fail "expected exactly one guest, found $(guest_count)"; }

pages=$(sed -n 's/.*"pages":\([0-9]*\).*/\1/p' "$LOGDIR/hook.json")
bytes=$(sed -n 's/.*"bytes":\([0-9]*\).*/\1/p' "$LOGDIR/hook.json")
field hook_pages "$pages"
field bytes "$bytes"
field save_ms $((t1 - t0))
field restore_ms $((t3 - t2))
field counter_continued true
log "saved $pages pages ($bytes bytes) in $((t1 - t0)) ms; xl restore took $((t3 - t2)) ms"
ok
