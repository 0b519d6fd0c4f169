#!/usr/bin/env bash
# Build Debian's Xen hypervisor from Debian's own source package with one
# configuration change, for testbed experiments (docs/testbed.md).
#
#   scripts/build-xen.sh shadow
#
# Variants:
#   shadow   CONFIG_SHADOW_PAGING=y: guests can run with `hap = 0`, so that
#            Xen's own shadow page tables replace the emulated CPU's nested
#            paging.  Debian's build leaves shadow paging out.
#
# The source is bookworm's xen (4.17.5: the security archive serves no
# source here); the starting configuration is Debian's (/boot/xen-4.17-amd64.config, from
# xen-hypervisor-4.17-amd64); only the hypervisor is built, and it runs with
# Debian's installed tools.  The result is build/xen/VARIANT-KEY/xen, where
# KEY hashes the source version and the final configuration, and
# build/xen/VARIANT points to it.  tests/xen/run builds and boots the
# shadow variant by default (TESTBED_XEN=shadow).  It takes about 6 minutes on 2 cores, and adds a deb-src line
# for bookworm when none is there (as root; the only change it makes
# outside build/).
set -euo pipefail
variant=${1:?usage: scripts/build-xen.sh shadow}
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/xen
base=/boot/xen-4.17-amd64.config
die() { echo "build-xen: $*" >&2; exit 1; }

case $variant in
shadow) option=SHADOW_PAGING ;;
*) die "unknown variant '$variant' (known: shadow)" ;;
esac
[ -r "$base" ] || die "$base missing: install xen-hypervisor-4.17-amd64 (make deps)"
command -v dpkg-source > /dev/null || die "dpkg-source missing: apt-get install dpkg-dev"

mkdir -p "$out/src"
cd "$out/src"
if ! ls -d xen-4.17*/ > /dev/null 2>&1; then
	if ! apt-cache showsrc xen/bookworm 2>/dev/null | grep -q '^Package: xen'; then
		# Debian's sources are served, but a fresh machine lists no deb-src.
		srclist=/etc/apt/sources.list.d/selfmig-deb-src.list
		[ "$(id -u)" = 0 ] || die "no deb-src line for bookworm; as root, add one to $srclist: deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main"
		echo "build-xen: adding $srclist (Debian's source packages)"
		echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main" > "$srclist"
		apt-get update -q > update.log 2>&1 || die "apt-get update failed; see $out/src/update.log"
	fi
	echo "build-xen: fetching Debian's xen source package"
	apt-get source --download-only xen/bookworm > fetch.log 2>&1 ||
		die "apt-get source xen failed (is there a deb-src line for bookworm?); see $out/src/fetch.log"
	dpkg-source -x xen_*.dsc > extract.log 2>&1 || die "unpacking failed; see $out/src/extract.log"
fi
src=$(ls -d "$out"/src/xen-4.17*/ | head -n 1)
version=$(basename "$src")

work=$out/work-$variant
rm -rf "$work"
cp -a "$src" "$work"
work=$work/xen
cp "$base" "$work/.config"
# A later line wins in Kconfig; olddefconfig then settles what depends on it.
echo "CONFIG_$option=y" >> "$work/.config"
make -C "$work" olddefconfig > "$out/$variant-config.log" 2>&1 || die "olddefconfig failed; see $out/$variant-config.log"
grep -q "^CONFIG_$option=y" "$work/.config" || die "CONFIG_$option did not stick in $work/.config"
key=$( { echo "$version"; grep '^CONFIG_' "$work/.config" | sort; } | sha256sum | cut -c1-16)
dest=$out/$variant-$key
if [ -s "$dest/xen" ]; then
	echo "build-xen: cached: $dest/xen"
else
	echo "build-xen: building $version with CONFIG_$option=y (log: $out/$variant-build.log)"
	make -C "$work" -j"$(nproc)" > "$out/$variant-build.log" 2>&1 || die "the build failed; see $out/$variant-build.log"
	mkdir -p "$dest"
	cp "$work/xen" "$dest/xen"
	cp "$work/.config" "$dest/config"
	echo "$version" > "$dest/version"
fi
ln -sfn "$(basename "$dest")" "$out/$variant"
rm -rf "$out/work-$variant"
echo "build-xen: $out/$variant/xen ($version)"
