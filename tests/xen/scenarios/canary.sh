# about: the emulated machine alone, no guest and no selfmig code: C-library memory functions and short commands in dom0
# timeout: 900
#
# A canary, not a test of selfmig: it reports how healthy the emulated
# machine is and never fails for what it finds (docs/testbed.md).
# memcanary checks the C library's memory and string functions against byte
# loops while dom0 starts short commands; the figures are memcanary's errors
# and the crashes of dom0's programs.  CANARY_SECONDS (default 120).
# CANARY_GUEST=1 runs a busy guest beside it (two memory writers; the guest
# runs no migration and selfmig.ko in it stays idle), and memcanary in the
# guest too.
S=${CANARY_SECONDS:-120}
if [ "${CANARY_GUEST:-0}" = 1 ]; then
	guest_create
	guest_wait_ready 240
	guest_sh "selfmig-workload anon-seq --mib 32 --seconds $((S + 30)) --quiet > /dev/console 2>&1 &
selfmig-workload anon-random --mib 16 --seconds $((S + 30)) --quiet > /dev/console 2>&1 &
memcanary --seconds $S > /tmp/memcanary.log 2>&1 &" > /dev/null || fail "cannot start the guest's writers"
	step "memcanary and short commands in dom0 for $S s, a busy guest beside it"
else
	step "memcanary and short commands in dom0 for $S s, no guest"
fi
dmesg_before=$(dmesg | grep -c -E 'segfault at|general protection|traps:')
memcanary --seconds "$S" > "$LOGDIR/memcanary.log" 2>&1 &
mc=$!
t0=$(date +%s) spawned=0 spawn_fail=0
while [ $(( $(date +%s) - t0 )) -lt "$S" ]; do
	for i in 1 2 3 4 5 6 7 8 9 10; do
		if ls /usr/lib/xen-4.17/bin > /dev/null 2>&1 && echo x | grep -q x; then
			spawned=$((spawned + 1))
		else
			spawn_fail=$((spawn_fail + 1))
		fi
	done
	sleep 1
done
wait $mc; mrc=$?
errors=$(sed -n 's/^memcanary: [0-9]* checks, \([0-9]*\) errors$/\1/p' "$LOGDIR/memcanary.log")
checks=$(sed -n 's/^memcanary: \([0-9]*\) checks, .*/\1/p' "$LOGDIR/memcanary.log")
crashes=$(( $(dmesg | grep -c -E 'segfault at|general protection|traps:') - dmesg_before ))
dmesg | grep -E 'segfault at|general protection|traps:' > "$LOGDIR/dom0-crashes.txt"
field memcanary_exit "$mrc"
field memcanary_checks "${checks:-0}"
field memcanary_errors "${errors:--1}"
field dom0_crashes "$crashes"
field dom0_commands "$spawned"
field dom0_command_failures "$spawn_fail"
field canary_seconds "$S"
if [ "${CANARY_GUEST:-0}" = 1 ]; then
	sleep 5
	gl=$(guest_sh 'cat /tmp/memcanary.log')
	echo "$gl" > "$LOGDIR/guest-memcanary.log"
	gerr=$(echo "$gl" | sed -n 's/^memcanary: [0-9]* checks, \([0-9]*\) errors$/\1/p')
	field guest_memcanary_errors "${gerr:--1}"
	log "guest: memcanary ${gerr:-?} errors"
fi
log "canary: memcanary exit $mrc, ${checks:-?} checks, ${errors:-?} errors; dom0: $crashes crashes, $spawn_fail of $((spawned + spawn_fail)) commands failed"
ok
