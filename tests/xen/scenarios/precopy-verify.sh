# about: self pre-copy under many workloads; after the freeze, every guest page is compared with the receiver's image
# timeout: 7200
#
# Each run: the receiver listens in dom0, the guest module runs pre-copy to
# it (verify=1), then freezes through the Xen suspend path and publishes its
# final dirty set; selfmig-verify compares every guest page with the image
# and resumes the guest.  A differing page outside the final set (and not
# free) is a missed page.  A run also fails when round 0 sends more than the
# frames in use at its busiest moment (the module samples it) plus
# ROUND0_MARGIN_PCT (default 10) percent and 1024 frames: the margin for
# what is allocated and freed between two samples (the sender's buffers, its
# socket's queue, the workload's churn), as on tests/native.
# RUNS (default 5), WORKLOADS and MIGRATE_ARGS (settings of each migration,
# docs/interface.md, e.g. "start_rate=400 max_bytes_factor=1" as on
# tests/native) can be set with tests/xen/run --set.
# With tests/xen/run --workload, the runs are of the user's workload ("user"),
# which must not fail between runs and must exit 0 on SIGTERM at the end.
RUNS=${RUNS:-5}
ROUND0_MARGIN_PCT=${ROUND0_MARGIN_PCT:-10}
WORKLOADS=${WORKLOADS:-idle anon-random anon-seq file-write mmap-shared pipes forkstorm churn netrecv}
[ "$WORKLOAD" = 1 ] && WORKLOADS="user"

guest_create
guest_wait_ready 240

runs=0 missed_total=0 failed=0
runs_json=
for w in $WORKLOADS; do
	i=1
	while [ "$i" -le "$RUNS" ]; do
		step "workload $w, run $i of $RUNS"
		case "$w" in
		idle|user) ;;
		netrecv)
			guest_sh "selfmig-workload netrecv --quiet > /tmp/wl.log 2>&1 & echo \$! > /tmp/wl.pid" ||
				fail "cannot start workload $w"
			sleep 1
			selfmig-workload netsend --target "$GUEST_IP" --seconds 600 --quiet \
				> "$LOGDIR/netsend-$i.log" 2>&1 &
			netsend=$!
			;;
		*)
			guest_sh "selfmig-workload $w --quiet > /tmp/wl.log 2>&1 & echo \$! > /tmp/wl.pid" ||
				fail "cannot start workload $w"
			;;
		esac
		sleep 3
		# Migrate a workload that has finished starting up, as one would
		# a running service: until the guest's free memory moves by less
		# than 8 MiB in a second (at most 20 s; churn never settles).
		settled=$(guest_sh 'p=0 i=0
			while [ $i -lt 20 ]; do
				f=$(awk "/^MemFree:/ { print \$2 }" /proc/meminfo)
				d=$((f - p)); [ ${d#-} -lt 8192 ] && break
				p=$f i=$((i + 1)); sleep 1
			done
			echo "$i s, $f kB free"')
		log "workload $w: settled after ${settled:-?}"
		if ! selfmig_verify_run "$w" "$i"; then
			failed=$((failed + 1))
		elif [ "$VERIFY_ROUND0" -gt $((VERIFY_USED + VERIFY_USED * ROUND0_MARGIN_PCT / 100 + 1024)) ]; then
			log "run $w/$i: round 0 sent $VERIFY_ROUND0 frames, more than the $VERIFY_USED in use plus the margin ($ROUND0_MARGIN_PCT% + 1024)"
			failed=$((failed + 1))
		fi
		case "$w" in
		idle) ;;
		user) workload_alive ;;
		*)
			[ "$w" = netrecv ] && kill "$netsend" 2>/dev/null
			guest_sh 'kill $(cat /tmp/wl.pid) 2>/dev/null; sleep 1; cat /tmp/wl.log' > "$LOGDIR/workload-$w-$i.log" 2>&1
			if grep -q '^CORRUPTION' "$LOGDIR/workload-$w-$i.log"; then
				fail "workload $w reported corruption in run $i (see workload-$w-$i.log)"
			fi
			;;
		esac
		runs=$((runs + 1))
		missed_total=$((missed_total + VERIFY_MISSED))
		runs_json="$runs_json${runs_json:+,}$VERIFY_JSON"
		i=$((i + 1))
	done
done

field runs "$runs"
field missed_pages "$missed_total"
field_str workloads "$WORKLOADS"
field per_run "[$runs_json]"
workload_end
[ "$failed" = 0 ] || fail "$failed of $runs runs failed (see scenario.log)"
[ "$missed_total" = 0 ] || fail "$missed_total missed pages over $runs runs"
ok
