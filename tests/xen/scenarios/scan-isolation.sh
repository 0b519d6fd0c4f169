# about: diagnostic: the guest's dirty tracker alone (no page stream, no network) while dom0 checks its own memory
# timeout: 900
#
# The guest rewrites memory while selfmig.ko's scan_test runs the tracker
# every 100 ms, sending nothing; dom0 meanwhile rewrites and verifies 256 MiB
# and starts many short processes.  Any dom0 CORRUPTION line or segfault means
# the tracker's page-table changes in the guest alone disturb dom0
# (docs/testbed.md).  Module settings come from --module-args (scan_mask,
# user_wp); SCAN_SECONDS (default 120) sets the length.
SECONDS_=${SCAN_SECONDS:-120}
guest_create
guest_wait_ready 240

step "starting dom0's memory check and the guest's writers"
selfmig-workload anon-seq --mib 256 --seconds $((SECONDS_ + 20)) > "$LOGDIR/dom0-workload.log" 2>&1 &
dwl=$!
guest_sh 'selfmig-workload anon-seq --mib 32 --quiet > /dev/console 2>&1 &
selfmig-workload anon-random --mib 16 --quiet > /dev/console 2>&1 &' > /dev/null
sleep 2

step "running the tracker alone in the guest for $SECONDS_ s"
guest_sh "echo $SECONDS_ > /sys/module/selfmig/parameters/scan_test" > /dev/null ||
	fail "cannot start scan_test in the guest"
t0=$(date +%s) spawned=0 spawn_fail=0
while [ $(( $(date +%s) - t0 )) -lt $((SECONDS_ + 5)) ]; do
	for i in 1 2 3 4 5 6 7 8 9 10; do
		if ls /usr/lib/xen-4.17/bin > /dev/null 2>&1; then spawned=$((spawned + 1))
		else spawn_fail=$((spawn_fail + 1)); fi
	done
	sleep 1
done
wait $dwl; drc=$?
con=$(cat /var/log/xen/console/guest-"$GUEST"*.log)
scans=$(echo "$con" | sed -n 's/.*scan test: \([0-9]*\) scans.*/\1/p' | tail -n 1)
segv=$(dmesg | grep -c -E 'segfault|general protection')
corrupt=$(grep -c CORRUPTION "$LOGDIR/dom0-workload.log")
field scans "${scans:-0}"
field dom0_segfaults "$segv"
field dom0_corruption "$corrupt"
field dom0_spawn_failures "$spawn_fail"
field_str module_args "$MODULE_ARGS"
log "tracker scans $scans; dom0: workload exit $drc, $corrupt CORRUPTION lines, $segv segfaults, $spawn_fail of $((spawned + spawn_fail)) commands failed"
xl domid "$GUEST" > /dev/null 2>&1 || fail "the guest died"
[ -n "$scans" ] || fail "the guest never reported the end of scan_test"
[ "$corrupt" = 0 ] && [ "$segv" = 0 ] && [ "$drc" = 0 ] ||
	fail "dom0 was disturbed while the guest only scanned: $corrupt CORRUPTION lines, $segv segfaults, workload exit $drc"
ok
