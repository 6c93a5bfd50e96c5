#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# 'make bench': boot the guest kernel once, time its own boot to init and
# five starts of the same kernel as an instance on CPUs 2-3, and print
# the ratio. Both are measured in the same QEMU run; under TCG only the
# ratio means anything.

. "$(dirname "$0")/common.sh"

"$ROOT"/harness/qemu.sh guest bench "mktest.mode=bench multikernel_pool=512M kunit.enable=0" ||
	die "the bench boot failed; see build/logs/bench.log"
log=$B/logs/bench.log
host=$(sed -n 's/^MKBENCH host_boot_us \([0-9]*\).*/\1/p' "$log")
spawn=$(sed -n 's/^MKBENCH spawn_boot_us \([0-9]*\).*/\1/p' "$log" | sort -n)
n=$(echo "$spawn" | grep -c .)
[ -n "$host" ] && [ "$n" -ge 1 ] && ! echo "$spawn" | grep -qx 0 ||
	die "no boot times in build/logs/bench.log"
median=$(echo "$spawn" | sed -n "$(((n + 1) / 2))p")

mkdir -p "$B/results"
{
	echo "Boot time, one QEMU TCG run (SMP=${SMP:-4}, guest kernel, KUnit off)"
	printf '%-48s %12s\n' "measurement" "ms"
	printf '%-48s %12.1f\n' "host: kernel clock start to init" "$(echo "$host / 1000" | bc -l)"
	printf '%-48s %12.1f\n' "spawned: 'start' to init, median of $n" "$(echo "$median / 1000" | bc -l)"
	printf '%-48s %12s\n' "spawned: all runs" "$(echo "$spawn" | awk '{ printf "%s%.0f", sep, $1 / 1000; sep = " " }')"
	ratio=$(echo "$median / $host" | bc -l)
	verdict=met
	[ "$(echo "$ratio <= 0.3" | bc)" = 1 ] || verdict="NOT met"
	printf '%-48s %12.2f  (goal <= 0.30: %s)\n' "ratio spawned / host" "$ratio" "$verdict"
	echo "The spawned time includes what the host's does not: INIT-SIPI,"
	echo "purgatory's SHA-256 of the image and the decompression."
} | tee "$B/results/bench"
