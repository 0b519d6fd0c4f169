# about: the testbed's own check: a scenario in which a program outside the project crashes with a documented signature is run again on a fresh machine, at most twice, and the scenarios after it run on a fresh machine too
# timeout: 120
#
# dom0's busybox shell recurses until its stack runs out, so the kernel logs
# "sh[PID]: segfault at ... in busybox[...]", a crash of a named program
# outside the project with the signature that docs/testbed.md records
# (sm-classify's busybox-fault).  The host must retry this scenario on a
# fresh machine (two more times, then report it failed) and run whatever
# follows on a fresh machine as well.  A shell's bare "Segmentation fault"
# would not do: it names no program, and is never retried.
(ulimit -s 512; sh -c 'f() { f; }; f')
fail "a dom0 program crashed (on purpose)"
