#!/usr/bin/env bash
# `make fuzz`: replay each fuzzer's regression inputs (tests/fuzz/regress-NAME/),
# then fuzz for SECONDS from the seed corpus plus what earlier runs found
# (build/fuzz/corpus-NAME/).  Prints "fuzz: PASS NAME ..." or "fuzz: FAIL NAME
# ..." per fuzzer; a crash's input is kept as build/fuzz/crash-NAME-*, to be
# copied into tests/fuzz/regress-NAME/ once fixed.
#   scripts/fuzz.sh SECONDS NAME...
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
secs=${1:?usage: fuzz.sh SECONDS NAME...}; shift
b=build/fuzz
mkdir -p "$b/corpus-fuzz_receive" "$b/corpus-fuzz_notice" "$b/corpus-fuzz_xenstream" \
	"$b/corpus-fuzz_assemble"
"$b/mkseeds" "$b/corpus-fuzz_receive" "$b/corpus-fuzz_notice" "$b/corpus-fuzz_xenstream" \
	"$b/corpus-fuzz_assemble" || { echo "fuzz: FAIL seeds"; exit 1; }
rc=0
for f in "$@"; do
	log=$b/$f.log
	reg=tests/fuzz/regress-$f
	if [ -d "$reg" ] && [ -n "$(ls -A "$reg")" ]; then
		if ! "$b/$f" -runs=0 "$reg"/* > "$log.regress" 2>&1; then
			echo "fuzz: FAIL $f: a regression input fails again (see $log.regress)"
			rc=1
			continue
		fi
	fi
	if "$b/$f" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$b/crash-$f-" "$b/corpus-$f" > "$log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		echo "fuzz: PASS $f: ${runs:-?} inputs in $secs s, corpus $(ls "$b/corpus-$f" | wc -l) files"
	else
		echo "fuzz: FAIL $f: $(grep -m1 -E 'ERROR|runtime error|deadly signal' "$log") (see $log; input in $b/crash-$f-*)"
		rc=1
	fi
done
exit $rc
