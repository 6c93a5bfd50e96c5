#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot the q35 guest once under TCG.
#   qemu.sh VARIANT LOGNAME "EXTRA KERNEL ARGS"
# Serial 0 (ttyS0) is the host console, logged to build/logs/LOGNAME.log
# (and shown when SHOW=1). Serial 1 (ttyS1) is left to spawned kernels
# and logged to build/logs/LOGNAME.ttyS1.log. Exits 124 on timeout.

. "$(dirname "$0")/common.sh"

cfg=$1
name=$2
extra=${3:-}
SMP=${SMP:-4}
MEM=${MEM:-2G}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-1200}

kernel=$B/obj-$cfg/arch/x86/boot/bzImage
initrd=$B/initramfs-$cfg.cpio.gz
[ -f "$kernel" ] || die "$kernel missing; build it first"
[ -f "$initrd" ] || die "$initrd missing; build it first"

mkdir -p "$B/logs"
log=$B/logs/$name.log
: >"$log"
: >"$B/logs/$name.ttyS1.log"

# ttyS1 is wired to QEMU's second serial port for spawned kernels.
append="console=ttyS0 panic=-1 oops=panic panic_on_warn=0 $extra"

cmd=(qemu-system-x86_64 -M q35 -accel tcg -smp "$SMP" -m "$MEM"
	-kernel "$kernel" -initrd "$initrd" -append "$append"
	-display none -monitor none -no-reboot
	-serial "file:$log" -serial "file:$B/logs/$name.ttyS1.log")

if [ "${INTERACTIVE:-0}" = 1 ]; then
	cmd=("${cmd[@]/#file:$log/mon:stdio}")
	exec "${cmd[@]}"
fi
if [ "${SHOW:-0}" = 1 ]; then
	tail -n +1 -f "$log" --pid=$$ &
	tail -n +1 -f "$B/logs/$name.ttyS1.log" --pid=$$ | sed -u 's/^/[ttyS1] /' &
fi
rc=0
timeout --foreground -k 5 "$BOOT_TIMEOUT" "${cmd[@]}" </dev/null || rc=$?
if [ "${SHOW:-0}" = 1 ]; then
	sleep 0.5
fi
exit $rc
