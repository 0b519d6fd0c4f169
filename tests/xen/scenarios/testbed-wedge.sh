# about: testbed self-test: dom0 stops answering (it panics); the host must fail this scenario alone and go on
# timeout: 20
# make check runs it as "testbed-wedge boot": the host's watchdog must fail
# testbed-wedge with "dom0 stopped answering", restart the machine, and still
# run boot.  Xen was started with noreboot, so a dom0 panic leaves the
# emulated machine running but silent: the case that once hung CI.
step "stopping dom0 (sysrq crash)"
echo 1 > /proc/sys/kernel/sysrq
echo c > /proc/sysrq-trigger
sleep 3600
