# tests/xen/lib-notices.sh: the Xen scenarios' helpers for relocation notices
# and selfmigd (docs/notices.md, docs/selfmigd.md): the guest's daemon, its
# policy's measures and their restoration, and the assisted migration.
# Sourced by tests/xen/lib.sh.

# selfmigd_wait: prepare the guest's keys and wait until selfmigd advertises.
selfmigd_wait() {
	step "preparing the notice keys and waiting for selfmigd in the guest"
	selfmig prepare "$GUEST" || fail "selfmig prepare failed"
	d=$(xl domid "$GUEST")
	i=0
	while [ "$(xenstore-read "/local/domain/$d/control/feature-selfmig" 2>/dev/null)" != 1 ]; do
		i=$((i + 1))
		[ $i -lt 30 ] || fail "the guest did not advertise control/feature-selfmig within 30 s"
		sleep 1
	done
}

# policy_setup: start the processes whose treatment the policy scenarios check,
# and set POLICY_PIDS to "bg hot batch churn echo counter":
#   bg      rewrites 32 MiB in cgroup "background" (the quiesce set);
#   hot     rewrites 16 MiB at random, nice 5 (a heavy dirtier);
#   batch   rewrites 16 MiB, SCHED_BATCH (a heavy dirtier);
# selfmigd's soft-dirty sampling write-protects their pages every sample_ms,
# and on this testbed such page-table changes by the guest can disturb dom0
# (docs/testbed.md); smaller sizes fell below the dirtying threshold.
#   churn   a slow writer named in quiesce_comm, stopped (state T);
#   echo, counter: the foreground (cgroup "foreground"), never touched.
# hot, batch and churn run in the root cgroup, outside the control shell's
# "foreground", so that the policy applies to them.
policy_setup() {
	step "starting the background and dirtying processes in the guest"
	out=$(guest_sh '
mkdir -p /sys/fs/cgroup/background
ln -sf /usr/bin/selfmig-workload /tmp/churn
run-in background selfmig-workload anon-seq --mib 32 --quiet > /dev/console 2>&1 &
echo "pid bg $!"
run-in / sm-sched --nice 5 -- selfmig-workload anon-random --mib 16 --quiet > /dev/console 2>&1 &
echo "pid hot $!"
run-in / sm-sched --policy batch -- selfmig-workload anon-seq --mib 16 --quiet > /dev/console 2>&1 &
echo "pid batch $!"
run-in / /tmp/churn anon-random --mib 1 --rate-mib-s 1 --quiet > /dev/console 2>&1 &
c=$!
echo "pid churn $c"
echo "pid echo $(pidof sm-echo)"
echo "pid counter $(pidof selfmig-counter)"
sleep 1
kill -STOP $c
')
	POLICY_PIDS=
	for n in bg hot batch churn echo counter; do
		p=$(echo "$out" | sed -n "s/^pid $n \([0-9][0-9]*\).*/\1/p" | head -n 1)
		# The long-running services can be asked again (a CI run once
		# lost the counter's pid from an otherwise complete answer).
		case "$n" in
		echo) [ -n "$p" ] || p=$(guest_sh 'pidof sm-echo') ;;
		counter) [ -n "$p" ] || p=$(guest_sh 'pidof selfmig-counter') ;;
		esac
		p=$(echo $p | awk '{ print $1 }')
		[ -n "$p" ] || fail "could not start the '$n' process in the guest: $out"
		POLICY_PIDS="$POLICY_PIDS $p"
	done
	sleep 1
}

# policy_snapshot: "pid comm state nice policy cgroup" per POLICY_PIDS process,
# the run state reduced to T (stopped) or run, since R and S alternate.
policy_snapshot() {
	for try in 1 2 3; do
		snap=$(guest_sh "sm-sched --show $POLICY_PIDS" |
			awk '{ if ($3 != "T") $3 = "run"; print }')
		# The control shell sometimes answers nothing at all; ask again.
		[ -n "$snap" ] && break
		sleep 2
	done
	echo "$snap"
}

# policy_field PID FIELD: one field (2 comm, 3 state, 4 nice, 5 policy, 6
# cgroup) of a snapshot held in $SNAP.
policy_field() { echo "$SNAP" | awk -v p="$1" -v f="$2" '$1 == p { print $f }'; }

# cg_frozen CGROUP: "frozen 0" or "frozen 1" for a cgroup in the guest.
cg_frozen() { guest_sh "grep frozen /sys/fs/cgroup/$1/cgroup.events 2>&1"; }

# policy_check_restored WHEN: every process as in $BEFORE, nothing frozen,
# none of selfmigd's cgroups left.
policy_check_restored() {
	after=$(policy_snapshot)
	echo "$after" > "$LOGDIR/snapshot-$1.txt"
	if [ "$after" != "$BEFORE" ]; then
		echo "before:"; echo "$BEFORE"; echo "after $1:"; echo "$after"
		fail "after $1, a process's policy, nice value, state or cgroup differs from before (see snapshot-*.txt)"
	fi
	[ "$(cg_frozen background)" = "frozen 0" ] || fail "after $1, cgroup background is still frozen"
	left=$(guest_sh 'ls -d /sys/fs/cgroup/selfmig-* 2>/dev/null')
	[ -z "$left" ] || fail "after $1, selfmigd's cgroups are left: $left"
	log "after $1: every process as before, nothing frozen"
}

# source_died: true if the guest is gone after a failed xl migrate.  On this
# testbed the emulated CPU has made a guest triple-fault during xl migrate with
# the hypervisor's own code segment in its register dump (docs/testbed.md);
# DIED_WHY gets Xen's line about it.
source_died() {
	xl domid "$GUEST" > /dev/null 2>&1 && return 1
	DIED_WHY=$(xl dmesg 2>/dev/null | grep -E -m1 'Triple fault|crash' || echo "no word from Xen")
	return 0
}

# clocks [FIELD]: the guest's wall clock against dom0's, to the log and as
# FIELD (clock_skew_s; guest minus dom0, seconds; the request's round trip
# is under a second).  A notice's deadline is a Unix time that dom0 sets
# and the guest keeps (docs/notices.md).
clocks() {
	_d0=$(date +%s)
	_g=$(guest_sh 'date +%s' | tr -d '\r\n ')
	_d1=$(date +%s)
	case "$_g" in ''|*[!0-9]*) log "clocks: the guest did not tell its time"; return 0 ;; esac
	log "clocks: guest $_g, dom0 $_d0..$_d1 (guest - dom0: $((_g - _d0)) s)"
	field "${1:-clock_skew_s}" $((_g - _d0))
}

# policy_guest: a fresh guest (any old one destroyed) with selfmigd running and
# the processes of policy_setup; sets BEFORE to their snapshot.
policy_guest() {
	for dd in $(xl list 2>/dev/null | awk 'NR > 1 && $2 != 0 { print $1 }'); do
		xl destroy "$dd"
	done
	guest_create
	guest_wait_ready 240
	selfmigd_wait
	clocks
	policy_setup
	BEFORE=$(policy_snapshot)
	echo "$BEFORE" > "$LOGDIR/snapshot-before.txt"
}

# assisted_migrate: `selfmig migrate --mode assisted` of the guest to
# localhost with the prober running, up to three attempts.  xl migrate itself
# fails at times on this testbed (docs/testbed.md): after a failed attempt the
# source guest must answer and have every measure undone; it is then replaced
# by a fresh one, since libxl's saved state of a domain whose migration broke
# is not always usable.  Sets ATTEMPT and FIRST_FAILURE.
assisted_migrate() {
	ATTEMPT=1 FIRST_FAILURE=
	while :; do
		probe_start
		sleep 2
		step "selfmig migrate --mode assisted $GUEST localhost (attempt $ATTEMPT)"
		# 3 s between notice and stop (1 s by default): under the emulated
		# CPU selfmigd needs a few 500 ms samples to measure the dirtiers,
		# and the scenario checks that one was lowered.
		if selfmig migrate --mode assisted --settle-ms 3000 --verbose --xl-log "$LOGDIR/xl-migrate-$ATTEMPT.log" \
			--json "$LOGDIR/migrate.json" "$GUEST" localhost > "$LOGDIR/migrate-$ATTEMPT.log" 2>&1; then
			probe_end || fail "the prober failed (see probe.txt)"
			cat "$LOGDIR/migrate-$ATTEMPT.log"
			return 0
		fi
		probe_end
		why=$(xl_failure_why "$LOGDIR/xl-migrate-$ATTEMPT.log")
		[ -n "$why" ] || why=$(grep -m1 'selfmig:' "$LOGDIR/migrate-$ATTEMPT.log")
		log "assisted migration failed: $why"
		[ -n "$FIRST_FAILURE" ] || FIRST_FAILURE=$why
		if source_died; then
			# Not selfmig's doing: see source_died.
			log "the source guest died in the failed migration: $DIED_WHY"
			why="$why; source guest died: $DIED_WHY"
			[ -n "$FIRST_FAILURE" ] && [ "$ATTEMPT" = 1 ] && FIRST_FAILURE=$why
		else
			sm-probe --target "$GUEST_IP:$ECHO_PORT" --wait-ready 60 > /dev/null 2>&1 ||
				fail "the migration failed and the source guest does not answer: $why"
			policy_check_restored "failed migration $ATTEMPT"
		fi
		policy_next_attempt "$ATTEMPT" "selfmig migrate --mode assisted failed" "$why"
		ATTEMPT=$((ATTEMPT + 1))
	done
}

# policy_next_attempt N WHAT WHY: after failed attempt N, fail if it was the
# last that MIGRATE_ATTEMPTS allows, else replace the guest by a fresh one.
policy_next_attempt() {
	[ "$1" -lt "${MIGRATE_ATTEMPTS:-1}" ] ||
		fail "$2, attempt $1 of ${MIGRATE_ATTEMPTS:-1}: $3"
	policy_guest
}
