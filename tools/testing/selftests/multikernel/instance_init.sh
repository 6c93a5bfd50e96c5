#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the kernel that spawn_test.sh starts beside the host. It
# reports what it runs on, on its console (ttyS1) and to the host over
# the control channel, then waits to be powered off. With mktest.hang on
# its command line it then spins with interrupts off, for the host to
# kill it; with mktest.panic it panics; with mktest.echo it sends
# back every message the host sends on the raw channel; with
# mktest.marker it looks for what an earlier run wrote to its RAM and
# marks its own; with mktest.ipis it reports, twice a second, how many
# call-function, reschedule and NMI interrupts its CPUs have taken;
# with mktest.tick it counts ten times a second on its console; with
# mktest.deaf it ignores the host's stop request; with
# mktest.hostile=WHAT it breaks the protocol with the host (see the
# debugfs file multikernel/hostile); with mktest.flood it floods the
# host with doorbells; with mktest.net=ADDR/LEN it serves the host's
# network bench. It runs a shell on hvc0, the console over the
# link, when it has one.
# Booted by a host's kexec -e instead (mktest.after_kexec), it reports
# on the console and powers off.

export PATH=/bin:/sbin
# The host's stop request ends in /sbin/poweroff, which signals init:
# first thing, since a signal that init does not handle is lost.
trap 'poweroff -f' USR2 TERM
/bin/busybox --install -s /bin
mount -t proc none /proc
# With mktest.deaf it ignores the stop request, for the host's timeout.
case " $(cat /proc/cmdline) " in
*" mktest.deaf "*) trap '' USR2 TERM ;;
esac
mount -t sysfs none /sys
mount -t devtmpfs none /dev
mount -t debugfs none /sys/kernel/debug
mount -t securityfs none /sys/kernel/security 2>/dev/null
probe=/sys/kernel/debug/multikernel

apicids=$(sed -n 's/^apicid[[:space:]]*: //p' /proc/cpuinfo | tr '\n' ',')
report="mk-instance id=$(cat /sys/kernel/multikernel/instance_id)"
report="$report nproc=$(nproc)"
report="$report cpus=$(cat /sys/devices/system/cpu/online)"
report="$report memtotal_kb=$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo)"
report="$report apicids=${apicids%,}"
report="$report boot_id=$(cat /proc/sys/kernel/random/boot_id)"
report="$report seed=$(cat $probe/seed 2>/dev/null)"
lockdown=$(sed -n 's/.*\[\(.*\)\].*/\1/p' /sys/kernel/security/lockdown 2>/dev/null)
report="$report lockdown=$lockdown"
# Its own clock, in microseconds, when it said hello and when it ran
# init, as its log says (whatever the console shows).
own_us() {
	dmesg | sed -n "s#^\[ *\([0-9.]*\)\] $1.*#\1#p" | head -n 1 |
		awk '{ printf "%d", $1 * 1000000 }'
}
report="$report hello_us=$(own_us 'multikernel: instance [0-9]*: up on')"
report="$report init_us=$(own_us 'Run /init as init process')"
# With mktest.marker: how many pages of its RAM hold an earlier run's
# marker, then mark all the free RAM it can for the next run to find.
case " $(cat /proc/cmdline) " in
*" mktest.marker "*)
	echo scan >$probe/marker
	report="$report marker_found=$(sed -n 's/^found //p' $probe/marker)"
	echo fill >$probe/marker
	report="$report marker_filled=$(sed -n 's/^filled //p' $probe/marker)"
	;;
esac

# Booted by a host's kexec -e rather than as an instance: report on the
# console, for the harness, and power off.
case " $(cat /proc/cmdline) " in
*" mktest.after_kexec "*)
	echo "$report" >/dev/console
	# What an instance left running would still write meanwhile.
	sleep 2
	poweroff -f
	;;
esac

# A shell on the console over the link, the host's /dev/ttyMK<id>.
if [ -c /dev/hvc0 ]; then
	setsid sh -c 'exec sh </dev/hvc0 >/dev/hvc0 2>&1' &
fi

echo "$report" >/dev/ttyS1 2>/dev/null
echo "$report" >/sys/kernel/multikernel/message

# With mktest.net=ADDR/LEN: mk0 at that address, a TCP sink on port
# 5001 and an echo server on 5003, each taking one connection after the
# other, for the host's network bench.
net=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^mktest\.net=//p')
if [ -n "$net" ]; then
	ip addr add "$net" dev mk0
	ip link set mk0 up
	(while :; do mk_netperf sink 5001 >/dev/null; done) &
	(while :; do mk_netperf echo 5003; done) &
fi

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
*" mktest.hostile="*)
	# Breaks the protocol as told, then goes on talking: the host must
	# still hear it when what it broke leaves the link standing.
	what=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^mktest\.hostile=//p')
	echo "mk-instance hostile: $what" >/dev/ttyS1
	# Time for the host to take the report first.
	sleep 1
	echo "$what" >$probe/hostile
	i=0
	while :; do
		i=$((i + 1))
		echo "mk-alive seq=$i" >/sys/kernel/multikernel/message 2>/dev/null
		sleep 0.2
	done
	;;
*" mktest.flood "*)
	# Rings the host's doorbell for a second at a time, and says so.
	i=0
	while :; do
		i=$((i + 1))
		echo flood >$probe/hostile
		echo "mk-flood seq=$i doorbells=$(cat $probe/hostile)" \
			>/sys/kernel/multikernel/message
	done
	;;
*" mktest.tick "*)
	i=0
	while :; do
		i=$((i + 1))
		echo "mk-tick $i" >/dev/ttyS1
		echo "mk-tick $i" >/sys/kernel/multikernel/message
		sleep 0.1
	done
	;;
*" mktest.ipis "*)
	seq=0
	while :; do
		seq=$((seq + 1))
		counts=$(awk '$1 == "CAL:" || $1 == "RES:" || $1 == "NMI:" {
			n = 0
			for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++)
				n += $i
			printf " %s=%d", tolower(substr($1, 1, 3)), n
		}' /proc/interrupts)
		echo "mk-ipis seq=$seq$counts" >/sys/kernel/multikernel/message
		sleep 0.5
	done
	;;
esac

while :; do
	sleep 1
done
