# about: fault injection: the destination's restore fails after every page arrived; the source guest runs on unchanged and nothing is left behind
# timeout: 600
#
# SELFMIG_FAULT=restore-fail makes selfmig-hook send, just before the
# stream's end, a mandatory record that Xen does not know, so that stock
# `xl migrate-receive` fails its restore after all pages are in.  The hook
# hears no "ready", stops the receiver, and resumes the guest.
fault_migrate restore-fail
grep -qi 'record' "$LOGDIR/xl-receive.log" || log "note: the receiver's log does not name the record"
ok
