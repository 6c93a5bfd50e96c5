#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# 'make bench': boot the guest kernel five times; time its own boot to
# /init against seven starts of the same kernel as an instance on CPUs
# 2-3, to the same point;
# time message round trips to the instance against
# smp_call_function_single() between two host CPUs, and floods of
# messages one way; then, on this machine, the ring in user space
# against Concurrency Kit's. Each comparison is measured in one run;
# under TCG only the ratios mean anything.

. "$(dirname "$0")/common.sh"

# RUNS=N: the whole bench N times, each its own QEMU runs, then the
# least, median and largest of every ratio.
runs=${RUNS:-1}
case "$runs" in
'' | *[!0-9]* | 0) die "RUNS must be a number of runs, 1 or more, not '$runs'" ;;
esac
if [ "$runs" -gt 1 ]; then
	mkdir -p "$B/results"
	rm -f "$B"/results/bench.[0-9]*
	for i in $(seq 1 "$runs"); do
		note "bench run $i of $runs"
		RUNS=1 BENCH_OUT="$B/results/bench.$i" "$0" >/dev/null ||
			die "bench run $i failed"
	done
	{
		echo "Spread of $runs runs of 'make bench' (each ratio as measured in"
		echo "one QEMU run; the tables are in build/results/bench.N)"
		printf '%-48s %7s %7s %7s  %s\n' "ratio" "min" "median" "max" "goal"
		grep -h '^ratio' "$B"/results/bench.[0-9]* | awk '
			{
				label = substr($0, 1, 48)
				sub(/ +$/, "", label)
				rest = substr($0, 49)
				split(rest, f, " ")
				goal = rest
				sub(/^ *[0-9.]+ */, "", goal)
				sub(/: .*/, ")", goal)
				if (!(label in n))
					order[++labels] = label
				v[label, ++n[label]] = f[1]
				g[label] = goal
			}
			END {
				for (i = 1; i <= labels; i++) {
					l = order[i]
					k = n[l]
					# Sort the values of this label.
					for (a = 1; a <= k; a++)
						s[a] = v[l, a] + 0
					for (a = 1; a <= k; a++)
						for (b = a + 1; b <= k; b++)
							if (s[b] < s[a]) {
								t = s[a]; s[a] = s[b]; s[b] = t
							}
					printf "%-48s %7.2f %7.2f %7.2f  %s\n", l, s[1],
						s[int((k + 1) / 2)], s[k], g[l]
				}
			}'
	} | tee "$B/results/bench-spread"
	exit 0
fi

# Both kernels boot quiet, with the same arguments: four boots that only
# note when the host ran /init, then the bench boot, which does too.
args="multikernel_pool=512M kunit.enable=0 quiet"
for i in 1 2 3 4; do
	"$ROOT"/harness/qemu.sh guest boottime-$i "mktest.mode=boottime $args" ||
		die "boot time boot $i failed; see build/logs/boottime-$i.log"
done
"$ROOT"/harness/qemu.sh guest bench "mktest.mode=bench $args" ||
	die "the bench boot failed; see build/logs/bench.log"
log=$B/logs/bench.log
# median: the middle of the numbers on stdin.
median() {
	sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}
host_all=$(cat "$B"/logs/boottime-[1-4].log "$log" |
	sed -n 's/^MKBENCH host_init_us \([0-9]*\).*/\1/p')
host=$(echo "$host_all" | median)
nhost=$(echo "$host_all" | grep -c .)
# Each start's phases: the host's preparation, the kick to the
# instance's clock (INIT-SIPI, purgatory, decompression), its clock to
# hello (both from sysfs), then hello to /init on its own clock.
runs=$(sed -n 's/^MKBENCH spawn_boot_us \([0-9]*\) hello_us \([0-9]*\) init_us \([0-9]*\) prepare_us \([0-9]*\) entry_us \([0-9]*\) kernel_us \([0-9]*\) kind \([a-z]*\).*/\1 \2 \3 \4 \5 \6 \7/p' "$log")
n=$(echo "$runs" | grep -c .)
[ "$nhost" -ge 1 ] && [ -n "$host" ] && [ "$host" -gt 0 ] && [ "$n" -ge 1 ] ||
	die "no boot times in build/logs/bench.log"
# 'start' to /init: preparation, kick to hello, hello to /init.
spawn=$(echo "$runs" | awk '{ print $4 + $1 + $3 - $2 }')
# The first start after the load; restarts (stop, then start, no
# reload) right after the stop, which wait for the host to wipe the last
# run's memory and put the image back; restarts 5 s after the stop, when
# that is done.
first=$(echo "$runs" | awk '$7 == "first"' | head -n 1)
again=$(echo "$runs" | awk '$7 == "again"')
rested=$(echo "$runs" | awk '$7 == "rested"')
nagain=$(echo "$again" | grep -c .)
nrested=$(echo "$rested" | grep -c .)
[ -n "$first" ] && [ "$nagain" -ge 1 ] && [ "$nrested" -ge 1 ] ||
	die "no first start, or no restarts, in build/logs/bench.log"
# phase EXPR: EXPR of the first start, then the medians of both kinds
# of restart, in ms.
phase() {
	f=$(echo "$first" | awk "{ print $1 }")
	a=$(echo "$again" | awk "{ print $1 }" | median)
	r=$(echo "$rested" | awk "{ print $1 }" | median)
	printf '%12.1f %12.1f %12.1f' "$(echo "$f / 1000" | bc -l)" \
		"$(echo "$a / 1000" | bc -l)" "$(echo "$r / 1000" | bc -l)"
}

# val NAME: a number the guest printed as "MKBENCH NAME N".
val() {
	sed -n "s/^MKBENCH $1 \([0-9]*\).*/\1/p" "$log" | tail -n 1
}
for v in rtt_rtt_median_ns rtt_ipi_median_ns rtt_pp_median_ns rtt_out_median_ns \
	tput64_count tput64_doorbells \
	net_to_inst_mbit_s net_from_inst_mbit_s veth_to_ns_mbit_s \
	veth_from_ns_mbit_s net_rr_median_us veth_rr_median_us net_bytes; do
	[ -n "$(val $v)" ] || die "no message benchmark ($v) in $log"
done

# The ring in user space, built from kernel/multikernel/ring.c.
note "building and running the user-space ring benchmark"
make -s -C "$KSRC/tools/testing/selftests/multikernel" OUTPUT="$B" ring_bench ||
	die "cannot build the ring benchmark"
"$B/ring_bench" "${RING_BENCH_COUNT:-1000000}" >"$B/logs/ring_bench.log" ||
	die "the ring benchmark failed"
# best NAME max|min: the better of its runs.
best() {
	sed -n "s/^$1 //p" "$B/logs/ring_bench.log" | sort -n |
		if [ "$2" = max ]; then tail -n 1; else head -n 1; fi
}

mkdir -p "$B/results"
{
	echo "Boot time to the moment each kernel runs /init, as its own log says;"
	echo "QEMU TCG (SMP=${SMP:-4}), guest kernel, both booted quiet, KUnit off"
	printf '%-48s %12s\n' "measurement" "ms"
	printf '%-48s %12.1f\n' "host: its clock's start to /init, median of $nhost" "$(echo "$host / 1000" | bc -l)"
	printf '%-48s %12s\n' "host: all boots" "$(echo "$host_all" | awk '{ printf "%s%.0f", sep, $1 / 1000; sep = " " }')"
	echo
	printf '%-48s %12s %12s %12s\n' "spawned, in ms" "first start" "restart" "after 5 s"
	printf '%-48s %s\n' "'start' to /init" "$(phase '$4 + $1 + $3 - $2')"
	printf '%-48s %s\n' "  phase: host prepares (CPUs, wipe, image, rings)" "$(phase '$4')"
	printf '%-48s %s\n' "  phase: kick to its clock (purgatory, unzip)" "$(phase '$5')"
	printf '%-48s %s\n' "  phase: its clock's start to hello" "$(phase '$6')"
	printf '%-48s %s\n' "  phase: hello to /init" "$(phase '$3 - $2')"
	echo "  (restart: right after the stop, the median of $nagain; after 5 s," \
		"of $nrested; all runs:"
	echo "   $(echo "$spawn" | awk '{ printf "%s%.0f", sep, $1 / 1000; sep = " " }') ms)"
	start=$(echo "$first" | awk '{ print $4 + $1 + $3 - $2 }')
	ratio=$(echo "$start / $host" | bc -l)
	verdict=met
	[ "$(echo "$ratio <= 0.3" | bc)" = 1 ] || verdict="NOT met"
	printf '%-48s %12.2f  (goal <= 0.30: %s)\n' "ratio spawned start / host, to /init" "$ratio" "$verdict"
	for k in again:"restart / host" rested:"restart after 5 s / host"; do
		restart=$(echo "$runs" | awk -v k="${k%%:*}" '$7 == k { print $4 + $1 + $3 - $2 }' | median)
		ratio=$(echo "$restart / $host" | bc -l)
		verdict=met
		[ "$(echo "$ratio <= 0.2" | bc)" = 1 ] || verdict="NOT met"
		printf '%-48s %12.2f  (goal <= 0.20: %s)\n' "ratio spawned ${k#*:}, to /init" "$ratio" "$verdict"
	done
	echo "The host's figure starts when its clock does, after firmware and"
	echo "decompression; the spawned one at 'start', so it also spans the"
	echo "INIT-SIPI, purgatory's SHA-256 of the image and the decompression."
	echo
	echo "Messages, same QEMU run, host CPU <-> instance on CPUs 2-3"
	rtt=$(val rtt_rtt_median_ns)
	ipi=$(val rtt_ipi_median_ns)
	printf '%-48s %12s\n' "measurement" "us"
	printf '%-48s %12.1f\n' "64 B round trip, host busy-polls, median" "$(echo "$rtt / 1000" | bc -l)"
	printf '%-48s %12.1f\n' "64 B round trip, host busy-polls, p99" "$(echo "$(val rtt_rtt_p99_ns) / 1000" | bc -l)"
	printf '%-48s %12.1f\n' "64 B round trip, doorbells both ways, median" "$(echo "$(val rtt_irq_median_ns) / 1000" | bc -l)"
	printf '%-48s %12.1f\n' "64 B round trip, doorbells both ways, p99" "$(echo "$(val rtt_irq_p99_ns) / 1000" | bc -l)"
	printf '%-48s %12.1f\n' "smp_call_function_single() $(val rtt_ipi_cpus), median" "$(echo "$ipi / 1000" | bc -l)"
	printf '%-48s %12.1f\n' "smp_call_function_single(), p99" "$(echo "$(val rtt_ipi_p99_ns) / 1000" | bc -l)"
	printf '%-48s %12.1f\n' "  way there (host send to instance), median" "$(echo "$(val rtt_out_median_ns) / 1000" | bc -l)"
	printf '%-48s %12.1f\n' "  way there, p99" "$(echo "$(val rtt_out_p99_ns) / 1000" | bc -l)"
	printf '%-48s %12.1f\n' "  way back (instance to host sees pong), median" "$(echo "$(val rtt_back_median_ns) / 1000" | bc -l)"
	printf '%-48s %12.1f\n' "  way back, p99" "$(echo "$(val rtt_back_p99_ns) / 1000" | bc -l)"
	printf '%-48s %12s\n' "  slowest 1%: share of time on the way there, %" "$(val rtt_tail_out_pct)"
	printf '%-48s %12.1f\n' "host CPU <-> host CPU, busy-poll, median" "$(echo "$(val rtt_pp_median_ns) / 1000" | bc -l)"
	printf '%-48s %12.1f\n' "host CPU <-> host CPU, busy-poll, p99" "$(echo "$(val rtt_pp_p99_ns) / 1000" | bc -l)"
	ratio=$(echo "$(val rtt_rtt_p99_ns) / $rtt" | bc -l)
	verdict=met
	[ "$(echo "$ratio <= 10" | bc)" = 1 ] || verdict="NOT met"
	printf '%-48s %12.1f  (goal <= 10: %s)\n' "ratio busy-poll round trip, p99 / median" "$ratio" "$verdict"
	printf '%-48s %12.1f\n' "ratio host <-> host busy-poll, p99 / median" \
		"$(echo "$(val rtt_pp_p99_ns) / $(val rtt_pp_median_ns)" | bc -l)"
	ratio=$(echo "$rtt / $ipi" | bc -l)
	verdict=met
	[ "$(echo "$ratio <= 1.25" | bc)" = 1 ] || verdict="NOT met"
	printf '%-48s %12.2f  (goal <= 1.25: %s)\n' "ratio busy-poll round trip / smp_call_function" "$ratio" "$verdict"
	printf '%-48s %12.2f\n' "ratio doorbell round trip / smp_call_function" "$(echo "$(val rtt_irq_median_ns) / $ipi" | bc -l)"
	for s in 64 4k; do
		printf '%-48s %12s\n' "one way, $s messages: messages/s" "$(val tput${s}_messages_per_s)"
		printf '%-48s %12.1f\n' "one way, $s messages: MB/s" "$(echo "$(val tput${s}_bytes_per_s) / 1000000" | bc -l)"
		dpm=$(echo "$(val tput${s}_doorbells) / $(val tput${s}_count)" | bc -l)
		verdict=met
		[ "$(echo "$dpm <= 0.05" | bc)" = 1 ] || verdict="NOT met"
		printf '%-48s %12.4f  (goal <= 0.05: %s)\n' "one way, $s messages: doorbells per message" "$dpm" "$verdict"
	done
	echo
	echo "TCP, same QEMU run: host <-> instance 1 over mk1/mk0 against host <->"
	echo "a network namespace over a veth pair; $(val net_bytes) bytes per stream"
	printf '%-48s %12s\n' "measurement" "value"
	for d in to_inst:to_ns from_inst:from_ns; do
		mk=${d%%:*}
		veth=${d##*:}
		printf '%-48s %12s\n' "mk link, ${mk/_/ }: Mbit/s" "$(val net_${mk}_mbit_s)"
		printf '%-48s %12s\n' "veth, ${veth/_/ }: Mbit/s" "$(val veth_${veth}_mbit_s)"
		ratio=$(echo "$(val net_${mk}_mbit_s) / $(val veth_${veth}_mbit_s)" | bc -l)
		verdict=met
		[ "$(echo "$ratio >= 0.5" | bc)" = 1 ] || verdict="NOT met"
		printf '%-48s %12.2f  (goal >= 0.50: %s)\n' "ratio mk / veth, throughput ${mk/_/ }" "$ratio" "$verdict"
		printf '%-48s %12.4f\n' "mk link, ${mk/_/ }: doorbells per message" \
			"$(echo "$(val net_${mk}_doorbells) / $(sed -n "s/^MKBENCH net_${mk}_doorbells [0-9]* messages \([0-9]*\).*/\1/p" "$log")" | bc -l)"
	done
	printf '%-48s %12s\n' "mk link, 64 B round trip median, us" "$(val net_rr_median_us)"
	printf '%-48s %12s\n' "mk link, 64 B round trip p99, us" "$(sed -n 's/^MKBENCH net_rr_median_us [0-9]* p99_us \([0-9]*\).*/\1/p' "$log")"
	printf '%-48s %12s\n' "veth, 64 B round trip median, us" "$(val veth_rr_median_us)"
	ratio=$(echo "$(val net_rr_median_us) / $(val veth_rr_median_us)" | bc -l)
	verdict=met
	[ "$(echo "$ratio <= 2.0" | bc)" = 1 ] || verdict="NOT met"
	printf '%-48s %12.2f  (goal <= 2.00: %s)\n' "ratio mk / veth, round trip" "$ratio" "$verdict"
	echo
	printf '%-48s %12.1f\n' "zeroing pool memory (load, restart): MB/s" "$(echo "$(val wipe_bytes_per_s) / 1000000" | bc -l)"
	printf '%-48s %12.1f\n' "zeroing: longest stretch without a reschedule, us" "$(echo "$(val wipe_piece_max_ns) / 1000" | bc -l)"
	echo
	echo "Ring in user space on this machine, two pinned threads, 64 B messages,"
	echo "64 KiB of ring each, best of two runs (mk: with the kernel's doorbell"
	echo "check, a full barrier, after each send of a round trip and once per"
	echo "32 sends or a full ring for throughput; mkpoll: without, for a"
	echo "consumer that never sleeps, as ck_ring assumes)"
	printf '%-48s %12s\n' "measurement" "value"
	for r in mk mkpoll ck; do
		printf '%-48s %12s\n' "$r: messages/s" "$(best ${r}_msgs_per_s max)"
		printf '%-48s %12s\n' "$r: round trip median, ns" "$(best ${r}_rtt_median_ns min)"
	done
	for r in mk mkpoll; do
		ratio=$(echo "$(best ${r}_msgs_per_s max) / $(best ck_msgs_per_s max)" | bc -l)
		verdict=met
		[ "$(echo "$ratio >= 1.0" | bc)" = 1 ] || verdict="NOT met"
		printf '%-48s %12.2f  (goal >= 1.00: %s)\n' "ratio $r / ck_ring, throughput" "$ratio" "$verdict"
		ratio=$(echo "$(best ${r}_rtt_median_ns min) / $(best ck_rtt_median_ns min)" | bc -l)
		verdict=met
		[ "$(echo "$ratio <= 1.0" | bc)" = 1 ] || verdict="NOT met"
		printf '%-48s %12.2f  (goal <= 1.00: %s)\n' "ratio $r / ck_ring, round trip" "$ratio" "$verdict"
	done
} | tee "${BENCH_OUT:-$B/results/bench}"
