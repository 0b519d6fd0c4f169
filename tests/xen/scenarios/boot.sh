# about: boot the PVH guest, load selfmig.ko, read its state
# timeout: 300
guest_create
guest_wait_ready 240

step "reading /sys/kernel/selfmig/status in the guest"
status=$(guest_sh 'cat /sys/kernel/selfmig/status') || fail "cannot reach the guest's control shell"
echo "$status" | sed 's/^/  status: /'
get() { echo "$status" | awk -v k="$1" '$1 == k { print $2 }'; }
version=$(get version)
gtype=$(get guest_type)
pages=$(get memory_pages)
[ -n "$version" ] || fail "selfmig.ko is not loaded in the guest (no /sys/kernel/selfmig/status)"
[ "$gtype" = pvh ] || fail "guest type is '$gtype', expected pvh"
[ "$(get cpus)" = "$VCPUS" ] || fail "guest sees $(get cpus) CPUs, expected $VCPUS"
# The guest's RAM as Linux counts it: within the configured size, and most of it.
[ "$pages" -gt $(( MEMORY * 256 * 7 / 10 )) ] && [ "$pages" -le $(( MEMORY * 256 )) ] ||
	fail "guest reports $pages RAM pages for $MEMORY MiB"

step "checking docs/interface.md against the module's files and parameters"
guest_sh 'cd /sys/kernel/selfmig && for f in *; do m=$(stat -c %a "$f"); n=-; case $m in *4*) n=$(wc -l < "$f") ;; esac; echo "file $f $m $n"; done; cd /sys/module/selfmig/parameters && for f in *; do echo "param $f $(stat -c %a "$f")"; done' \
	> "$LOGDIR/interface.txt" || fail "cannot list the module's files in the guest"
/host/tests/xen/interface-check /host/docs/interface.md "$LOGDIR/interface.txt" ||
	fail "docs/interface.md does not match the module (see above; the listing is interface.txt)"

step "checking the module's self-tests"
guest_sh 'dmesg' > "$LOGDIR/guest-dmesg.txt"
grep -q 'selfmig: self-tests: pass' "$LOGDIR/guest-dmesg.txt" ||
	fail "selfmig self-tests did not report pass (see guest-dmesg.txt)"
grep 'selfmig: .*ok [0-9]' "$LOGDIR/guest-dmesg.txt" | sed 's/^.*selfmig: //' > "$LOGDIR/selftest.tap"

field_str version "$version"
field_str guest_type "$gtype"
field memory_pages "$pages"
field cpus "$(get cpus)"
if [ "$WORKLOAD" = 1 ]; then
	# Give the user's workload a moment to run; its output is in the guest console log.
	sleep 5
	field workload true
fi
ok
