# about: benchmark: what dirty tracking costs a program that writes memory, tracking on against off in the same run, as a ratio
# timeout: 1800
#
# A memory-write benchmark (selfmig-workload anon-seq and anon-random over
# BENCH_MIB, 64 MiB by default or a quarter of a smaller guest, each page
# checked and rewritten) runs in the
# guest for BENCH_SECONDS (15) with the tracker off, then on, alternating,
# BENCH_REPS times (3).  "On" is the module's tracker alone (scan_test:
# clears dirty bits and flushes TLBs every scan_test_ms, sends nothing), at
# BENCH_INTERVALS ms between scans ("1000 100": about a pre-copy round on this
# testbed, and ten times as often).  The figure is the benchmark's MiB/s with
# tracking over its MiB/s without, the median of the repetitions; the
# overhead is 1 minus it.  No pass/fail on the figure: timings belong to
# benchmarks (make bench prints and files them).
q=$(( ${MEMORY:-256} / 4 ))
BENCH_MIB=${BENCH_MIB:-$(( q < 64 ? q : 64 ))}
BENCH_SECONDS=${BENCH_SECONDS:-15}
BENCH_REPS=${BENCH_REPS:-3}
BENCH_INTERVALS=${BENCH_INTERVALS:-1000 100}
guest_create
guest_wait_ready 240

# bench_one WORKLOAD: MiB/s over BENCH_SECONDS
bench_one() {
	guest_sh "selfmig-workload $1 --mib $BENCH_MIB --seconds $BENCH_SECONDS 2>&1 | tail -n 1" |
		awk '/ done t=/ { for (i = 1; i <= NF; i++) { if ($i ~ /^t=/) { t = substr($i, 3) + 0 }
			if ($i ~ /^MiB_written=/) { m = substr($i, 13) + 0 } }
			if (t > 0) printf "%.3f\n", m / t }'
}

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }

json=
for w in anon-seq anon-random; do
	for iv in $BENCH_INTERVALS; do
		guest_sh "echo $iv > /sys/module/selfmig/parameters/scan_test_ms" ||
			fail "cannot set scan_test_ms"
		offs= ons= ratios=
		r=1
		while [ "$r" -le "$BENCH_REPS" ]; do
			step "$w, scans every $iv ms, repetition $r of $BENCH_REPS: tracking off"
			off=$(bench_one "$w")
			step "$w, scans every $iv ms, repetition $r of $BENCH_REPS: tracking on"
			guest_sh "echo $((BENCH_SECONDS + 5)) > /sys/module/selfmig/parameters/scan_test" ||
				fail "cannot start the tracker (scan_test)"
			on=$(bench_one "$w")
			# Let this tracker end before the next measurement without it.
			sleep 6
			[ -n "$off" ] && [ -n "$on" ] || fail "$w: the benchmark printed no rate (off '$off', on '$on')"
			ratio=$(awk -v a="$on" -v b="$off" 'BEGIN { printf "%.4f", a / b }')
			log "$w, every $iv ms: off $off MiB/s, on $on MiB/s, ratio $ratio"
			offs="$offs $off" ons="$ons $on" ratios="$ratios $ratio"
			r=$((r + 1))
		done
		mr=$(echo "$ratios" | median)
		lo=$(echo "$ratios" | tr ' ' '\n' | grep -v '^$' | sort -g | head -n 1)
		hi=$(echo "$ratios" | tr ' ' '\n' | grep -v '^$' | sort -g | tail -n 1)
		log "$w, scans every $iv ms: ratio on/off median $mr (min $lo, max $hi); overhead $(awk -v r="$mr" 'BEGIN { printf "%.1f", (1 - r) * 100 }') %"
		json="$json${json:+,}{\"workload\":\"$w\",\"interval_ms\":$iv,\"off_mib_s\":[$(echo $offs | tr ' ' ',')],\"on_mib_s\":[$(echo $ons | tr ' ' ',')],\"ratio_median\":$mr,\"ratio_min\":$lo,\"ratio_max\":$hi}"
	done
done
guest_sh 'dmesg | grep "scan test"' | tail -n 4
field results "[$json]"
field mib "$BENCH_MIB"
field seconds "$BENCH_SECONDS"
field reps "$BENCH_REPS"
ok
