#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Messages between the host and a real spawned kernel over the raw
# channel's character devices: the file semantics, then MK_MSG_COUNT
# messages (default 1000000) each way with sequence numbers and
# checksums through an echo agent in the instance, once with the
# default rings and once with the smallest, which fill constantly. The
# link's counters must add up, the tracepoints must show the traffic,
# and the in-kernel benchmark channel must work. Readers blocked when
# the instance stops wake up, and a full link does not keep the stop
# request from the instance.

MK=/sys/kernel/multikernel
DIR=$(dirname "$0")
PEER=$DIR/msg_peer
[ -x "$PEER" ] || PEER=$(command -v msg_peer)
KERNEL=${KERNEL:-/boot/bzImage}
INITRD=${INITRD:-/boot/instance.img}
KEXEC=${KEXEC:-$(command -v kexec)}
COUNT=${MK_MSG_COUNT:-1000000}
# Seconds to wait for the instance: see spawn_test.sh.
WAIT=${MK_SPAWN_WAIT:-300}
PARAM=/sys/module/multikernel/parameters
APPEND="console=ttyS1 multikernel_uart=0x2f8 kunit.enable=0 mktest.echo"
. "$(dirname "$0")/tap.sh"

link() {
	cat $MK/instances/1/link/$1
}

wait_running() {
	t=0
	while [ "$(cat $MK/instances/1/state)" != running ]; do
		[ $t -ge $((WAIT * 10)) ] && return 1
		sleep 0.1
		t=$((t + 1))
	done
	# The echo agent runs once the report is in.
	while ! grep -q '^mk-instance ' $MK/instances/1/message; do
		[ $t -ge $((WAIT * 10)) ] && return 1
		sleep 0.1
		t=$((t + 1))
	done
}

start() {
	$KEXEC -l --multikernel=1 --cpus=2-3 --mem=256M "$KERNEL" \
		--initrd="$INITRD" --append="$APPEND" >/dev/null &&
		echo start >$MK/instances/1/state && wait_running
}

stop() {
	echo stop >$MK/instances/1/state
	$KEXEC -u --multikernel=1 >/dev/null
}

# integrity NAME MAXLEN: COUNT messages there and back.
integrity() {
	out=$("$PEER" integrity /dev/multikernel1 "$COUNT" "$2" 2>&1)
	rc=$?
	echo "$out" | sed 's/^/# /'
	check "$1: $COUNT messages each way, none lost, duplicated, reordered or corrupted" \
		[ $rc = 0 ]
	waits=$(echo "$out" | sed -n 's/.*ring_full_waits \([0-9]*\).*/\1/p')
}

# counters NAME: what the link counted adds up.
counters() {
	echo "# tx $(link tx_messages) msgs $(link tx_bytes) B," \
		"rx $(link rx_messages) msgs $(link rx_bytes) B," \
		"doorbells sent $(link doorbells_sent)" \
		"received $(link doorbells_received)," \
		"ring full $(link ring_full), drops $(link drops)," \
		"errors $(link errors)"
	check "$1: counters: messages both ways, no drops, no errors" \
		[ "$(link tx_messages)" -ge "$COUNT" -a "$(link rx_messages)" -ge "$COUNT" \
		  -a "$(link drops)" = 0 -a "$(link errors)" = 0 ]
	check "$1: fewer doorbells than messages" \
		[ "$(link doorbells_sent)" -lt "$(link tx_messages)" ]
}

echo "TAP version 13"
if [ ! -c /dev/multikernel1 ] || [ -z "$KEXEC" ] || [ ! -x "$PEER" ] ||
   [ ! -f "$KERNEL" ] || [ ! -f "$INITRD" ]; then
	echo "1..0 # SKIP needs multikernel, kexec, msg_peer, $KERNEL and $INITRD"
	exit 4
fi
echo "1..21"

unload_all
online0=$(cat /sys/devices/system/cpu/online)
free0=$(cat $MK/pool_free)
size0=$(cat $PARAM/ring_size)

out=$("$PEER" down /dev/multikernel1)
rc=$?
echo "$out" | sed 's/^/# /'
check "no instance: read and write fail with ENOTCONN" [ $rc = 0 ]

check "default rings: instance running with the echo agent" start
check "default rings: link reports its ring size" [ "$(link ring_size)" = "$size0" ]
out=$("$PEER" api /dev/multikernel1)
rc=$?
echo "$out" | sed 's/^/# /'
check "file semantics: EAGAIN, EMSGSIZE, empty writes, poll, boundaries, blocking" [ $rc = 0 ]
integrity "default rings" 256
counters "default rings"

# The tracepoints see a message go there and back, and the doorbells.
T=/sys/kernel/tracing
[ -d $T/events ] || mount -t tracefs nodev $T 2>/dev/null
if [ -d $T/events/multikernel ]; then
	echo >$T/trace
	echo 1 >$T/events/multikernel/enable
	sh -c "exec 3<>/dev/multikernel1; echo traced >&3; dd bs=4096 count=1 <&3" >/dev/null 2>&1
	echo 0 >$T/events/multikernel/enable
	sent='multikernel_send: peer=1 channel=1 type=0 len=7 ret=0'
	got='multikernel_receive: peer=1 channel=1 type=0 len=7'
	rang='multikernel_doorbell: peer=1'
	check "tracepoints: send, receive and doorbell on the raw channel" \
		[ "$(grep -c "$sent" $T/trace)" -ge 1 -a \
		  "$(grep -c "$got" $T/trace)" -ge 1 -a \
		  "$(grep -c "$rang" $T/trace)" -ge 1 ]
else
	n=$((n + 1))
	echo "ok $n tracepoints # SKIP no tracefs"
fi

# The kernel API's first user: the benchmark channel.
echo "rtt 1 100" >/sys/kernel/debug/multikernel/bench 2>/dev/null &&
	echo "tput 1 64 1000" >/sys/kernel/debug/multikernel/bench 2>/dev/null
rc=$?
cat /sys/kernel/debug/multikernel/bench | tr '\n' ' ' | sed 's/^/# /'
echo
check "kernel API: ping-pong and a flood on the benchmark channel" \
	[ $rc = 0 -a "$(link drops)" = 0 ]

# Several openers of one device: readers blocked in read() when the
# instance stops all wake up with ENOTCONN.
"$PEER" readers /dev/multikernel1 3 >/tmp/readers.out 2>&1 &
readers=$!
t=0
while ! grep -q '^blocked' /tmp/readers.out && [ $t -lt $((WAIT * 10)) ]; do
	sleep 0.1
	t=$((t + 1))
done
stop
wait $readers
rc=$?
sed 's/^/# /' /tmp/readers.out
blocked=$(grep -c '^blocked 3$' /tmp/readers.out)
check "three readers blocked when the instance stops: each gets ENOTCONN" \
	[ $rc = 0 -a "$blocked" = 1 ]

err=$( (echo 3000 >$PARAM/ring_size) 2>&1)
check "ring_size that is not a power of two: EINVAL, unchanged" \
	[ "${err##*: }" = "Invalid argument" -a "$(cat $PARAM/ring_size)" = "$size0" ]
echo 16384 >$PARAM/ring_size
check "small rings: instance running with the echo agent" start
check "small rings: link reports 16384" [ "$(link ring_size)" = 16384 ]
integrity "small rings" 256
counters "small rings"
check "small rings: the ring filled and the sender waited" \
	[ "${waits:-0}" -gt 0 -a "$(link ring_full)" -gt 0 ]
stop
echo "$size0" >$PARAM/ring_size

# Control messages do not wait behind raw ones: with nobody reading in
# the instance, its raw queue and the ring to it fill up, and a stop
# must still power it off rather than kill it after stop_timeout.
APPEND="console=ttyS1 multikernel_uart=0x2f8 kunit.enable=0"
start
out=$("$PEER" fill /dev/multikernel1)
rc=$?
echo "# $out"
check "no reader in the instance: the link fills up (EAGAIN)" [ $rc = 0 ]
err=$( (echo stop >$MK/instances/1/state) 2>&1)
rc=$?
echo "# stop: ${err:-ok}; last_error: $(cat $MK/instances/1/last_error)"
check "stop with the link full: powered off, not killed" \
	[ $rc = 0 -a "$(cat $MK/instances/1/state)" = stopped -a \
	  -z "$(cat $MK/instances/1/last_error)" ]
$KEXEC -u --multikernel=1 >/dev/null

out=$("$PEER" down /dev/multikernel1)
check "after stop: ENOTCONN again" [ $? = 0 ]
check "end: CPUs and pool as at the start" \
	[ "$(cat /sys/devices/system/cpu/online)" = "$online0" -a \
	  "$(cat $MK/pool_free)" = "$free0" ]

[ $failed = 0 ]
