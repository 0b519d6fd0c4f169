# about: fault injection: the receiver's image cannot be written because its disk is full; the receiver stops with a clear error and the guest runs on unchanged
# timeout: 600
#
# The fault fires within the first MiB, with the guest's tracker running as
# in any migration.
#
# A real full disk: selfmig-receive writes the guest's 256 MiB image onto a
# 1 MiB tmpfs.  The write fails with ENOSPC in round 0; the receiver must
# say so and stop, and the guest's migration must fail cleanly.
mkdir -p /mnt/full
mount -t tmpfs -o size=1m selfmig-full /mnt/full || fail "cannot mount a small tmpfs"
FAULT_IMAGE_DIR=/mnt/full fault_precopy disk-full
umount /mnt/full
grep -q 'No space left on device' "$LOGDIR/receive.log" || fail "the receiver's error does not say the disk is full"
ok
