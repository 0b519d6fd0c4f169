# about: diagnostic: repeated stock `xl migrate` of a busy guest while its dirty tracker runs (or not), counting guest deaths
# timeout: 1800
#
# Places the guest triple faults of docs/testbed.md.  The guest rewrites
# memory; with TRACK=1 (the default) selfmig.ko's scan_test clears dirty
# bits every 100 ms throughout, and which mappings it clears comes from
# --module-args scan_mask=...; TRACK=0 runs the same without the tracker.
# Xen copies the guest MIGRATIONS times (default 6) with `xl migrate` to
# localhost (through `selfmig migrate --mode transparent`), so its log-dirty mode is on for most of the run.  The scenario
# fails if the guest dies; result.json gives how many migrations it
# survived and Xen's line about its death.
MIGRATIONS=${MIGRATIONS:-6}
TRACK=${TRACK:-1}
guest_create
guest_wait_ready 240
# Which paging the guest got, in libxl's words ("hap": "False" is shadow).
hap=$(xl list -l "$GUEST" | sed -n 's/.*"hap": *"\([A-Za-z]*\)".*/\1/p' | head -n 1)
field_str hap "${hap:-default}"
log "guest paging: hap ${hap:-default} (setting HAP=${HAP:-unset})"

step "starting the guest's writers (tracker: $TRACK, module args: ${MODULE_ARGS:-none})"
guest_sh 'selfmig-workload anon-seq --mib 32 --quiet > /dev/console 2>&1 &
selfmig-workload anon-random --mib 16 --quiet > /dev/console 2>&1 &' > /dev/null
if [ "$TRACK" = 1 ]; then
	guest_sh "echo 3600 > /sys/module/selfmig/parameters/scan_test" > /dev/null ||
		fail "cannot start scan_test in the guest"
fi
sleep 2

done_=0 died=
while [ "$done_" -lt "$MIGRATIONS" ]; do
	step "xl migrate $GUEST localhost ($((done_ + 1)) of $MIGRATIONS)"
	if ! selfmig migrate --mode transparent --xl-log "$LOGDIR/xl-migrate-$done_.log" \
		"$GUEST" localhost > "$LOGDIR/migrate-$done_.log" 2>&1; then
		if source_died; then died=$DIED_WHY; break; fi
		fail "xl migrate failed with the guest alive (see xl-migrate-$done_.log): $(grep -m1 -E 'error|corrupt' "$LOGDIR/xl-migrate-$done_.log")"
	fi
	sleep 2
	if source_died; then died=$DIED_WHY; break; fi
	done_=$((done_ + 1))
done
field migrations "$done_"
field track "$TRACK"
field_str module_args "$MODULE_ARGS"
[ -n "$died" ] && field_str death "$died"
xl dmesg | grep -E -A 30 'Triple fault' | head -n 60 > "$LOGDIR/xen-death.txt"
log "the guest survived $done_ of $MIGRATIONS migrations${died:+; then it died: $died}"
[ -z "$died" ] || fail "the guest died after $done_ migrations: $died"
sm-probe --target "$GUEST_IP:$ECHO_PORT" --wait-ready 30 > /dev/null || fail "the guest does not answer"
ok
