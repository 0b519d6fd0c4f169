# about: self-migration: the guest pre-copies itself into stock `xl migrate-receive` through selfmig-hook, suspends, and the hook copies only its final set and CPU state
# timeout: 900
#
# selfmig migrate --mode self, the main job: it starts selfmig-hook self,
# which starts `xl migrate-receive` and listens; selfmig tells the guest
# (notice, then migrate) and selfmigd starts the module, which pre-copies in
# rounds it paces itself (each page is forwarded to xl at once); the guest
# suspends through Linux's Xen path and publishes its final set; the hook
# copies that set, the pages never sent and the CPU state; the destination
# starts after it is restored, and the source is destroyed last.
#
# Checks: the counter continues (same pid), a 16 MiB file keeps its
# checksum, exactly one guest remains, and (SELF_TCP=1, the default) a TCP
# stream from the guest to dom0 survives intact.  The prober's longest gap is
# the downtime.  With tests/xen/run --workload, the user's workload must still
# be well before the migration and exit 0 on SIGTERM after it.
#
# SELF_MAX_HOOK_PCT=N fails the run if the hook copies N% of the guest's
# pages or more at the switch (self-migrate-idle: 1, no TCP stream).
#
# SELF_VERIFY=1 (the self-migrate-verify scenario) adds --verify: at the
# switch the hook compares every pre-copied page outside the final set with
# what it forwarded, and any difference fails the migration.
#
# SELF_HOOK_ARGS: more options for selfmig-hook self, for experiments (e.g.
# --no-early-alloc), through a wrapper named by SELFMIG_HOOK.
SELF_TCP=${SELF_TCP:-1}
SELF_VERIFY=${SELF_VERIFY:-0}
if [ -n "${SELF_HOOK_ARGS:-}" ]; then
	printf '#!/bin/sh\nexec selfmig-hook "$@" %s\n' "$SELF_HOOK_ARGS" > /tmp/selfmig-hook-args
	chmod +x /tmp/selfmig-hook-args
	export SELFMIG_HOOK=/tmp/selfmig-hook-args
	field_str hook_args "$SELF_HOOK_ARGS"
fi
verify_arg=
[ "$SELF_VERIFY" = 1 ] && verify_arg=--verify
guest_create
guest_wait_ready 240
selfmigd_wait

witness_before
workload_alive
[ "$SELF_TCP" = 1 ] && tcp_start 120
probe_start
sleep 2

step "selfmig migrate --mode self $verify_arg $GUEST localhost"
t0=$(now_ms)
selfmig migrate --mode self $verify_arg --json "$LOGDIR/report.json" --xl-log "$LOGDIR/xl-receive.log" \
	"$GUEST" localhost > "$LOGDIR/report.txt" 2> "$LOGDIR/migrate.log"
mrc=$?
t1=$(now_ms)
cat "$LOGDIR/migrate.log" "$LOGDIR/report.txt"
[ "$mrc" = 0 ] || { touch /tmp/probe.stop; fail "selfmig migrate --mode self failed (exit $mrc): $(grep '^selfmig: ' "$LOGDIR/migrate.log" | tail -n 1)"; }

sm-probe --target "$GUEST_IP:$ECHO_PORT" --wait-ready 60 > /dev/null ||
	{ touch /tmp/probe.stop; fail "the migrated guest does not answer"; }
sleep 3
probe_stop
guest_sh 'selfmigctl result' > "$LOGDIR/guest-result.txt"
witness_after
[ "$SELF_TCP" = 1 ] && tcp_check
workload_end

j() { sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p" "$LOGDIR/report.json"; }
field total_ms $((t1 - t0))
field rounds "$(j rounds)"
field bytes "$(j stream_bytes)"
field hook_pages "$(j hook_pages)"
field final_set_pages "$(j final_set_pages)"
field guest_pages "$(j guest_pages)"
field stopped_ms "$(j stopped_ms)"
if [ "$SELF_VERIFY" = 1 ]; then
	checked=$(j verify_checked_pages) missed=$(j verify_missed_pages)
	field verify_checked_pages "${checked:-null}"
	field missed_pages "${missed:-null}"
	[ -n "$checked" ] && [ "$checked" -gt 0 ] || fail "the hook did not verify the pre-copied pages"
	[ "$missed" = 0 ] || fail "$missed missed pages at the switch"
	log "verify: $checked pre-copied pages checked at the switch, $missed missed"
fi
log "self-migration: total $((t1 - t0)) ms, longest prober gap $PROBE_GAP ms, hook copied $(j hook_pages) of $(j guest_pages) pages"
# SELF_MAX_HOOK_PCT (self-migrate-idle): the hook's share of the guest's
# pages at the switch, in hundredths of a percent, must stay under it.
hp=$(j hook_pages) gp=$(j guest_pages)
if [ -n "$hp" ] && [ -n "$gp" ] && [ "$gp" -gt 0 ]; then
	field hook_pct_x100 $((hp * 10000 / gp))
	if [ -n "${SELF_MAX_HOOK_PCT:-}" ] && [ $((hp * 100)) -ge $((gp * SELF_MAX_HOOK_PCT)) ]; then
		fail "the hook copied $hp of $gp pages at the switch, not under $SELF_MAX_HOOK_PCT%"
	fi
fi
ok
