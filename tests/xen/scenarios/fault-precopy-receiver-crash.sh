# about: fault injection: the receiver of the guest's pre-copy dies in the middle of the stream; the guest's migration fails cleanly and the guest runs on unchanged
# timeout: 600
#
# The fault fires within the first MiB, with the guest's tracker running as
# in any migration.
#
# SELFMIG_FAULT=receiver-crash:1 makes selfmig-receive exit at once, with no
# clean-up, after 1 MiB of the guest's stream.  The guest's sender must see
# the connection go, end its migration with a reason, stop tracking, and
# leave the guest running as before.
fault_precopy receiver-crash SELFMIG_FAULT=receiver-crash:1
[ "$(sed -n 's/^receiver_exit //p' "$LOGDIR/fields")" = 70 ] || fail "the receiver did not crash as injected"
ok
