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

witness_before

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

sleep 1
witness_after

pages=$(sed -n 's/.*"pages":\([0-9]*\).*/\1/p' "$LOGDIR/hook.json")
bytes=$(sed -n 's/.*"bytes":\([0-9]*\).*/\1/p' "$LOGDIR/hook.json")
field hook_pages "$pages"
field bytes "$bytes"
field save_ms $((t1 - t0))
field restore_ms $((t3 - t2))
log "saved $pages pages ($bytes bytes) in $((t1 - t0)) ms; xl restore took $((t3 - t2)) ms"
ok
