# about: fault injection: the receiver is killed in the middle of the stream; the source guest runs on unchanged, and a copy on the destination never runs
# timeout: 600
#
# SELFMIG_FAULT=receiver-crash:32 makes selfmig-hook kill the receiver's
# whole process group (xl migrate-receive and its helper) with SIGKILL after
# 32 MiB of stream.  The hook's next write fails and it resumes the guest.
# A receiver killed this way cannot clean up: its half-built domain stays,
# paused; it must never have run (fault_outcome destroys it and counts it).
fault_migrate receiver-crash:32
ok
