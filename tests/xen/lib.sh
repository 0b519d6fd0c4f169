# Shell library for scenarios (busybox sh, in dom0).  A scenario is a script in
# tests/xen/scenarios/ that is sourced after this file with LOGDIR set; it exits
# non-zero (through fail) to fail, and records figures with field.
export PATH=/host/build/bin:/usr/lib/xen-4.17/bin:/usr/sbin:/usr/bin:/sbin:/bin

GUEST=guest
GUEST_IP=169.254.0.2
GUEST_MAC=00:16:3e:5e:1f:02
GUEST_CTL_PORT=2323
ECHO_PORT=7777

log() { echo "[$(date +%T)] $*"; }

json_str() { # escape a string for a JSON value
	printf '%s' "$1" | tr -d '\000-\037' | sed 's/\\/\\\\/g; s/"/\\"/g'
}

# field KEY VALUE: VALUE is raw JSON (a number, true/false, or a quoted string).
field() { echo "$1 $2" >> "$LOGDIR/fields"; }
field_str() { field "$1" "\"$(json_str "$2")\""; }

# step TEXT: what the scenario is doing now (shown if it times out).
step() { log "$*"; echo "$*" > "$LOGDIR/reason"; }

fail() {
	log "FAIL: $*"
	echo "$*" > "$LOGDIR/reason"
	exit 1
}

ok() { rm -f "$LOGDIR/reason"; exit 0; }

now_ms() { echo $(( $(/usr/bin/date +%s%N) / 1000000 )); }

guest_config() { # writes the guest's xl config to /tmp/guest.cfg
	cat > /tmp/guest.cfg <<CFG
name = "$GUEST"
type = "pvh"
kernel = "/host/build/kernel/current/bzImage"
ramdisk = "/host/build/run/guest-initrd.cpio.gz"
cmdline = "console=hvc0 panic=-1 $GUEST_APPEND"
memory = $MEMORY
maxmem = $MEMORY
vcpus = $VCPUS
on_crash = "destroy"
# QEMU's software CPU reports XSAVE area sizes that disagree with the offsets it
# reports (the guest kernel WARNs at boot, and a guest resumed from saved state
# triple-faults): hide XSAVE from the guest.  See docs/testbed.md.
cpuid = "host,xsave=0"
vif = [ 'mac=$GUEST_MAC,bridge=xenbr0,script=/host/tests/xen/vif-bridge' ]
CFG
}

guest_create() {
	step "creating the guest ($MEMORY MiB, $VCPUS vCPU)"
	guest_config
	xl create /tmp/guest.cfg || fail "xl create failed"
}

# guest_wait_ready [SECONDS]: wait until the guest's echo service answers.
# Fails at once, with the guest's last words, if its domain dies meanwhile.
guest_wait_ready() {
	limit=${1:-240}
	step "waiting for the guest to boot and answer on $GUEST_IP:$ECHO_PORT"
	t0=$(date +%s)
	while :; do
		sm-probe --target "$GUEST_IP:$ECHO_PORT" --wait-ready 5 > /dev/null 2>&1 && return 0
		if ! xl domid "$GUEST" > /dev/null 2>&1; then
			last=$(grep -E -m1 'Kernel panic|BUG|Oops' /var/log/xen/console/guest-$GUEST.log 2>/dev/null)
			fail "guest domain died before it answered${last:+: $last} (see guest-console-$GUEST.log)"
		fi
		if [ $(( $(date +%s) - t0 )) -ge "$limit" ]; then
			tail -n 15 /var/log/xen/console/guest-$GUEST.log 2>/dev/null | sed 's/^/  guest: /'
			fail "guest did not answer within $limit s (see guest-console-$GUEST.log)"
		fi
	done
}

# guest_sh COMMANDS: run shell commands in the guest, print their output.
guest_sh() {
	printf '%s\nexit\n' "$1" | nc -w 30 "$GUEST_IP" "$GUEST_CTL_PORT"
}

guest_count() { xl list | awk 'NR > 1 && $2 != 0' | wc -l; }
