# about: fault injection: the wait for the guest's suspend ends at once, in selfmig-hook migrate and in a self-migration; the request is withdrawn or the late suspend resumed, and the source guest runs on unchanged
# timeout: 900
#
# SELFMIG_FAULT=suspend-timeout makes selfmig-hook give up waiting for the
# guest's suspend at its first look, as when a guest is slower than the
# deadline (docs/switch.md, A suspend that comes late).  The hook must then
# withdraw the request if the guest's kernel has not taken it, or resume the
# guest when it suspends after all; the migration fails and the guest runs on.
#   case 1: selfmig-hook migrate (the hook writes the request itself)
#   case 2: selfmig migrate --mode self (the guest's module writes it, after
#           the hook's word that its pre-copy reached xl)
# Neither case may end with an ATTENTION line: the guest's fate is known.
fault_guest

step "case 1: selfmig-hook migrate with SELFMIG_FAULT=suspend-timeout"
SELFMIG_FAULT=suspend-timeout selfmig-hook migrate "$GUEST" \
	--receiver-log "$LOGDIR/xl-receive-1.log" > "$LOGDIR/hook-1.log" 2>&1
rc=$?
cat "$LOGDIR/hook-1.log"
grep -q 'FAULT INJECTION: the wait for the guest.s suspend ends' "$LOGDIR/hook-1.log" ||
	fail "case 1: the fault was not injected (exit $rc)"
[ "$rc" = 1 ] || fail "case 1: selfmig-hook migrate exited $rc, not 1"
grep -q 'ATTENTION' "$LOGDIR/hook-1.log" && fail "case 1: the hook could not tell what became of the guest"
if grep -q 'request was withdrawn' "$LOGDIR/hook-1.log"; then
	field_str case1_outcome withdrawn
elif grep -q 'suspended after the deadline; it was resumed' "$LOGDIR/hook-1.log"; then
	field_str case1_outcome resumed
else
	fail "case 1: the hook says neither that it withdrew the request nor that it resumed the guest"
fi
fault_outcome "$rc"
fault_same_domain "case 1"

step "case 2: a self-migration"
self_fault_migrate suspend-timeout 'the wait for the guest.s suspend ends' 2
if grep -q 'request was withdrawn' "$LOGDIR/migrate-2.log"; then
	# The module then waits for its own suspend until its deadline (900 s).
	field_str case2_outcome withdrawn
elif grep -q 'suspended after the deadline; it was resumed' "$LOGDIR/migrate-2.log"; then
	field_str case2_outcome resumed
else
	fail "case 2: the hook says neither that it withdrew the request nor that it resumed the guest"
fi
fault_outcome "$FAULT_RC"
fault_same_domain "case 2"
guest_sh 'selfmigctl result' > "$LOGDIR/guest-result-2.txt"
log "case 2: guest module: $(tr '\n' ' ' < "$LOGDIR/guest-result-2.txt" | cut -c1-160)"
ok
