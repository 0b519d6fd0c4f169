# about: fault injection: the image cannot be written because the disk is full; the guest runs on unchanged and no partial image is left
# timeout: 600
#
# A real full disk, not a simulated one: selfmig-hook save --suspend
# --after destroy writes a 256 MiB guest onto a 24 MiB tmpfs.  The write
# fails with ENOSPC; the hook must remove its partial image, must not
# destroy the guest, and must resume it.
guest_create
guest_wait_ready 240
witness_before
mkdir -p /mnt/full
mount -t tmpfs -o size=24m selfmig-full /mnt/full || fail "cannot mount a small tmpfs"
step "selfmig-hook save onto a full disk"
selfmig-hook save "$GUEST" -o /mnt/full/guest.img --suspend --after destroy > "$LOGDIR/hook.log" 2>&1
rc=$?
cat "$LOGDIR/hook.log"
ls -la /mnt/full
left=$(ls /mnt/full | wc -l)
umount /mnt/full
[ "$rc" = 1 ] || fail "selfmig-hook save exited $rc on a full disk, not 1"
grep -q 'No space left on device' "$LOGDIR/hook.log" || fail "the error does not say the disk is full"
grep -q 'resumed; it runs on' "$LOGDIR/hook.log" || fail "selfmig-hook did not say it resumed the guest"
[ "$left" = 0 ] || fail "the failed save left $left file(s) behind"
field_str hook_error "$(grep 'No space' "$LOGDIR/hook.log" | head -n 1)"
fault_outcome "$rc"
ok
