# about: the emulated machine alone, no selfmig code: a busy guest suspended and resumed in place (xl save -c) again and again
# timeout: 1500
#
# A canary, like `canary`: it reports, and fails only when it cannot run.
# selfmig's pre-copy checks end with a cancelled suspend: the guest
# suspends, dom0 resumes it in place (xc_domain_resume, which rewrites the
# guest's HVM context).  This scenario does the same with Xen's own tools
# (`xl save -c`: save a checkpoint, then resume the guest in place) while
# the guest's processes rewrite memory and selfmig.ko in it stays idle, and
# counts the guests that die (Xen's "Triple fault" lines).  RESUME_CYCLES
# (default 10).
N=${RESUME_CYCLES:-10}
guest_create
guest_wait_ready 240
guest_sh "selfmig-workload anon-random --mib 16 --seconds 3600 --quiet > /dev/console 2>&1 &
selfmig-workload anon-seq --mib 32 --seconds 3600 --quiet > /dev/console 2>&1 &" > /dev/null ||
	fail "cannot start the guest's writers"
sleep 3
i=1 done_=0 died=0 save_fail=0
while [ "$i" -le "$N" ]; do
	step "cycle $i of $N: xl save -c"
	if ! timeout -s KILL 300 xl save -c "$GUEST" /tmp/resume-canary.img > "$LOGDIR/save-$i.log" 2>&1; then
		save_fail=$((save_fail + 1))
		log "cycle $i: xl save -c failed: $(tail -n 1 "$LOGDIR/save-$i.log")"
	fi
	rm -f /tmp/resume-canary.img
	sleep 5
	if ! sm-probe --target "$GUEST_IP:$ECHO_PORT" --wait-ready 60 > /dev/null 2>&1; then
		died=$((died + 1))
		log "cycle $i: the guest does not answer after the resume"
		break
	fi
	done_=$i
	i=$((i + 1))
done
triple=$(xl dmesg 2>/dev/null | grep -c "Triple fault")
field cycles "$done_"
field cycles_wanted "$N"
field guest_died "$died"
field triple_faults "$triple"
field save_failures "$save_fail"
log "resume canary: $done_ of $N cycles with the guest answering; $died died; $triple triple faults; $save_fail saves failed"
ok
