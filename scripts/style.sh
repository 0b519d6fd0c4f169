#!/usr/bin/env bash
# Kernel style for kernel code: checkpatch.pl from the project's guest kernel
# tree, over every source file of the module.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
ktree=$("$top"/kernel/build.sh --print-dir)
[ -x "$ktree/scripts/checkpatch.pl" ] || { echo "style: no kernel tree yet: run 'make kernel'" >&2; exit 1; }
cd "$top"
# BIT_MACRO: the uapi header is shared with userspace, which has no BIT_ULL().
# CAMELCASE: the kernel's own zlib API (zlib_deflateInit, ...) is camel case.
files=$(ls selfmig/*.[ch] selfmig/core/*.[ch] selfmig/uapi/*.h pvops-hooks/*.[ch] 2>/dev/null)
"$ktree/scripts/checkpatch.pl" --no-tree --strict --terse --show-types \
	--ignore SPDX_LICENSE_TAG,FILE_PATH_CHANGES,CONCATENATED_STRING,PREFER_KERNEL_TYPES,BIT_MACRO,CAMELCASE \
	-f $files
