# about: bad relocation notices are refused with a logged reason and change nothing in the guest
# timeout: 600
#
# Each bad request must be acknowledged "rejected" with its reason, logged by
# selfmigd as "request ignored: REASON", and leave every process of
# policy_setup (lib.sh) as it was, the quiesce cgroup thawed, and the state
# key not "notified".
guest_create
guest_wait_ready 240
selfmigd_wait
policy_setup
BEFORE=$(policy_snapshot)
d=$(xl domid "$GUEST")
con=/var/log/xen/console/guest-$GUEST.log
rejected=0

# expect_reject REASON SELFMIG-NOTIFY-ARGS...
expect_reject() {
	want=$1; shift
	step "bad notice ($want): selfmig notify $*"
	out=$(selfmig notify "$GUEST" "$@" 2>&1); rc=$?
	echo "  $out"
	[ "$rc" = 3 ] || fail "selfmig notify $* exited $rc, expected 3 (rejected): $out"
	echo "$out" | grep -qE "reason=$want|\($want\)" || fail "expected reason $want, got: $out"
	sleep 2
	grep -q "selfmigd: request ignored: $want" "$con" || fail "the guest's log does not show 'request ignored: $want'"
	st=$(xenstore-read "/local/domain/$d/control/selfmig/state")
	case "$st" in *state=notified*|*state=stopping*) fail "the guest's state changed: $st" ;; esac
	policy_check_restored "the bad notice ($want)"
	rejected=$((rejected + 1))
}

expect_reject bad-message --raw "this is not a notice"
expect_reject bad-message --raw "selfmig/1 seq=5 phase=notice dest=localhost crc=00000000"
expect_reject unknown-phase --fields "seq=$(date +%s) phase=teleport dest=localhost"
expect_reject no-destination --fields "seq=$(date +%s) phase=notice"
expect_reject bad-field --fields "seq=$(date +%s) phase=abort mode=sideways"

step "a request in a key another domain can write"
xenstore-chmod "/local/domain/$d/control/selfmig/request" "n$d" || fail "cannot chmod the request key"
expect_reject not-from-dom0 --no-prepare --phase notice --dest localhost
xenstore-chmod "/local/domain/$d/control/selfmig/request" n0 "r$d" || fail "cannot restore the request key's permissions"

step "a replayed (older) request"
seq=$(( $(date +%s) + 100 ))
selfmig notify "$GUEST" --phase abort --seq "$seq" || fail "a valid abort was not acknowledged"
expect_reject old-seq --phase notice --dest localhost --seq $((seq - 50))

step "a good notice still works after all that"
selfmig notify "$GUEST" --phase notice --dest localhost || fail "a good notice was not acknowledged"
sleep 2
[ "$(cg_frozen background)" = "frozen 1" ] || fail "a good notice did not freeze the quiesce set"
selfmig notify "$GUEST" --phase abort || fail "abort was not acknowledged"
policy_check_restored "the final abort"
field rejected "$rejected"
ok
