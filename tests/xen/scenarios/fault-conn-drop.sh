# about: fault injection: the connection to the receiver drops in the middle of the stream; the source guest runs on unchanged and nothing is left behind
# timeout: 600
#
# SELFMIG_FAULT=conn-drop:32 makes selfmig-hook migrate close its stream
# into `xl migrate-receive` after 32 MiB.  The receiver sees the stream end
# early and destroys what it built; the hook's next write fails, and the hook
# resumes the guest.  The counter must continue (same pid), 16 MiB of data
# must keep its checksum, and exactly one guest must remain.
fault_migrate conn-drop:32
ok
