# about: diagnostic: clearing dirty bits in the guest must not disturb dom0 (failed only under Xen's lazy FPU switching; docs/testbed.md)
# timeout: 600
guest_create
guest_wait_ready 240
step "dom0 memory checker, guest writer, guest pre-copy"
selfmig-workload anon-random --mib 256 --seconds 120 > "$LOGDIR/dom0-anon.log" 2>&1 &
chk=$!
guest_sh "selfmig-workload anon-seq --quiet > /tmp/wl.log 2>&1 &"
selfmig_verify_run anon-seq 1
kill $chk 2>/dev/null; wait $chk
tail -n 3 "$LOGDIR/dom0-anon.log"
grep -q '^CORRUPTION' "$LOGDIR/dom0-anon.log" && fail "dom0 memory corrupted while the guest tracked dirty bits: $(grep -m1 '^CORRUPTION' "$LOGDIR/dom0-anon.log")"
ok
