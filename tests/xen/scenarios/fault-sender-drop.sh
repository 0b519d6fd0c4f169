# about: fault injection: the guest's own sender cuts its connection in the middle of pre-copy; the receiver refuses the incomplete stream and the guest runs on unchanged
# timeout: 600
#
# The fault fires within the first MiB, with the guest's tracker running as
# in any migration.
#
# selfmig.ko's fault=sender-drop:1 (test builds) makes the guest's sender
# shut its socket after 1 MiB of stream, as a broken network would.  The
# receiver must end with an incomplete stream, the guest's migration must
# fail with a reason, and the counter, the 16 MiB of data and the guest
# count must be as before.
FAULT_MODULE=sender-drop:1 fault_precopy sender-drop
grep -q 'truncated\|missing_end' "$LOGDIR/receive.log" || fail "the receiver did not report a cut stream"
ok
