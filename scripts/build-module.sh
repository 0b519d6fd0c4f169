#!/usr/bin/env bash
# Build selfmig.ko out of tree against the project's guest kernel.  The sources
# are mirrored into build/module/ so that Kbuild's objects never land in the
# source tree.  Prints the path of selfmig.ko.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
ktree=$("$top"/kernel/build.sh)
# The debug kernel (SELFMIG_KERNEL=debug) gets its own module directory: a
# module built for one kernel does not load into the other.
out=$top/build/module${SELFMIG_KERNEL:+-$SELFMIG_KERNEL}
mkdir -p "$out"
# Mirror only what Kbuild needs; keep old objects so rebuilds are incremental.
for d in selfmig pvops-hooks; do
	mkdir -p "$out/$d"
	(cd "$top" && find "$d" -type f \( -name '*.c' -o -name '*.h' \) -print0) |
		while IFS= read -r -d '' f; do
			mkdir -p "$out/$(dirname "$f")"
			cmp -s "$top/$f" "$out/$f" || cp "$top/$f" "$out/$f"
		done
done
cmp -s "$top/Kbuild" "$out/Kbuild" || cp "$top/Kbuild" "$out/Kbuild"
if ! make -C "$ktree" M="$out" SELFMIG_FAULTS="${FAULTS:-1}" -j"$(nproc)" modules > "$out/build.log" 2>&1; then
	echo "selfmig.ko: build FAILED:" >&2
	grep -E 'error|warning' "$out/build.log" | head -n 30 >&2 || tail -n 30 "$out/build.log" >&2
	exit 1
fi
if grep -q 'warning:' "$out/build.log"; then
	echo "selfmig.ko: the build has warnings (treated as errors):" >&2
	grep 'warning:' "$out/build.log" >&2
	exit 1
fi
echo "$out/selfmig.ko"
