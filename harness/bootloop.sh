#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot one kernel variant N times in a row, with the watchdog, to show
# that a boot never hangs:
#   bootloop.sh VARIANT N "EXTRA KERNEL ARGS"
# Each boot runs the boot-time KUnit suites and pool_test. A boot that
# hangs keeps its log (bootloop-I.log) and the watchdog's view of its
# vCPUs (bootloop-I.hang); the others are overwritten. Ends with one
# summary line and exits 1 if any boot failed.

. "$(dirname "$0")/common.sh"

cfg=${1:-debug}
n=${2:-30}
extra=${3:-multikernel_pool=512M mktest.expect_pool=512M mktest.filter=pool_test}
R=$B/results/bootloop
rm -rf "$R"
mkdir -p "$R"
good=0
hung=0
bad=0
for i in $(seq 1 "$n"); do
	name=bootloop
	t0=$(date +%s)
	rc=0
	"$ROOT/harness/qemu.sh" "$cfg" "$name" "mktest.mode=check $extra" </dev/null || rc=$?
	"$ROOT/harness/ktap.py" parse "$name" "$B/logs/$name.log" "$rc" "$R/$i.results" \
		pool_test kernel_log
	t=$(($(date +%s) - t0))
	if [ -s "$B/logs/$name.hang" ]; then
		hung=$((hung + 1))
		verdict=hung
	elif grep -q '^FAIL' "$R/$i.results"; then
		bad=$((bad + 1))
		verdict=failed
	else
		good=$((good + 1))
		verdict=passed
	fi
	if [ $verdict != passed ]; then
		for f in "$B/logs/$name".*; do
			cp "$f" "$B/logs/bootloop-$i${f#"$B/logs/$name"}"
		done
	fi
	echo "boot $i/$n: $verdict in ${t}s, quiet at most $(cat "$B/logs/$name.hang.silence" 2>/dev/null || echo ?)s"
done
echo "bootloop: $n $cfg boots: $good passed, $bad failed, $hung hung"
[ $((bad + hung)) = 0 ]
