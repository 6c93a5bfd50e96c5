#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot the q35 guest once under TCG.
#   qemu.sh VARIANT LOGNAME "EXTRA KERNEL ARGS"
# Serial 0 (ttyS0) is the host console, logged to build/logs/LOGNAME.log
# (and shown when SHOW=1). Serial 1 (ttyS1) is left to spawned kernels
# and logged to build/logs/LOGNAME.ttyS1.log. Exits 124 on timeout and
# when the watchdog found the guest hung (see watchdog.py).

. "$(dirname "$0")/common.sh"

cfg=$1
name=$2
extra=${3:-}
SMP=${SMP:-4}
MEM=${MEM:-2G}
# The longest boots, the KASAN hosts', take 6 minutes on a fast machine
# and over 20 on a slow one (TCG's speed differs a lot between hosts of
# two cores): 40 minutes is for a slow, loaded machine; a hang is the
# watchdog's to catch.
BOOT_TIMEOUT=${BOOT_TIMEOUT:-2400}

kernel=$B/obj-$cfg/arch/x86/boot/bzImage
initrd=$B/initramfs-$cfg.cpio.gz
[ -f "$kernel" ] || die "$kernel missing; build it first"
[ -f "$initrd" ] || die "$initrd missing; build it first"

mkdir -p "$B/logs"
log=$B/logs/$name.log
: >"$log"
: >"$B/logs/$name.ttyS1.log"

# ttyS1 is wired to QEMU's second serial port for spawned kernels.
# unknown_nmi_panic: the watchdog's NMI ends a hung guest with a
# backtrace, and no test sends the host an NMI of its own (the isolation
# test's NMIs are taken by a handler of its own). log_buf_len: the
# tests read early boot messages after the KUnit suites' output.
append="console=ttyS0 log_buf_len=4M panic=-1 oops=panic panic_on_warn=0 unknown_nmi_panic $extra"
mon=$B/logs/$name.monitor
# QEMU's own log of CPU resets: a guest that resets itself (a triple
# fault) ends QEMU quietly under -no-reboot, and only this says why.
qlog=$B/logs/$name.qemu.log
hang=$B/logs/$name.hang
triple=$B/logs/$name.triple
rm -f "$mon" "$hang" "$hang.silence" "$triple"

cmd=(qemu-system-x86_64 -M q35,dump-guest-core=off -accel tcg -smp "$SMP" -m "$MEM"
	-kernel "$kernel" -initrd "$initrd" -append "$append"
	-display none -no-reboot -d cpu_reset -D "$qlog"
	-serial "file:$log" -serial "file:$B/logs/$name.ttyS1.log")

# CPU: a QEMU CPU model (for example max, which has LA57), else QEMU's
# default.
[ -n "${CPU:-}" ] && cmd+=(-cpu "$CPU")

if [ "${INTERACTIVE:-0}" = 1 ]; then
	cmd=("${cmd[@]/#file:$log/mon:stdio}")
	exec "${cmd[@]}"
fi
cmd+=(-monitor "unix:$mon,server=on,wait=off")
# A guest that powers off or resets stops instead of ending QEMU, so
# that the watchdog can save the vCPUs' registers when it was a triple
# fault (to $name.triple) before it quits QEMU.
cmd+=(-action shutdown=pause)
if [ "${SHOW:-0}" = 1 ]; then
	tail -n +1 -f "$log" --pid=$$ &
	tail -n +1 -f "$B/logs/$name.ttyS1.log" --pid=$$ | sed -u 's/^/[ttyS1] /' &
fi
# A guest whose console stays quiet for WATCHDOG seconds is hung: the
# watchdog saves where its vCPUs are to $name.hang and ends it. Tests
# print as they go, and the longest quiet stretch of a passing run is
# kept in $name.hang.silence to show the margin.
"$ROOT/harness/watchdog.py" "$log" "$mon" "${WATCHDOG:-600}" \
	"$B/obj-$cfg/vmlinux" "$hang" "$qlog" "$triple" &
watchdog=$!
# QEMU dumps core without the guest's RAM into its own directory; a
# crash of QEMU itself (a signal other than timeout's) leaves its
# backtrace in $name.qemu-crash for check.sh.
cores=$B/cores/$name
rm -rf "$cores" "$B/logs/$name.qemu-crash"
mkdir -p "$cores"
ulimit -c unlimited 2>/dev/null || true
rc=0
(cd "$cores" && exec timeout --foreground -k 5 "$BOOT_TIMEOUT" "${cmd[@]}") \
	</dev/null || rc=$?
if [ "$rc" -gt 128 ] && [ "$rc" != 137 ]; then
	core=$(find "$cores" -name 'core*' -type f | head -n 1)
	{
		echo "QEMU died of signal $((rc - 128)) ($(kill -l $((rc - 128)) 2>/dev/null))"
		if [ -n "$core" ] && command -v gdb >/dev/null; then
			gdb -batch -q -ex 'thread apply all bt 30' \
				"$(command -v qemu-system-x86_64)" "$core" 2>&1 | tail -n 400
		else
			echo "no core dump in $cores (core_pattern: $(cat /proc/sys/kernel/core_pattern))"
		fi
	} >"$B/logs/$name.qemu-crash"
fi
rm -rf "$cores"
kill "$watchdog" 2>/dev/null || true
wait "$watchdog" 2>/dev/null || true
rm -f "$mon"
# A hung guest counts as timed out, however it ended.
[ -s "$hang" ] && rc=124
if [ "${SHOW:-0}" = 1 ]; then
	sleep 0.5
fi
exit $rc
