# about: a checksummed TCP and UDP stream from the guest to dom0, while the guest rewrites memory, arrives intact
# timeout: 300
guest_create
guest_wait_ready 240
step "receiver in dom0, memory writer and sender in the guest"
selfmig-workload netrecv --port 7802 --seconds 45 > "$LOGDIR/netrecv.log" 2>&1 &
recv=$!
sleep 1
guest_sh "selfmig-workload anon-random --quiet > /tmp/wl.log 2>&1 & echo \$! > /tmp/wl.pid" || fail "cannot start the memory writer"
guest_sh "selfmig-workload netsend --target 169.254.0.1:7802 --seconds 30 > /tmp/ns.log 2>&1 &" || fail "cannot start the sender"
wait $recv
rc=$?
guest_sh 'kill $(cat /tmp/wl.pid); cat /tmp/ns.log' > "$LOGDIR/netsend.log"
cat "$LOGDIR/netrecv.log" | tail -n 3
grep -q '^CORRUPTION' "$LOGDIR/netrecv.log" && fail "data corrupted on the way: $(grep -m1 '^CORRUPTION' "$LOGDIR/netrecv.log")"
[ "$rc" = 0 ] || fail "netrecv exited $rc"
ok
