# about: the comparison: every bench workload migrated in transparent, assisted and self mode, BENCH_REPS times, in one guest; downtime, total time, bytes on the wire, rounds, the workload's throughput and the guest's CPU per run (make bench)
# timeout: 28800
#
# One guest, one testbed run, so that every mode sees the same machine.
# BENCH_WORKLOADS (default: idle web game muncher compile; "user" is added
# when tests/xen/run was given --workload) each start in the guest, then
# BENCH_REPS (3) rounds of the BENCH_MODES (transparent assisted self), in
# that order within a round, so that a drift of the host's speed touches
# every mode alike.  The workloads (docs/bench.md):
#   idle     nothing but the counter and the daemons;
#   web      sm-web serve in the guest, sm-web get in dom0 (requests/s);
#   game     sm-game serve (a tick every 33 ms), three sm-game play in dom0
#            (updates/s; their longest gap between updates);
#   muncher  selfmig-workload anon-seq over BENCH_MUNCH_MIB (a quarter of
#            the guest's memory) MiB, as fast as it can: more per round than
#            the link copies (pages/s);
#   compile  selfmig-workload compile-mix (jobs/s).
# Per run: a window of BENCH_BEFORE_S (15) s measures the workload alone,
# then the migration runs with the prober and the clients on.  One line per
# run goes to runs.jsonl; the rounds of each run (self: selfmigctl rounds;
# the others: xl's log) stay in this directory for scripts/bench.sh, which
# writes the report.  A failed migration is recorded and the bench goes on,
# as long as the guest lives.
WORKLOADS=${BENCH_WORKLOADS:-idle web game muncher compile}
[ "$WORKLOAD" = 1 ] && WORKLOADS="$WORKLOADS user"
MODES=${BENCH_MODES:-transparent assisted self}
REPS=${BENCH_REPS:-3}
BEFORE_S=${BENCH_BEFORE_S:-15}
# A quarter of the guest: beside the 16 MiB of test data in /tmp, 48 MiB
# in a 128 MiB guest drew the OOM killer.
MUNCH_MIB=${BENCH_MUNCH_MIB:-$(( ${MEMORY:-256} / 4 ))}
RUNS=$LOGDIR/runs.jsonl
: > "$RUNS"
field reps "$REPS"
field vcpus "${VCPUS:-1}"
field guest_mib "${MEMORY:-256}"
field_str workloads "$WORKLOADS"
field_str modes "$MODES"

# The guest's busy CPU (user nice system irq softirq) in USER_HZ ticks.
guest_busy() { guest_sh 'head -n 1 /proc/stat' | awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 }'; }

# The workload's own counter from its latest progress line: "T COUNT".
wl_key() {
	case "$1" in
	muncher) echo pages_written ;;
	compile) echo jobs ;;
	esac
}
wl_snap() {
	local k
	k=$(wl_key "$1")
	[ -n "$k" ] || { echo "- -"; return; }
	guest_sh 'tail -n 1 /tmp/wl.log' | sed -n "s/.* t=\([0-9.]*\)s .*$k=\([0-9]*\).*/\1 \2/p" | grep . || echo "- -"
}

wl_start() {
	case "$1" in
	idle|user) ;;
	web) guest_sh 'run-in / sm-web serve --port 8080 > /tmp/wl.log 2>&1 & echo $! > /tmp/wl.pid' ;;
	game) guest_sh 'run-in / sm-game serve --port 7700 > /tmp/wl.log 2>&1 & echo $! > /tmp/wl.pid' ;;
	muncher) guest_sh "run-in / selfmig-workload anon-seq --mib $MUNCH_MIB > /tmp/wl.log 2>&1 & echo \$! > /tmp/wl.pid" ;;
	compile) guest_sh 'run-in / selfmig-workload compile-mix > /tmp/wl.log 2>&1 & echo $! > /tmp/wl.pid' ;;
	*) fail "BENCH_WORKLOADS: no workload '$1' (idle web game muncher compile)" ;;
	esac
	sleep 8	# past the first progress line (5 s)
	wl_running "$1"
}

# A workload that died (the guest's OOM killer, an error of its own) would
# leave the modes comparing an idle guest: the bench stops there.
wl_running() {
	case "$1" in idle|user) return ;; esac
	guest_sh 'kill -0 $(cat /tmp/wl.pid) && echo alive' | grep -q alive ||
		fail "workload $1 no longer runs: $(guest_sh 'tail -n 2 /tmp/wl.log' | tr '\r\n' '  ')"
}

wl_stop() {
	case "$1" in idle|user) return ;; esac
	guest_sh 'kill $(cat /tmp/wl.pid); sleep 1; cat /tmp/wl.log' > "$LOGDIR/wl-$1.log" 2>&1
	grep -q '^CORRUPTION' "$LOGDIR/wl-$1.log" &&
		fail "workload $1 saw a stale byte: $(grep -m1 '^CORRUPTION' "$LOGDIR/wl-$1.log")"
	return 0
}

# clients_start WL TAG / clients_stop: the dom0 side of web and game.
clients_start() {
	rm -f /tmp/clients.stop
	CLIENTS=
	case "$1" in
	web)
		sm-web get --target "$GUEST_IP:8080" --until-file /tmp/clients.stop \
			--json "$LOGDIR/$2-web.json" > /dev/null 2>&1 &
		CLIENTS=$! ;;
	game)
		for id in 1 2 3; do
			sm-game play --target "$GUEST_IP:7700" --id "$id" --until-file /tmp/clients.stop \
				--json "$LOGDIR/$2-game$id.json" > /dev/null 2>&1 &
			CLIENTS="$CLIENTS $!"
		done ;;
	esac
}
clients_stop() {
	touch /tmp/clients.stop
	for p in $CLIENTS; do wait "$p"; done
	CLIENTS=
}

# The clients' throughput in a window, their longest gap and (web) the
# requests' mean latency: "RATE GAP LATENCY".
clients_figures() { # WL TAG SECONDS
	case "$1" in
	web) sed -n 's/.*"good":\([0-9]*\).*"max_gap_ms":\([0-9.]*\).*"latency_ms_mean":\([0-9.]*\).*/\1 \2 \3/p' "$LOGDIR/$2-web.json" |
		awk -v s="$3" '{ printf "%.2f %s %s\n", $1 / s, $2, $3 }' ;;
	game) cat "$LOGDIR/$2"-game[123].json 2>/dev/null |
		sed -n 's/.*"updates":\([0-9]*\).*"max_gap_ms":\([0-9.]*\).*/\1 \2/p' |
		awk -v s="$3" '{ u += $1; if ($2 > g) g = $2 } END { if (NR) printf "%.2f %.1f\n", u / NR / s, g }' ;;
	esac
}

num() { [ -n "$1" ] && [ "$1" != - ] && echo "$1" || echo null; }

bench_one() { # WL MODE REP
	local wl=$1 mode=$2 rep=$3 tag="$1-$2-$3" b0 b1 b2 s0 s1 s2 t0 t1 tb tm mrc why pre
	step "bench: $wl, $mode, run $rep of $REPS"
	# The workload alone.
	s0=$(wl_snap "$wl"); b0=$(guest_busy); tb=$(now_ms)
	clients_start "$wl" "$tag-before"
	sleep "$BEFORE_S"
	clients_stop
	s1=$(wl_snap "$wl"); b1=$(guest_busy); tm=$(now_ms)
	# The migration.
	clients_start "$wl" "$tag-during"
	probe_start
	sleep 2
	# xl hides its progress lines while it sends; the bench's observer
	# (tests/xen/xl-progress/) lets them into the log, for the rounds.
	pre=
	[ "$mode" = self ] || pre=/host/build/lib/xl-progress.so
	t0=$(now_ms)
	LD_PRELOAD=$pre selfmig migrate --mode "$mode" -v --json "$LOGDIR/report-$tag.json" \
		--xl-ssh "/host/build/bin/count-pipe /tmp/wire-$tag" --xl-log "$LOGDIR/xl-$tag.log" \
		"$GUEST" localhost > "$LOGDIR/report-$tag.txt" 2> "$LOGDIR/migrate-$tag.log"
	mrc=$?
	t1=$(now_ms)
	sm-probe --target "$GUEST_IP:$ECHO_PORT" --wait-ready 120 > /dev/null 2>&1
	sleep 2
	probe_end || log "the prober failed (see probe.txt)"
	PROBE_GAP=$(sed -n 's/.*"max_gap_ms": *\([0-9.]*\).*/\1/p' "$LOGDIR/probe.json")
	cp "$LOGDIR/probe.json" "$LOGDIR/probe-$tag.json"
	clients_stop
	s2=$(wl_snap "$wl"); b2=$(guest_busy)
	[ "$mode" = self ] && ctl rounds > "$LOGDIR/rounds-$tag.txt"
	why=
	[ "$mrc" = 0 ] || why="selfmig migrate exited $mrc: $(grep '^selfmig: ' "$LOGDIR/migrate-$tag.log" | tail -n 1)"
	n=$(guest_count)
	[ "$n" = 1 ] || { xl list; fail "after the $mode migration of run $tag: $n guests, not 1"; }
	set -- $s0; st0=$1 sc0=$2; set -- $s1; st1=$1 sc1=$2; set -- $s2; st2=$1 sc2=$2
	set -- $(clients_figures "$wl" "$tag-before" "$(( (tm - tb) / 1000 ))"); cb=${1:-} lb=${3:-}
	set -- $(clients_figures "$wl" "$tag-during" "$(( (t1 - t0 + 2000) / 1000 ))"); cd=${1:-} cg=${2:-} ld=${3:-}
	printf '{"workload":"%s","mode":"%s","rep":%s,"ok":%s,"why":"%s","total_ms":%s,"downtime_ms":%s,"wire_bytes":%s,' \
		"$wl" "$mode" "$rep" "$([ -z "$why" ] && echo true || echo false)" "$(json_str "$why")" \
		"$((t1 - t0))" "$(num "$PROBE_GAP")" "$(num "$(cat "/tmp/wire-$tag" 2>/dev/null)")" >> "$RUNS"
	printf '"wl_before":[%s,%s,%s,%s],"wl_during":[%s,%s],"clients_before":%s,"clients_during":%s,"clients_max_gap_ms":%s,"latency_ms":[%s,%s],' \
		"$(num "$st0")" "$(num "$sc0")" "$(num "$st1")" "$(num "$sc1")" "$(num "$st2")" "$(num "$sc2")" \
		"$(num "$cb")" "$(num "$cd")" "$(num "$cg")" "$(num "$lb")" "$(num "$ld")" >> "$RUNS"
	printf '"busy_ticks":[%s,%s,%s],"window_ms":[%s,%s],"tag":"%s"}\n' \
		"$(num "$b0")" "$(num "$b1")" "$(num "$b2")" "$((tm - tb))" "$((t1 - tm))" "$tag" >> "$RUNS"
	log "bench $tag: ${why:-ok}, total $((t1 - t0)) ms, longest prober gap ${PROBE_GAP:-?} ms, $(cat "/tmp/wire-$tag" 2>/dev/null || echo '?') bytes on the wire"
}

guest_create
guest_wait_ready 240
selfmigd_wait
witness_before
for wl in $WORKLOADS; do
	step "bench: starting workload $wl"
	wl_start "$wl"
	for rep in $(seq 1 "$REPS"); do
		for mode in $MODES; do
			bench_one "$wl" "$mode" "$rep"
			workload_alive
			wl_running "$wl"
		done
	done
	wl_stop "$wl"
done
witness_after
field runs "$(wc -l < "$RUNS")"
field failed_runs "$(grep -c '"ok":false' "$RUNS")"
ok
