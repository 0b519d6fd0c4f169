# about: the testbed's own check: xenstored dies in the middle of a scenario; the host must fail it at once, not at its limit, and run what follows on a fresh machine
# timeout: 600
#
# `tests/xen/run testbed-daemon-crash boot`.  dom0's kernel logs the line it
# logs when xenstored faults (written here to /dev/kmsg: a signal sent with
# kill logs nothing), and xenstored is killed, so every xl and xenstore call
# that follows waits or fails.  The host must see the line on the console,
# fail this scenario within seconds with the line in its reason (where
# sm-classify may retry it, as the xen-tools-fault signature of
# docs/testbed.md), and pass boot on a fresh machine.  Without the check
# the scenario would sit out its 600 s.
pid=$(pidof xenstored) || fail "no xenstored in dom0"
step "xenstored (pid $pid) dies"
echo "<3>xenstored[$pid]: segfault at 18 ip 00007f1c2a4b5c3d sp 00007ffd3c1e2a40 error 4 in libc.so.6[7f1c2a44e000+155000] (testbed-daemon-crash)" > /dev/kmsg
kill -KILL "$pid"
step "waiting to be stopped by the host"
sleep 600
fail "the host did not stop the scenario after xenstored died"
