# about: the testbed's own check: a scenario whose dom0 program crashes is run again on a fresh machine, at most twice, and the scenarios after it run on a fresh machine too
# timeout: 120
#
# A shell here kills itself with SIGSEGV, so the shell reports a
# "Segmentation fault" as a crashing dom0 program would.  The host must
# treat that as the emulated machine's fault: run this scenario again on a
# fresh machine (two more times, then report it failed) and run whatever
# follows on a fresh machine as well.
sh -c 'kill -SEGV $$'
fail "a dom0 program crashed (on purpose)"
