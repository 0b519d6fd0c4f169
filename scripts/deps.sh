#!/usr/bin/env bash
# Install what the project needs from Debian's packages, if it is missing.
# Idempotent: with everything present it only checks and returns.
set -euo pipefail
pkgs=(
	# the emulated testbed
	qemu-system-x86 xen-hypervisor-4.17-amd64 xen-utils-4.17 xen-doc
	linux-image-amd64 busybox-static cpio tcpdump
	# the single-level testbed (tests/native: network namespace, tap;
	# busybox-static's nc reaches the guest's control shell)
	iproute2
	# guest kernel and module
	linux-source-6.1 build-essential dpkg-dev flex bison bc libelf-dev libssl-dev kmod xz-utils
	# userspace
	libxen-dev zlib1g-dev python3
	# selfmigctl: selfmig.ko's generic netlink family
	libnl-genl-3-dev
	# fuzzing (libFuzzer)
	clang libclang-rt-14-dev
	# benchmarks' plots
	gnuplot-nox
)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}"
if [ "$(id -u)" != 0 ]; then
	echo "deps: not root; run as root: apt-get install ${missing[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" > /tmp/selfmig-deps.log 2>&1 || {
	echo "deps: apt-get install failed; last lines of /tmp/selfmig-deps.log:" >&2
	tail -n 20 /tmp/selfmig-deps.log >&2
	exit 1
}
echo "deps: done"
