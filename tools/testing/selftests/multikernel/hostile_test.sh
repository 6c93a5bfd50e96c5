#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Spawned kernels that misbehave, and several at once. A real instance
# kernel (instance_init.sh with mktest.hostile, mktest.deaf or
# mktest.flood) breaks its ring to the host, sends a malformed control
# message, writes garbage over the shared header, ignores a stop request
# or floods the host with doorbells. The host closes a broken link with
# the reason in last_error, kills what it cannot stop, keeps its own
# pace, and gets its CPUs and pool back every time. Three instances run
# at once, with IDs beyond 2.

MK=/sys/kernel/multikernel
KERNEL=${KERNEL:-/boot/bzImage}
INITRD=${INITRD:-/boot/instance.img}
KEXEC=${KEXEC:-$(command -v kexec)}
DIR=$(dirname "$0")
PEER=$DIR/msg_peer
[ -x "$PEER" ] || PEER=$(command -v msg_peer)
# Seconds to wait for a state or a report: see spawn_test.sh.
WAIT=${MK_SPAWN_WAIT:-300}
PARAM=/sys/module/multikernel/parameters
APPEND="console=ttyS1 multikernel_uart=0x2f8 kunit.enable=0"
. "$DIR/tap.sh"

# wait_error ID TEXT: wait until last_error has TEXT. The host closes a
# link in the doorbell that shows it broken, well within a minute.
wait_error() {
	t=0
	while ! grep -qF "$2" $MK/instances/$1/last_error; do
		[ $t -ge 600 ] && return 1
		sleep 0.1
		t=$((t + 1))
	done
}

# wait_seq ID N: wait until the instance's last message has seq=N or more.
wait_seq() {
	t=0
	while [ "$(field $1 seq)" -lt "$2" ] 2>/dev/null ||
	      [ -z "$(field $1 seq)" ]; do
		[ $t -ge $((WAIT * 10)) ] && return 1
		sleep 0.1
		t=$((t + 1))
	done
}

# pace SECONDS: loop iterations per second of a shell pinned to host
# CPU 0, the CPU that takes the instances' doorbells.
pace() {
	taskset -c 0 sh -c '
		cs() { read -r up _ </proc/uptime; echo "${up%.*}${up#*.}"; }
		start=$(cs)
		end=$((start + $1 * 100))
		i=0
		while :; do
			j=0
			while [ $j -lt 500 ]; do j=$((j + 1)); done
			i=$((i + 500))
			now=$(cs)
			[ "$now" -ge $end ] && break
		done
		echo $((i * 100 / (now - start)))' pace "$1"
}

# mkd: the doorbells host CPU 0 took, from its MKD line of /proc/interrupts.
mkd() {
	awk '$1 == "MKD:" { print $2 }' /proc/interrupts
}

# uptime_cs: the host's uptime in centiseconds.
uptime_cs() {
	read -r up _ </proc/uptime
	echo "${up%.*}${up#*.}"
}

# broken WHAT TEXT: an instance that breaks the protocol as WHAT.
broken() {
	load 1 1 128M "mktest.hostile=$1"
	loaded=$(cat $MK/pool_free)
	put_ok 1 state start
	wait_state 1 running
	check "$1: the host closes the link and says why" \
		wait_error 1 "link closed: $2"
	echo "# last_error: $(inst 1 last_error)"
	check "$1: the instance runs on, its link counted the error" \
		[ "$(inst 1 state)" = running -a "$(inst 1 link/errors)" -ge 1 ]
	out=$("$PEER" down /dev/multikernel1)
	rc=$?
	echo "$out" | sed 's/^/# /'
	check "$1: reads and writes of /dev/multikernel1 get ENOTCONN" [ $rc = 0 ]
	check "$1: a stop kills it at once: EPROTO" \
		[ "$(put 1 state stop)" = "Protocol error" ]
	check "$1: stopped, CPUs and pool as when loaded" is_back 1 "$loaded"
	$KEXEC -u --multikernel=1 >/dev/null
}

echo "TAP version 13"
if [ ! -d $MK/instances ] || [ -z "$KEXEC" ] || [ ! -x "$PEER" ] ||
   [ ! -f "$KERNEL" ] || [ ! -f "$INITRD" ] ||
   [ ! -d /sys/kernel/debug/multikernel ]; then
	echo "1..0 # SKIP needs multikernel with benchmarks, kexec, msg_peer, $KERNEL, $INITRD"
	exit 4
fi
echo "1..29"

unload_all
online0=$(cat /sys/devices/system/cpu/online)
free0=$(cat $MK/pool_free)

# Three at once, on IDs beyond 2: CPU 1, 2 and 3, the host on the rest.
load 3 1 128M && load 5 2 128M && load 8 3 128M
for i in 3 5 8; do
	put_ok $i state start
done
for i in 3 5 8; do
	wait_state $i running && wait_message $i
	echo "# instance $i: $(inst $i message)"
done
check "three instances: all running, the host on the other CPUs" \
	[ "$(inst 3 state),$(inst 5 state),$(inst 8 state)" = running,running,running -a \
	  "$(cat /sys/devices/system/cpu/online)" = "$(cpus_but "$online0" 1 2 3)" ]
check "three instances: each reports its own ID, on one CPU" \
	[ "$(field 3 id),$(field 5 id),$(field 8 id)" = 3,5,8 -a \
	  "$(field 3 nproc),$(field 5 nproc),$(field 8 nproc)" = 1,1,1 ]
check "three instances: each has its device" \
	[ -c /dev/multikernel3 -a -c /dev/multikernel5 -a -c /dev/multikernel8 ]
good=0
for i in 3 5 8; do
	put_ok $i state stop && [ "$(inst $i state)" = stopped ] &&
		$KEXEC -u --multikernel=$i >/dev/null && good=$((good + 1))
done
check "three instances: stopped and unloaded" [ $good = 3 ]
check "three instances: CPUs and pool as at the start" back_to_start "$free0"

# One that ignores the stop request: killed after stop_timeout.
load 1 1 128M mktest.deaf
loaded=$(cat $MK/pool_free)
put_ok 1 state start
wait_state 1 running && wait_message 1
timeout0=$(cat $PARAM/stop_timeout)
echo 3 >$PARAM/stop_timeout
check "deaf: stop fails with ETIMEDOUT" \
	[ "$(put 1 state stop)" = "Connection timed out" ]
echo "$timeout0" >$PARAM/stop_timeout
check "deaf: killed, CPUs and pool as when loaded" is_back 1 "$loaded"
check "deaf: last_error says why" \
	grep -q "did not power off within 3 s; killed" $MK/instances/1/last_error
$KEXEC -u --multikernel=1 >/dev/null

broken ring "malformed message ring from it"
broken control "malformed control message from it"

# Garbage over every header field the host wrote: the host does not read
# them back, so the link stands and a stop powers the instance off.
load 1 1 128M mktest.hostile=header
loaded=$(cat $MK/pool_free)
put_ok 1 state start
wait_state 1 running && wait_message 1 "mk-alive "
seq=$(field 1 seq)
check "header: the link still carries its messages" wait_seq 1 $((${seq:-0} + 3))
check "header: a stop powers it off" put_ok 1 state stop
check "header: no error recorded" [ -z "$(inst 1 last_error)" ]
check "header: stopped, CPUs and pool as when loaded" is_back 1 "$loaded"
$KEXEC -u --multikernel=1 >/dev/null

# A doorbell flood. Doorbells cannot be masked per sender: the host
# spends a bounded time on each, but a peer that rings as fast as it
# can takes most of the time of the host CPU that takes them when each
# costs that CPU more than it costs the peer to ring one. Under QEMU it
# does, since every IPI and every EOI also takes the emulator's global
# lock: a flooding vCPU left the host CPU 2-7% of its pace. The host
# keeps running there, counts the doorbells, stops the instance, and
# gets its pace back; a host that livelocks does not end its count.
base=$(pace 3)
load 1 1 128M mktest.flood
loaded=$(cat $MK/pool_free)
put_ok 1 state start
wait_state 1 running && wait_message 1 "mk-flood "
seq=$(field 1 seq)
d0=$(mkd)
t0=$(uptime_cs)
flooded=$(pace 3)
d1=$(mkd)
t1=$(uptime_cs)
rate=$(( (${d1:-0} - ${d0:-0}) * 100 / (t1 - t0 + 1) ))
echo "# host CPU 0: $base loops/s before, $flooded during the flood," \
	"taking $rate doorbells/s; instance: $(inst 1 message)"
check "flood: the instance rang the doorbell throughout" \
	[ "$(field 1 seq)" -ge $((${seq:-0} + 2)) -a "$(field 1 doorbells)" -gt 0 ]
check "flood: CPU 0 counts the doorbells it takes (MKD in /proc/interrupts)" \
	[ "${d1:-0}" -gt "${d0:-0}" ]
check "flood: the host's shell on CPU 0 keeps counting (3 s end within 30 s)" \
	[ "${base:-0}" -gt 0 -a "${flooded:-0}" -gt 0 -a $((t1 - t0)) -le 3000 ]
check "flood: a stop powers it off" put_ok 1 state stop
check "flood: stopped, CPUs and pool as when loaded" is_back 1 "$loaded"
after=$(pace 3)
echo "# host CPU 0: $after loops/s after the stop"
check "flood: the host's pace comes back after the stop" \
	[ "${after:-0}" -ge $((${base:-0} / 2)) -a "${base:-0}" -gt 0 ]
$KEXEC -u --multikernel=1 >/dev/null

check "end: CPUs and pool as at the start" back_to_start "$free0"

[ $failed = 0 ]
