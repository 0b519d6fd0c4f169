# about: selfmig wws: a running guest's writable working set from its own tracker, idle and under a writer of known rate; a self-migration asked for while it samples is refused and the guest runs on
# timeout: 900
#
# 1. The idle guest, 10 s, a scan every 500 ms: the report comes, with
#    20 scans or so, and few pages written.
# 2. selfmig-workload anon-seq over 16 MiB at 4 MiB/s (1024 pages/s) in the
#    guest: the median scan must find that writer's 512 pages per 500 ms,
#    within 0.75x to 3x (the guest's own writes come on top; the writer is
#    paced over its whole run, so a slow scan catches up).
# 3. A self-migration asked for while the guest samples: the module refuses
#    to start (the sampler holds the tracker), selfmigd acks cannot-migrate,
#    selfmig migrate fails with that reason, the sampling still reports,
#    and the guest runs on, with exactly one guest.
guest_create
guest_wait_ready 240
selfmigd_wait
witness_before

wws_median() { sed -n 's/.*"median_pages":\([0-9]*\).*/\1/p' "$1"; }

step "selfmig wws of the idle guest: 10 s, a scan every 500 ms"
selfmig wws "$GUEST" --seconds 10 --interval-ms 500 --json "$LOGDIR/wws-idle.json" \
	> "$LOGDIR/wws-idle.txt" 2> "$LOGDIR/wws-idle.err" ||
	fail "selfmig wws of the idle guest failed: $(tail -n 1 "$LOGDIR/wws-idle.err")"
cat "$LOGDIR/wws-idle.txt"
n=$(sed -n 's/.*domain .*: \([0-9]*\) scans.*/\1/p' "$LOGDIR/wws-idle.txt")
[ -n "$n" ] && [ "$n" -ge 15 ] && [ "$n" -le 20 ] || fail "the idle sampling reported '$n' scans, not 15-20"
idle=$(wws_median "$LOGDIR/wws-idle.json")
field idle_median_pages "${idle:-null}"

step "a writer at 4 MiB/s (1024 pages/s): anon-seq over 16 MiB"
guest_sh 'run-in / selfmig-workload anon-seq --mib 16 --rate-mib-s 4 > /tmp/wl.log 2>&1 & echo $! > /tmp/wl.pid' ||
	fail "cannot start the writer"
sleep 8
selfmig wws "$GUEST" --seconds 20 --interval-ms 500 --json "$LOGDIR/wws-writer.json" \
	> "$LOGDIR/wws-writer.txt" 2> "$LOGDIR/wws-writer.err" ||
	fail "selfmig wws under the writer failed: $(tail -n 1 "$LOGDIR/wws-writer.err")"
cat "$LOGDIR/wws-writer.txt"
med=$(wws_median "$LOGDIR/wws-writer.json")
field writer_median_pages "${med:-null}"
[ -n "$med" ] && [ "$med" -ge 384 ] && [ "$med" -le 1536 ] ||
	fail "under a writer of 512 pages per 500 ms, the median scan found '$med' pages, not 384-1536"

step "a self-migration asked for while the guest samples"
selfmig wws "$GUEST" --seconds 30 --interval-ms 500 > "$LOGDIR/wws-during.txt" 2> "$LOGDIR/wws-during.err" &
wws_pid=$!
sleep 5
selfmig migrate --mode self "$GUEST" localhost > "$LOGDIR/migrate-during.txt" 2>&1
mrc=$?
cat "$LOGDIR/migrate-during.txt"
[ "$mrc" != 0 ] || fail "a self-migration started while the guest sampled"
grep -q 'cannot-migrate' "$LOGDIR/migrate-during.txt" ||
	fail "the self-migration failed, but not because the guest refused to copy itself: $(tail -n 1 "$LOGDIR/migrate-during.txt")"
wait $wws_pid || fail "the sampling during the refused migration did not report: $(tail -n 1 "$LOGDIR/wws-during.err")"
sm-probe --target "$GUEST_IP:$ECHO_PORT" --wait-ready 60 > /dev/null || fail "the guest does not answer"
guest_sh 'kill $(cat /tmp/wl.pid); sleep 1; cat /tmp/wl.log' > "$LOGDIR/workload.log" 2>&1
grep -q '^CORRUPTION' "$LOGDIR/workload.log" && fail "the writer saw a stale byte"
witness_after
log "wws: idle median ${idle:-?} pages per 500 ms, under the writer ${med:-?}; a migration during sampling refused"
ok
