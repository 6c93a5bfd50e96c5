#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the kernel that spawn_test.sh starts beside the host. It
# reports what it runs on, on its console (ttyS1) and to the host over
# the control channel, then waits to be powered off. With mktest.hang on
# its command line it then spins with interrupts off, for the host to
# kill it; with mktest.panic it panics; with mktest.echo it sends
# back every message the host sends on the raw channel.

export PATH=/bin:/sbin
/bin/busybox --install -s /bin
mount -t proc none /proc
mount -t sysfs none /sys
mount -t devtmpfs none /dev
mount -t debugfs none /sys/kernel/debug

apicids=$(sed -n 's/^apicid[[:space:]]*: //p' /proc/cpuinfo | tr '\n' ',')
report="mk-instance id=$(cat /sys/kernel/multikernel/instance_id)"
report="$report nproc=$(nproc)"
report="$report cpus=$(cat /sys/devices/system/cpu/online)"
report="$report memtotal_kb=$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo)"
report="$report apicids=${apicids%,}"
report="$report boot_id=$(cat /proc/sys/kernel/random/boot_id)"

echo "$report" >/dev/ttyS1
echo "$report" >/sys/kernel/multikernel/message

# The host's stop request ends in /sbin/poweroff, which signals init.
trap 'poweroff -f' USR2 TERM

case " $(cat /proc/cmdline) " in
*" mktest.hang "*)
	echo "mk-instance hanging with interrupts off" >/dev/ttyS1
	echo "mk-instance hanging with interrupts off" \
		>/sys/kernel/multikernel/message
	echo HARDLOCKUP >/sys/kernel/debug/provoke-crash/DIRECT
	;;
*" mktest.panic "*)
	echo "mk-instance panicking" >/dev/ttyS1
	echo c >/proc/sysrq-trigger
	;;
*" mktest.echo "*)
	/bin/msg_peer echo /dev/multikernel0 &
	;;
esac

while :; do
	sleep 1
done
