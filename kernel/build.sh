#!/usr/bin/env bash
# Build the selfmig guest kernel from Debian's linux-source-6.1, the patches in
# patches/ and the fragment kernel/guest.config.  The result is cached under
# build/kernel/<hash>/, where <hash> covers every input, so an unchanged tree is
# never rebuilt.  Prints the kernel tree's path on success.
#
#   kernel/build.sh [--print-dir]
#
# SELFMIG_KERNEL=debug adds kernel/debug.config (DEBUG_VM, PAGE_TABLE_CHECK,
# KASAN) on top: a second kernel with its own cache key, linked as
# build/kernel/current-debug instead of build/kernel/current.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
tarball=/usr/src/linux-source-6.1.tar.xz
frags=("$top/kernel/guest.config")
link=current
case "${SELFMIG_KERNEL:-}" in
'') ;;
debug) frags+=("$top/kernel/debug.config"); link=current-debug ;;
*) echo "kernel/build.sh: SELFMIG_KERNEL=${SELFMIG_KERNEL}: only 'debug' is known" >&2; exit 1 ;;
esac
jobs=${JOBS:-$(nproc)}

die() { echo "kernel/build.sh: $*" >&2; exit 1; }

[ -f "$tarball" ] || die "$tarball is missing: run 'make deps' (installs linux-source-6.1)"

srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null) || die "linux-source-6.1 is not installed"
hash=$( { echo "linux-source-6.1 $srcver"
          sha256sum "${frags[@]}" "$0"
          for p in "$top"/patches/*.patch; do if [ -e "$p" ]; then sha256sum "$p"; fi; done
        } | sed "s|$top/||" | sha256sum | cut -c1-16)

out=$top/build/kernel/$hash
tree=$out/linux

if [ "${1:-}" = "--print-dir" ]; then
	echo "$tree"
	exit 0
fi

if [ -f "$out/.done" ]; then
	ln -sfn "$hash" "$top/build/kernel/$link"
	echo "$tree"
	exit 0
fi

log=$top/build/logs/kernel-build.log
mkdir -p "$out" "$(dirname "$log")"
rm -rf "$tree"
echo "guest kernel: building $hash from linux-source-6.1 $srcver (about 10 min on 2 cores); log: $log" >&2

{
	mkdir -p "$tree"
	tar -xf "$tarball" -C "$tree" --strip-components=1
	for p in "$top"/patches/*.patch; do
		[ -e "$p" ] || continue
		echo "applying $(basename "$p")"
		patch -d "$tree" -p1 --forward --batch < "$p"
	done
	make -C "$tree" -s tinyconfig
	(cd "$tree" && KCONFIG_CONFIG=.config scripts/kconfig/merge_config.sh -m .config "${frags[@]}")
	make -C "$tree" -s olddefconfig
	# Every line of the fragment must have survived dependency resolution.
	missing=0
	while IFS= read -r line; do
		case "$line" in CONFIG_*=*) ;; *) continue ;; esac
		if ! grep -qx "$line" "$tree/.config"; then
			echo "config: fragment line '$line' did not survive olddefconfig"
			missing=1
		fi
	done < <(cat "${frags[@]}")
	[ "$missing" = 0 ] || exit 1
	make -C "$tree" -j"$jobs" bzImage modules
	make -C "$tree" -s modules_prepare
} > "$log" 2>&1 &
pid=$!
start=$(date +%s)
while kill -0 "$pid" 2>/dev/null; do
	sleep 30
	kill -0 "$pid" 2>/dev/null || break
	# Count objects on disk: a "make -s" above us silences Kbuild's CC lines.
	echo "guest kernel: still building ($(( $(date +%s) - start )) s, $(find "$tree" -name '*.o' 2>/dev/null | wc -l) objects)" >&2
done
if ! wait "$pid"; then
	echo "guest kernel: build FAILED; last lines of $log:" >&2
	tail -n 30 "$log" >&2
	exit 1
fi
cp "$tree/arch/x86/boot/bzImage" "$out/bzImage"
touch "$out/.done"
ln -sfn "$hash" "$top/build/kernel/$link"
echo "guest kernel: built in $(( $(date +%s) - start )) s" >&2
echo "$tree"
