#!/usr/bin/env bash
# make self-check: self-migration's acceptance on the Xen testbed.
#   1. self-migrate, self-migrate-idle, self-migrate-verify, self-abort and
#      self-pingpong on the default guest (256 MiB, 1 vCPU);
#   2. self-migrate and self-migrate-verify with 2 vCPUs;
#   3. self-migrate with a 1 GiB guest;
#   4. self-migrate with a self-checking workload (scripts/workload-check.sh).
# The logs of a variant go to build/logs/<scenario>-<variant>/ (2vcpu, 1gib,
# stale-check), so that no part replaces another's.  Every part runs even
# when an earlier one failed; the summary names each part's outcome.
#   SELF_CHECK_PARTS="main 2vcpu 1gib workload" picks parts (default: all).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

parts=${SELF_CHECK_PARTS:-main 2vcpu 1gib workload}
summary=()
rc=0

# variant SUFFIX "RUN ARGS" SCENARIO...: the scenarios with extra options,
# their logs renamed with -SUFFIX, any logs of the plain scenario kept.
variant() {
	local suffix=$1 args=$2 s r
	shift 2
	for s in "$@"; do
		if [ -d "build/logs/$s" ]; then
			rm -rf "build/logs/$s.kept"
			mv "build/logs/$s" "build/logs/$s.kept"
		fi
	done
	# shellcheck disable=SC2086
	tests/xen/run $args "$@"
	r=$?
	for s in "$@"; do
		rm -rf "build/logs/$s-$suffix"
		[ -d "build/logs/$s" ] && mv "build/logs/$s" "build/logs/$s-$suffix"
		[ -d "build/logs/$s.kept" ] && mv "build/logs/$s.kept" "build/logs/$s"
	done
	return "$r"
}

part() {
	local name=$1 r
	shift
	echo "self-check: part $name"
	"$@"
	r=$?
	if [ $r = 0 ]; then
		summary+=("self-check: $name: passed")
	else
		summary+=("self-check: $name: FAILED (exit $r)")
		rc=1
	fi
}

for p in $parts; do
	case $p in
	main) part main tests/xen/run self-migrate self-migrate-idle \
		self-migrate-verify self-abort self-pingpong ;;
	2vcpu) part "2 vCPUs" variant 2vcpu "--vcpus 2" self-migrate \
		self-migrate-verify ;;
	1gib) part "1 GiB guest" variant 1gib "--memory 1024" self-migrate ;;
	workload) part "self-checking workload" scripts/workload-check.sh \
		self-migrate ;;
	*) echo "self-check: unknown part '$p' (main 2vcpu 1gib workload)" >&2
		exit 2 ;;
	esac
done
printf '%s\n' "${summary[@]}"
exit $rc
