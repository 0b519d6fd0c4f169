# Shell library for scenarios (busybox sh, in dom0).  A scenario is a script in
# tests/xen/scenarios/ that is sourced after this file with LOGDIR set; it exits
# non-zero (through fail) to fail, and records figures with field.
export PATH=/host/build/bin:/usr/lib/xen-4.17/bin:/usr/sbin:/usr/bin:/sbin:/bin

GUEST=guest
GUEST_IP=169.254.0.2
GUEST_MAC=00:16:3e:5e:1f:02
GUEST_CTL_PORT=2323
ECHO_PORT=7777

log() { echo "[$(date +%T)] $*"; }

json_str() { # escape a string for a JSON value
	printf '%s' "$1" | tr -d '\000-\037' | sed 's/\\/\\\\/g; s/"/\\"/g'
}

# field KEY VALUE: VALUE is raw JSON (a number, true/false, or a quoted string).
field() { echo "$1 $2" >> "$LOGDIR/fields"; }
field_str() { field "$1" "\"$(json_str "$2")\""; }

# step TEXT: what the scenario is doing now (shown if it times out).
step() { log "$*"; echo "$*" > "$LOGDIR/reason"; }

fail() {
	log "FAIL: $*"
	echo "$*" > "$LOGDIR/reason"
	exit 1
}

ok() { rm -f "$LOGDIR/reason"; exit 0; }

now_ms() { echo $(( $(/usr/bin/date +%s%N) / 1000000 )); }

guest_config() { # writes the guest's xl config to /tmp/guest.cfg
	cat > /tmp/guest.cfg <<CFG
name = "$GUEST"
type = "pvh"
kernel = "/host/build/kernel/current/bzImage"
ramdisk = "/host/build/run/guest-initrd.cpio.gz"
cmdline = "console=hvc0 panic=-1 $GUEST_APPEND"
memory = $MEMORY
maxmem = $MEMORY
vcpus = $VCPUS
on_crash = "destroy"
# QEMU's software CPU reports XSAVE area sizes that disagree with the offsets it
# reports (the guest kernel WARNs at boot, and a guest resumed from saved state
# triple-faults): hide XSAVE from the guest.  See docs/testbed.md.
cpuid = "host,xsave=0"
${HAP:+hap = $HAP}
vif = [ 'mac=$GUEST_MAC,bridge=xenbr0,script=/host/tests/xen/vif-bridge' ]
CFG
}

# On this testbed dom0's own programs sometimes crash (docs/testbed.md: the
# emulated CPU corrupts dom0 memory); xl create is tried up to three times,
# and a retry is logged and recorded in result.json.
guest_create() {
	step "creating the guest ($MEMORY MiB, $VCPUS vCPU)"
	guest_config
	n=1
	while ! xl create /tmp/guest.cfg > /tmp/xl-create.log 2>&1; do
		cat /tmp/xl-create.log
		why=$(grep -m1 -vE '^Parsing config' /tmp/xl-create.log)
		xl destroy "$GUEST" > /dev/null 2>&1
		[ "$n" -lt 3 ] || fail "xl create failed 3 times: $why"
		log "xl create failed ($why); trying again"
		field_str create_retry "$why"
		n=$((n + 1))
		sleep 2
	done
	cat /tmp/xl-create.log
}

# recv_listening LOG PID: wait until the selfmig-receive of PID says in LOG
# that it listens (at most 60 s).  A fixed pause was not enough on a loaded
# host: the receiver bound its port after the sender had been refused.
recv_listening() {
	_t=0
	until grep -q '^listening on ' "$1" 2>/dev/null; do
		kill -0 "$2" 2>/dev/null || fail "the receiver exited before it listened: $(tail -n 2 "$1")"
		[ $_t -lt 600 ] || fail "the receiver did not listen within 60 s (see $1)"
		sleep 0.1; _t=$((_t + 1))
	done
}

# guest_wait_ready [SECONDS]: wait until the guest's echo service answers.
# Fails at once, with the guest's last words, if its domain dies meanwhile.
guest_wait_ready() {
	limit=${1:-240}
	step "waiting for the guest to boot and answer on $GUEST_IP:$ECHO_PORT"
	t0=$(date +%s)
	while :; do
		sm-probe --target "$GUEST_IP:$ECHO_PORT" --wait-ready 5 > /dev/null 2>&1 && return 0
		if ! xl domid "$GUEST" > /dev/null 2>&1; then
			last=$(grep -E -m1 'Kernel panic|BUG|Oops|WARNING' /var/log/xen/console/guest-$GUEST.log 2>/dev/null)
			# A guest that died without a word from its kernel was stopped
			# from below (seen once on this testbed after a migration, see
			# docs/testbed.md): boot it once more, and say so.  A guest
			# kernel that panics or oopses fails at once.
			if [ -z "$last" ] && [ -z "$BOOT_RETRIED" ]; then
				BOOT_RETRIED=1
				log "the guest died during boot with no kernel message; creating it once more"
				field boot_retried true
				guest_create
				t0=$(date +%s)
				continue
			fi
			fail "guest domain died before it answered${last:+: $last} (see guest-console-$GUEST.log)"
		fi
		if [ $(( $(date +%s) - t0 )) -ge "$limit" ]; then
			tail -n 15 /var/log/xen/console/guest-$GUEST.log 2>/dev/null | sed 's/^/  guest: /'
			fail "guest did not answer within $limit s (see guest-console-$GUEST.log)"
		fi
	done
}

# guest_sh COMMANDS: run shell commands in the guest, print their output.
# At most 60 s: busybox nc's -w bounds only the connect, and a guest that
# is suspending (its processes frozen, its kernel still accepting the
# connection) never answers; whoever would resume it may be this caller.
# The shell runs in the guest's cgroup "foreground" (guest-init), which
# selfmigd's policy exempts, and so does whatever it starts: a process that
# selfmigd is to treat as any other is started with `run-in / COMMAND`.
# migrate_opts: MIGRATE_ARGS, the module's settings as key=value words (as
# make precopy-matrix gives them), as selfmigctl migrate's options; freeze
# is the caller's to give.
migrate_opts() {
	for kv in $MIGRATE_ARGS; do
		k=${kv%%=*} v=${kv#*=}
		case "$k" in
		compress) [ "$v" = 0 ] || printf ' --compress' ;;
		freeze|verify) ;;
		*) printf ' --%s %s' "$(echo "$k" | tr _ -)" "$v" ;;
		esac
	done
}

guest_sh() {
	printf '%s\nexit\n' "$1" | timeout 60 nc -w 30 "$GUEST_IP" "$GUEST_CTL_PORT"
}

# Guests other than dom0.  `xl list` itself sometimes crashes on this
# testbed (docs/testbed.md), so it is asked up to three times.
# A domain that is being destroyed lingers for a moment as "(null)" (seen
# right after a successful xl migrate); it is given up to 20 s to go.
guest_count() {
	fails=0 waited=0
	while :; do
		if out=$(xl list 2>/dev/null); then
			if echo "$out" | grep -q '^(null) ' && [ "$waited" -lt 20 ]; then
				sleep 1; waited=$((waited + 1))
				continue
			fi
			echo "$out" | awk 'NR > 1 && $2 != 0' | wc -l
			return 0
		fi
		fails=$((fails + 1))
		[ "$fails" -lt 3 ] || { echo "xl-list-failed"; return 0; }
		sleep 1
	done
}

# The guest's keys under control/selfmig/: created by dom0, which alone may
# create keys under control/, and owned by the guest, which writes them.
selfmig_keys() {
	d=$(xl domid "$GUEST") || return 1
	for k in final-set progress; do
		xenstore-write "/local/domain/$d/control/selfmig/$k" "" &&
			xenstore-chmod "/local/domain/$d/control/selfmig/$k" "n$d" || return 1
	done
}

new_id() { # 32 hex digits
	od -An -N16 -tx1 /dev/urandom | tr -d ' \n'
}

# ---- the module's generic netlink family, through selfmigctl in the guest

# ctl ARGS: selfmigctl in the guest; its output, then "rc=N"
ctl() { guest_sh "selfmigctl $* 2>&1; echo rc=\$?" | tr -d '\r'; }

# ctl_value KEY: one value of "selfmigctl result" (state, error, message, ...)
ctl_value() { ctl result | awk -v k="$1" '$1 == k { $1 = ""; sub(/^ /, ""); print }'; }

# ctl_wait_idle LIMIT: until the guest's module is idle, at most LIMIT s
ctl_wait_idle() {
	_t=0
	while [ "$(ctl_value state)" != idle ]; do
		[ $_t -lt "$1" ] || fail "the guest's migration did not end within $1 s: state '$(ctl_value state)'"
		sleep 1; _t=$((_t + 1))
	done
}

# keyed_receiver NAME ID: selfmig-receive for one connection on
# 169.254.0.1:7001 into /tmp/recv-img, with dom0's secret for migration ID;
# its log is receive-NAME.log; sets RECV
keyed_receiver() {
	rm -f "/tmp/recv-key-$1" /tmp/recv-img
	selfmig-hook key "$GUEST" --id "$2" -o "/tmp/recv-key-$1" || fail "cannot hand out the secret"
	selfmig-receive --listen 169.254.0.1:7001 --image /tmp/recv-img --id "$2" \
		--key-file "/tmp/recv-key-$1" --once > "$LOGDIR/receive-$1.log" 2>&1 &
	RECV=$!
	recv_listening "$LOGDIR/receive-$1.log" $RECV
}

# ctl_slow_migration NAME: a migration at 10 Mbit/s (round 0 alone would
# take minutes) to keyed_receiver NAME, which must be in pre-copy after 5 s;
# sets id and RECV
ctl_slow_migration() {
	id=$(new_id)
	keyed_receiver "$1" "$id"
	out=$(ctl migrate --dest 169.254.0.1:7001 --id "$id" --start-rate 10 --max-bandwidth 10)
	echo "$out" | grep -qx 'rc=0' || { kill "$RECV"; fail "selfmigctl migrate did not start: $out"; }
	sleep 5
	st=$(ctl_value state)
	[ "$st" = precopy ] || { kill "$RECV"; fail "the slow migration is in state '$st', not precopy"; }
}

# ctl_abort_running: abort the migration of ctl_slow_migration; it must end
# within 30 s with ECANCELED
ctl_abort_running() {
	out=$(ctl abort)
	echo "$out" | grep -qx 'rc=0' || { kill "$RECV"; fail "an abort in pre-copy was refused: $out"; }
	ctl_wait_idle 30
	kill "$RECV" 2>/dev/null; wait "$RECV" 2>/dev/null
	err=$(ctl_value error)
	[ "$err" = -125 ] || fail "the aborted migration ended with error '$err', not -125 (ECANCELED): $(ctl_value message)"
	log "aborted: $(ctl_value message)"
	field abort_in_precopy true
}

# selfmig_verify_run WORKLOAD RUN: one pre-copy to a receiver in dom0, the
# freeze, and the comparison of every guest page.  Sets VERIFY_MISSED and
# VERIFY_JSON (one JSON object for the run); returns non-zero on failure.
#
# A record that fails its crc or tag is kept whole in $LOGDIR
# (bad-record-*.bin, for tests/xen/record-compare).  Diagnosis settings
# (docs/testbed.md): CAPTURE=1 records the stream on
# dom0's side of the guest's link (tcpdump on its vif) and the bytes the
# receiver read (--tee), for tests/xen/stream-compare; TXCSUM=off makes the
# guest compute TCP checksums itself, so that dom0's TCP rejects segments
# that change on the way.
selfmig_verify_run() {
	w=$1 i=$2
	VERIFY_MISSED=0 VERIFY_ROUND0=0 VERIFY_USED=0
	VERIFY_JSON="{\"workload\":\"$w\",\"run\":$i,\"ok\":false}"
	id=$(new_id)
	img=/tmp/selfmig-image
	rm -f "$img" "$img.meta" /tmp/selfmig-key
	selfmig_keys
	selfmig-hook key "$GUEST" --id "$id" -o /tmp/selfmig-key ||
		{ log "cannot hand the migration's secret out"; return 1; }
	if [ -n "${TXCSUM:-}" ]; then
		guest_sh "sm-netcfg --tx-csum $TXCSUM eth0" | tee -a "$LOGDIR/netcfg.log" |
			grep -q "^eth0 tx-csum $TXCSUM" ||
			fail "the guest's TX checksum offload is not $TXCSUM (see netcfg.log)"
	fi
	tee= tcpd=
	if [ "${CAPTURE:-0}" = 1 ]; then
		cp /tmp/selfmig-key "$LOGDIR/key-$w-$i"
		echo "$id" > "$LOGDIR/id-$w-$i"
		# The guest's vif: the one port on dom0's bridge.
		vif=$(ls /sys/class/net/xenbr0/brif/ | head -n 1)
		tcpdump -Z root -i "$vif" -s 0 -B 65536 -U -w "$LOGDIR/capture-$w-$i.pcap" \
			tcp port 7001 > "$LOGDIR/tcpdump-$w-$i.log" 2>&1 &
		tcpd=$!
		tee="$LOGDIR/tee-$w-$i.bin"
		sleep 1
	fi
	selfmig-receive --listen 169.254.0.1:7001 --image "$img" --meta "$img.meta" --id "$id" --once \
		--key-file /tmp/selfmig-key ${tee:+--tee "$tee"} --keep-bad "$LOGDIR" \
		--json "$LOGDIR/receive-$w-$i.json" > "$LOGDIR/receive-$w-$i.log" 2>&1 &
	recv=$!
	recv_listening "$LOGDIR/receive-$w-$i.log" $recv
	guest_sh "selfmigctl migrate --dest 169.254.0.1:7001 --id $id --freeze$(migrate_opts)" ||
		{ log "cannot start the migration in the guest"; kill $recv; return 1; }
	# The receiver ends with the stream; the guest then suspends.  A guest
	# whose migration failed early says so in its result.
	# Every minute the step names the last round the receiver took, so a
	# scenario that times out says how far pre-copy had come; pre-copy still
	# running 150 s before the scenario's limit (SCENARIO_END, set by
	# dom0-run) is aborted, which leaves the time to say so and clean up.
	t0=$(date +%s) looked=$t0 told=$t0
	end=$(( ${SCENARIO_END:-$((t0 + 900))} - 150 ))
	while kill -0 $recv 2>/dev/null; do
		sleep 1
		now=$(date +%s)
		if [ $((now - looked)) -ge 10 ]; then
			looked=$now
			err=$(guest_sh 'selfmigctl result' 2>/dev/null | awk '$1 == "error" { print $2 }')
			if [ -n "$err" ] && [ "$err" != 0 ]; then
				log "the guest's migration failed (error $err)"
				kill $recv
				break
			fi
		fi
		if [ $((now - told)) -ge 60 ]; then
			told=$now
			step "pre-copy of $w run $i for $((now - t0)) s; receiver: $(grep '^round ' "$LOGDIR/receive-$w-$i.log" |
				tail -n 1 | cut -d, -f1-2)"
		fi
		if [ "$now" -ge "$end" ]; then
			step "pre-copy of $w run $i still running after $((now - t0)) s, 150 s before the scenario's limit: aborted"
			guest_sh 'selfmigctl abort' > /dev/null 2>&1
			kill $recv
			break
		fi
	done
	wait $recv; rrc=$?
	if [ -n "$tcpd" ]; then
		sleep 1
		kill -INT "$tcpd" 2>/dev/null
		wait "$tcpd"
		log "capture: $(tail -n 3 "$LOGDIR/tcpdump-$w-$i.log" | tr '\n' ' ')"
	fi
	keep="$LOGDIR/missed-$w-$i"
	mkdir -p "$keep"
	selfmig-verify --domain "$GUEST" --image "$img" --meta "$img.meta" --wait 120 --resume \
		--keep-missed "$keep" --json "$LOGDIR/verify-$w-$i.json" > "$LOGDIR/verify-$w-$i.log" 2>&1
	vrc=$?
	rmdir "$keep" 2>/dev/null
	cat "$LOGDIR/verify-$w-$i.log" | tail -n 5
	sm-probe --target "$GUEST_IP:$ECHO_PORT" --wait-ready 60 > /dev/null 2>&1 ||
		{ log "guest does not answer after the freeze"; return 1; }
	res=$(guest_sh 'selfmigctl result')
	echo "$res" > "$LOGDIR/result-$w-$i.txt"
	rm -f "$img" "$img.meta"
	get() { v=$(echo "$res" | awk -v k="$1" '$1 == k { print $2 }'); echo "${v:-0}"; }
	vget() { v=$(sed -n "s/.*\"$1\": *\([0-9]*\).*/\1/p" "$LOGDIR/verify-$w-$i.json" 2>/dev/null | head -n 1); echo "${v:-0}"; }
	VERIFY_MISSED=$(vget missed); VERIFY_MISSED=${VERIFY_MISSED:-0}
	# In use at round 0's busiest moment (the module samples it).
	VERIFY_ROUND0=$(get round0_pages) VERIFY_USED=$(get used_peak)
	VERIFY_JSON="{\"workload\":\"$w\",\"run\":$i,\"ok\":$([ $rrc = 0 ] && [ $vrc -le 1 ] && echo true || echo false),\"missed_pages\":$VERIFY_MISSED,\"round0_pages\":$(get round0_pages),\"used_pages\":$(get used_pages),\"final_set_pages\":$(vget final_set_pages),\"guest_pages\":$(get guest_pages),\"rounds\":$(get rounds),\"stop\":\"$(get stop)\",\"bytes_sent\":$(get bytes_sent)}"
	log "run $w/$i: receiver exit $rrc, verify exit $vrc, missed $VERIFY_MISSED, round0 $(get round0_pages) of used $(get used_pages) (at most $(get used_peak) during round 0), final set $(vget final_set_pages)"
	[ "$rrc" = 0 ] && [ "$vrc" -le 1 ]
}

# ---- relocation notices and selfmigd: tests/xen/lib-notices.sh
. /host/tests/xen/lib-notices.sh

# ---- witnesses of a migration: what must survive it

# witness_before: 16 MiB of random data in the guest's /tmp (tmpfs) and the
# counter process's line; sets W_SUM and W_COUNTER.
witness_before() {
	step "writing 16 MiB of random data into the guest's /tmp and reading its counter"
	W_SUM=$(guest_sh 'dd if=/dev/urandom of=/tmp/blob bs=1M count=16 2>/dev/null; sha256sum /tmp/blob' | awk '{ print $1 }')
	W_COUNTER=$(guest_sh 'cat /run/selfmig-counter')
	[ -n "$W_SUM" ] && [ -n "$W_COUNTER" ] || fail "cannot read the guest's checksum or counter"
}

# witness_after: the same process kept counting, the data is unchanged and
# exactly one guest exists.
witness_after() {
	step "checking the guest's counter, its 16 MiB of data and the guest count"
	c1=$(guest_sh 'cat /run/selfmig-counter')
	sum1=$(guest_sh 'sha256sum /tmp/blob 2>&1' | awk '{ print $1 }')
	if [ -z "$sum1" ] || [ -z "$c1" ]; then
		# Say which: the guest died, or it lives and did not answer.
		if source_died; then
			fail "the guest died after the migration, before its data was checked: $DIED_WHY"
		fi
		guest_sh 'ls -l /tmp/blob; uptime' 2>&1 | sed 's/^/  guest: /'
	fi
	log "counter '$W_COUNTER' -> '$c1'; data $W_SUM -> $sum1"
	set -- $W_COUNTER; pid0=$1 n0=$2
	set -- $c1; pid1=$1 n1=$2
	[ -n "$pid1" ] || fail "cannot read the guest's counter afterwards"
	[ "$pid0" = "$pid1" ] || fail "the counter restarted: pid $pid0 before, $pid1 after"
	[ "$n1" -gt "$n0" ] || fail "the counter did not advance: $n0 before, $n1 after"
	[ "$W_SUM" = "$sum1" ] || fail "the guest's 16 MiB of data changed: $W_SUM before, $sum1 after"
	n=$(guest_count)
	[ "$n" = 1 ] || { xl list; fail "expected exactly one guest, found $n"; }
	field counter_continued true
}

# ---- the user's workload (tests/xen/run --workload FILE)
# Its contract (README): it starts at boot and checks itself; exiting with a
# status other than 0 at any time fails the scenario; at the end it gets
# SIGTERM, and it must then exit 0 within WORKLOAD_GRACE_S seconds (30).

# workload_alive: fail if the workload has already exited with a failure.
workload_alive() {
	[ "$WORKLOAD" = 1 ] || return 0
	local rc
	rc=$(guest_sh 'cat /run/workload.rc 2>/dev/null')
	[ -z "$rc" ] || [ "$rc" = 0 ] || workload_failed "$rc"
}

# workload_end: SIGTERM, then the exit status, which must be 0.
workload_end() {
	[ "$WORKLOAD" = 1 ] || return 0
	local rc
	step "ending the user's workload (SIGTERM) and reading its exit status"
	rc=$(guest_sh "[ -f /run/workload.rc ] || kill -TERM \$(cat /run/workload.pid) 2>/dev/null
i=0; while [ ! -f /run/workload.rc ] && [ \$i -lt ${WORKLOAD_GRACE_S:-30} ]; do sleep 1; i=\$((i + 1)); done
cat /run/workload.rc 2>/dev/null || echo running")
	guest_sh 'cat /run/workload.log' > "$LOGDIR/workload.log" 2>&1
	field_str workload_exit "$rc"
	[ "$rc" = 0 ] || workload_failed "$rc"
	log "the user's workload exited 0: $(tail -n 1 "$LOGDIR/workload.log")"
}

workload_failed() {
	guest_sh 'tail -n 5 /run/workload.log' 2>&1 | sed 's/^/  workload: /'
	case "$1" in
	running) fail "the user's workload did not exit within ${WORKLOAD_GRACE_S:-30} s of SIGTERM" ;;
	'') fail "cannot read the user's workload's exit status" ;;
	*) fail "the user's workload exited with status $1: $(guest_sh 'tail -n 1 /run/workload.log')" ;;
	esac
}

# tcp_start SECONDS: a checksummed TCP (and UDP) stream from the guest's
# netsend, for SECONDS of the guest's time, to netrecv in dom0.  The sender
# runs in the root cgroup, where selfmigd's policy applies to it.
tcp_start() {
	step "a checksummed TCP stream from the guest to dom0"
	selfmig-workload netrecv --port 7802 --seconds 1800 > "$LOGDIR/netrecv.log" 2>&1 &
	TCP_RECV=$!
	sleep 1
	guest_sh "run-in / selfmig-workload netsend --target 169.254.0.1:7802 --seconds $1 --rate-mib-s 1 > /tmp/ns.log 2>&1 &" ||
		fail "cannot start the sender in the guest"
}

# tcp_check: wait for the guest's sender to finish (its clock stops while
# the guest is stopped, so no fixed window is used), stop the receiver, and
# require one connection, never cut, no corruption, a clean sender.
tcp_check() {
	step "waiting for the TCP stream to end"
	t=0
	until guest_sh 'cat /tmp/ns.log' | grep -q 'done t='; do
		sleep 2; t=$((t + 2))
		[ $t -lt 300 ] || break
	done
	kill -TERM $TCP_RECV 2>/dev/null
	wait $TCP_RECV
	rc=$?
	tail -n 2 "$LOGDIR/netrecv.log"
	guest_sh 'cat /tmp/ns.log' > "$LOGDIR/netsend.log"
	grep -q '^CORRUPTION' "$LOGDIR/netrecv.log" &&
		fail "TCP data corrupted: $(grep -m1 '^CORRUPTION' "$LOGDIR/netrecv.log")"
	[ "$rc" = 0 ] || fail "the TCP receiver failed (netrecv exited $rc)"
	done_line=$(grep 'done t=' "$LOGDIR/netrecv.log")
	echo "$done_line" | grep -q ' tcp_conns=1 ' || fail "the TCP connection did not stay the same one: $done_line"
	echo "$done_line" | grep -q ' tcp_cut=0 ' || fail "the TCP connection was cut: $done_line"
	grep -q 'result=ok' "$LOGDIR/netsend.log" ||
		fail "the guest's TCP sender did not finish cleanly: $(tail -n 1 "$LOGDIR/netsend.log")"
	field tcp_intact true
}

# xl_failure_why LOG: the first line of an xl migrate log that says why it failed.
xl_failure_why() {
	grep -m1 -E 'corrupted|segfault|error|Aborted' "$1"
}

# probe_start / probe_stop: the UDP prober, whose longest gap is the downtime.
# PROBE_INTERVAL_US (1000): its pace, a setting for experiments on what the
# prober's own load on dom0 does.
probe_start() {
	rm -f /tmp/probe.stop
	sm-probe --target "$GUEST_IP:$ECHO_PORT" --interval-us "${PROBE_INTERVAL_US:-1000}" --until-file /tmp/probe.stop \
		--json "$LOGDIR/probe.json" > "$LOGDIR/probe.txt" 2>&1 &
	PROBE=$!
}
# probe_end: stop it and wait; its exit status.
probe_end() {
	touch /tmp/probe.stop
	wait $PROBE
}
probe_stop() { # sets PROBE_GAP
	probe_end || fail "the prober failed (see probe.txt)"
	PROBE_GAP=$(sed -n 's/.*"max_gap_ms": *\([0-9.]*\).*/\1/p' "$LOGDIR/probe.json")
	field max_gap_ms "${PROBE_GAP:-null}"
}

# fault_outcome RC: after a migration that a fault was injected into, the
# source guest must run on, unchanged, and nothing may be left behind: no
# source renamed away, and no copy on the destination except a paused one
# that never ran (left by a receiver that was killed; it is destroyed here
# and counted in leftover_paused).  Needs witness_before.
fault_outcome() {
	field hook_exit "$1"
	step "waiting for the destination to clean up after the fault"
	t=0
	while xl list 2>/dev/null | grep -q -- '--incoming'; do
		[ $t -lt 30 ] || break
		sleep 1; t=$((t + 1))
	done
	left=0
	for d in $(xl list 2>/dev/null | awk '$1 ~ /--incoming$/ { print $1 }'); do
		st=$(xl list "$d" | awk 'NR == 2 { print $5 }')
		log "left on the destination: $d, state $st"
		case "$st" in
		*r*|*b*) fail "the destination's copy $d ran (state $st): the guest would run twice" ;;
		esac
		xl destroy "$d" || fail "cannot destroy the leftover $d"
		left=$((left + 1))
	done
	field leftover_paused "$left"
	xl list | grep -q -- '--migratedaway' && fail "the source was left renamed away"
	step "the source guest must answer"
	sm-probe --target "$GUEST_IP:$ECHO_PORT" --wait-ready 60 > /dev/null ||
		fail "the source guest does not answer after the fault"
	witness_after
}

# guest_migration_wait_end: wait until the guest's migration has ended
# (state idle or failed, at most 120 s), keep its result in
# $LOGDIR/guest-result.txt and its message in the result's guest_message.
# Sets GUEST_STATE and GUEST_MESSAGE.
guest_migration_wait_end() {
	t=0
	while :; do
		GUEST_STATE=$(guest_sh 'cat /sys/kernel/selfmig/state' | tr -d '\r\n ')
		case "$GUEST_STATE" in idle|failed) break ;; esac
		[ $t -lt 120 ] || fail "the guest's migration did not end (state '$GUEST_STATE')"
		sleep 1; t=$((t + 1))
	done
	guest_sh 'selfmigctl result' > "$LOGDIR/guest-result.txt"
	GUEST_MESSAGE=$(awk '$1 == "message" { $1 = ""; print }' "$LOGDIR/guest-result.txt")
	field_str guest_message "$GUEST_MESSAGE"
}

# fault_guest: a fresh guest for a fault scenario, selfmigd ready in it and
# the witness taken (witness_before).  Sets FAULT_DOMID, its domain.
fault_guest() {
	guest_create
	guest_wait_ready 240
	selfmigd_wait
	FAULT_DOMID=$(xl domid "$GUEST")
	witness_before
}

# fault_same_domain [CASE]: after a failed migration the guest must still be
# the domain fault_guest created.
fault_same_domain() {
	[ "$(xl domid "$GUEST" 2>/dev/null)" = "$FAULT_DOMID" ] ||
		fail "${1:+$1: }the guest is no longer domain $FAULT_DOMID"
}

# self_fault_migrate SPEC INJECTED [SUFFIX]: selfmig migrate --mode self to
# localhost with SELFMIG_FAULT=SPEC, its report, xl's log and its output in
# $LOGDIR (report, xl-receive and migrate, each with -SUFFIX if given).  The
# hook must say "FAULT INJECTION: INJECTED" (a grep pattern), the migration
# must fail and its report say so, and the hook must know what became of the
# guest (no ATTENTION line).  Sets FAULT_RC, FAULT_LOG.
self_fault_migrate() {
	sfx=${3:+-$3}
	FAULT_LOG=$LOGDIR/migrate$sfx.log
	step "selfmig migrate --mode self with SELFMIG_FAULT=$1"
	SELFMIG_FAULT=$1 selfmig migrate --mode self --json "$LOGDIR/report$sfx.json" \
		--xl-log "$LOGDIR/xl-receive$sfx.log" "$GUEST" localhost \
		> "$LOGDIR/report$sfx.txt" 2> "$FAULT_LOG"
	FAULT_RC=$?
	cat "$FAULT_LOG"
	grep -q "FAULT INJECTION: $2" "$FAULT_LOG" || fail "the fault was not injected (exit $FAULT_RC)"
	[ "$FAULT_RC" != 0 ] || fail "selfmig migrate exited 0 with the fault injected"
	grep -q '"ok":false' "$LOGDIR/report$sfx.json" || fail "the report does not say the migration failed"
	grep -q 'ATTENTION' "$FAULT_LOG" && fail "the hook could not tell what became of the guest"
	return 0
}

# fault_migrate SPEC: selfmig-hook migrate with SELFMIG_FAULT=SPEC; it must
# fail (exit 1), and the source must run on.
fault_migrate() {
	guest_create
	guest_wait_ready 240
	witness_before
	step "selfmig-hook migrate with SELFMIG_FAULT=$1"
	SELFMIG_FAULT=$1 selfmig-hook migrate "$GUEST" --receiver-log "$LOGDIR/xl-receive.log" \
		> "$LOGDIR/hook.log" 2>&1
	rc=$?
	cat "$LOGDIR/hook.log"
	grep -q 'FAULT INJECTION:' "$LOGDIR/hook.log" || fail "the fault was not injected (rc $rc)"
	[ "$rc" = 1 ] || fail "selfmig-hook migrate exited $rc, not 1, with a fault injected"
	grep -q 'resumed; it runs on' "$LOGDIR/hook.log" || fail "selfmig-hook did not say it resumed the source"
	field_str hook_error "$(grep '^selfmig-hook: ' "$LOGDIR/hook.log" | grep -v -e FAULT -e resumed -e 'starting\|asking\|sent ' | head -n 1)"
	fault_outcome "$rc"
}

# tracker_off: the guest's tracker leaves page tables alone (scan_mask=0),
# for scenarios about something else (the secret) whose pre-copy then sends
# one short round.
tracker_off() {
	guest_sh 'echo 0 > /sys/module/selfmig/parameters/scan_mask' ||
		fail "cannot set the tracker's scan_mask"
	field scan_mask 0
}

# fault_precopy NAME [ENV=VALUE]: the guest pre-copies itself to
# selfmig-receive (keyed) with a fault injected on one side: a module fault
# (FAULT_MODULE, e.g. sender-drop:4), a receiver fault (ENV for the
# receiver, e.g. SELFMIG_FAULT=receiver-crash:4), or a small image
# directory (FAULT_IMAGE_DIR).  The receiver must not complete; the guest's
# migration must fail, say why, and leave the guest running unchanged.
fault_precopy() {
	name=$1; shift
	guest_create
	guest_wait_ready 240
	witness_before
	selfmig_keys || fail "cannot create the guest's selfmig keys"
	id=$(new_id)
	rm -f /tmp/fault-key
	selfmig-hook key "$GUEST" --id "$id" -o /tmp/fault-key || fail "cannot hand out the secret"
	img=${FAULT_IMAGE_DIR:-/tmp}/fault-image
	rm -f "$img"
	if [ -n "$FAULT_MODULE" ]; then
		guest_sh "echo $FAULT_MODULE > /sys/module/selfmig/parameters/fault" ||
			fail "cannot arm the module's fault point"
	fi
	step "pre-copy with a fault: $name"
	env "$@" selfmig-receive --listen 169.254.0.1:7001 --image "$img" --id "$id" \
		--key-file /tmp/fault-key --once > "$LOGDIR/receive.log" 2>&1 &
	recv=$!
	recv_listening "$LOGDIR/receive.log" $recv
	guest_sh "selfmigctl migrate --dest 169.254.0.1:7001 --id $id" > /dev/null
	t=0
	while kill -0 $recv 2>/dev/null; do
		[ $t -lt 300 ] || { kill $recv; fail "the receiver did not end within 300 s"; }
		sleep 1; t=$((t + 1))
	done
	wait $recv; rrc=$?
	cat "$LOGDIR/receive.log" | tail -n 4
	field receiver_exit "$rrc"
	[ "$rrc" != 0 ] || fail "the receiver completed a stream that a fault should have cut"
	step "the guest's migration must fail and say why"
	guest_migration_wait_end
	log "the guest says: state $GUEST_STATE,$GUEST_MESSAGE"
	[ -n "$FAULT_MODULE" ] && guest_sh 'echo > /sys/module/selfmig/parameters/fault'
	rm -f "$img" /tmp/fault-key
	sm-probe --target "$GUEST_IP:$ECHO_PORT" --wait-ready 60 > /dev/null ||
		fail "the guest does not answer after the fault"
	witness_after
}
