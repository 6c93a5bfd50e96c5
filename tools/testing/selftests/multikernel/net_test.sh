#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The network link between the host and its instances. The host's mk<id>
# and the instance's mk0 are set up with standard tools (busybox ip),
# the instance's through its console; then ping both ways, 100 MB of TCP
# each way with both ends' hashes compared, UDP each way, TCP over small
# rings, the carrier across stop, start and kill with nothing set up
# again on the host, a route from an instance through the host into a
# network namespace behind it, an instance kernel that takes none of
# the offloads, and two instances at once, each with its own link.

MK=/sys/kernel/multikernel
KERNEL=${KERNEL:-/boot/bzImage}
INITRD=${INITRD:-/boot/instance.img}
KEXEC=${KEXEC:-$(command -v kexec)}
# Seconds to wait for a state or a report: see spawn_test.sh.
WAIT=${MK_SPAWN_WAIT:-300}
BYTES=${MK_NET_BYTES:-100000000}
APPEND="console=hvc0 kunit.enable=0"
. "$(dirname "$0")/tap.sh"

# in_instance ID COMMAND: run COMMAND in the shell on instance ID's
# console and return its exit status; its output is in /tmp/console.ID.
k=0
in_instance() {
	k=$((k + 1))
	# The shell echoes the line: the marker is only in what it prints.
	once=1 console_run $1 "$2; echo mk-rc\$((1000 + $k))=\$?" \
		"mk-rc$((1000 + k))=" || return 1
	rc=$(tr -d '\r' </tmp/console.$1 |
		sed -n "s/.*mk-rc$((1000 + k))=\([0-9]*\).*/\1/p")
	[ "$rc" = 0 ]
}

# up ID: the instance's shell answers; then set up its end of the link.
up() {
	console_run $1 'echo mk-up-$((40 + 2))' mk-up-42 &&
		in_instance $1 "ip addr add 10.99.$1.2/24 dev mk0 &&
			ip link set mk0 up"
}

# carrier DEV VALUE: the carrier of DEV becomes VALUE within ten seconds.
carrier() {
	t=0
	until [ "$(cat /sys/class/net/$1/carrier 2>/dev/null)" = "$2" ]; do
		[ $t -ge 100 ] && return 1
		sleep 0.1
		t=$((t + 1))
	done
}

# pings ADDR: answers from ADDR, once the neighbour is resolved.
pings() {
	ping -c 3 -w 30 "$1" >/tmp/ping.out 2>&1
}

# same_stream A B [BYTES]: two ends' lines agree on bytes and hash, and
# all BYTES (default $BYTES) arrived.
same_stream() {
	a=$(grep -o 'bytes=[0-9]* hash=[0-9a-f]*' "$1")
	b=$(grep -o 'bytes=[0-9]* hash=[0-9a-f]*' "$2")
	echo "# $a / $b"
	[ -n "$a" ] && [ "$a" = "$b" ] && [ "${a%% *}" = "bytes=${3:-$BYTES}" ]
}

echo "TAP version 13"
echo "1..43"
unload_all
online0=$(cat /sys/devices/system/cpu/online)
free0=$(cat $MK/pool_free)

check "an interface per instance slot: mk1 and mk2" \
	[ -d /sys/class/net/mk1 -a -d /sys/class/net/mk2 ]
check "sysfs: each under its instance's net function" \
	[ -d /sys/class/multikernel/multikernel1/net.1/net/mk1 -a \
	  -d /sys/class/multikernel/multikernel2/net.2/net/mk2 ]
check "bus: the net driver bound to each instance's net function by name" \
	[ "$(basename "$(readlink /sys/bus/multikernel/devices/net.1/driver)")" = net -a \
	  "$(basename "$(readlink /sys/bus/multikernel/devices/net.2/driver)")" = net ]
check "bus: the drivers cannot be unbound from sysfs" \
	[ ! -e /sys/bus/multikernel/drivers/net/unbind ]
check "MTU: 4000 by default" [ "$(cat /sys/class/net/mk1/mtu)" = 4000 ]
err=$(ip link set mk1 mtu 4063 2>&1)
check "MTU: over the largest refused (EINVAL)" \
	sh -c "echo '$err' | grep -q 'Invalid argument' &&
		[ \$(cat /sys/class/net/mk1/mtu) = 4000 ]"
check "MTU: the largest taken" \
	sh -c 'ip link set mk1 mtu 4062 && ip link set mk1 mtu 4000'
ip addr add 10.99.1.1/24 dev mk1
ip link set mk1 up
check "no instance: no carrier" carrier mk1 0

check "load: succeeds" load 1 2-3 256M
put_ok 1 state start
check "start: reaches running" wait_state 1 running
check "start: the host's end gets a carrier" carrier mk1 1
check "instance: its end, mk0, set up with ip" up 1
# The host's end: 0a, its host_id, the instance ID; the instance's: 0e.
host1=$(cat /sys/class/net/mk1/address)
check "addresses: the host's end carries the host's identity" \
	sh -c "echo $host1 | grep -q '^0a:..:..:..:00:01$'"
check "addresses: the instance's end is the host's with 0e" \
	in_instance 1 "ip link show mk0 | grep -q 0e:${host1#0a:}"
check "ping: host to instance" pings 10.99.1.2
check "ping: instance to host" in_instance 1 'ping -c 3 -w 30 10.99.1.1'

# 100 MB each way; the instance's sink runs in the background.
in_instance 1 'mk_netperf sink 5001 >/tmp/sink 2>&1 & sleep 1'
mk_netperf source 10.99.1.2 5001 $BYTES >/tmp/net.src 2>&1
sed 's/^/# /' /tmp/net.src
in_instance 1 'cat /tmp/sink'
check "TCP: $BYTES bytes host to instance, the same at both ends" \
	same_stream /tmp/net.src /tmp/console.1
mk_netperf sink 5002 >/tmp/net.sink 2>&1 &
sinkpid=$!
in_instance 1 "mk_netperf source 10.99.1.1 5002 $BYTES"
wait $sinkpid
sed 's/^/# /' /tmp/net.sink
check "TCP: $BYTES bytes instance to host, the same at both ends" \
	same_stream /tmp/console.1 /tmp/net.sink

# UDP each way, datagrams up to 8000 bytes: beyond the MTU, in IP
# fragments.
in_instance 1 'mk_netperf udp-echo 5006 >/dev/null 2>&1 & sleep 1'
check "UDP: host to instance and back, 200 datagrams" \
	sh -c 'mk_netperf udp-rr 10.99.1.2 5006 200 >/tmp/udp.out 2>&1;
		sed "s/^/# /" /tmp/udp.out; grep -q "count=200 ok=200" /tmp/udp.out'
mk_netperf udp-echo 5007 >/dev/null 2>&1 &
echo_pid=$!
check "UDP: instance to host and back, 200 datagrams" \
	in_instance 1 'mk_netperf udp-rr 10.99.1.1 5007 200 |
		grep "count=200 ok=200"'
kill $echo_pid

# Behind the host: a network namespace on a veth pair, routed to.
busybox unshare -n sleep 100000 &
ns=$!
sleep 0.5
ip link add mkv0 type veth
ip link set veth0 netns $ns
ip addr add 10.99.9.1/24 dev mkv0
ip link set mkv0 up
nsenter -t $ns -n sh -c 'ip addr add 10.99.9.2/24 dev veth0 &&
	ip link set veth0 up && ip link set lo up &&
	ip route add 10.99.0.0/16 via 10.99.9.1'
echo 1 >/proc/sys/net/ipv4/ip_forward
check "route: the instance reaches a namespace behind the host" \
	in_instance 1 'ip route add 10.99.9.0/24 via 10.99.1.1 &&
		ping -c 3 -w 30 10.99.9.2'

check "stop: succeeds" put_ok 1 state stop
check "stop: the carrier goes off" carrier mk1 0
check "stop: the host's address and state stay" \
	sh -c 'ip addr show mk1 | grep -q "inet 10.99.1.1/24" &&
		ip link show mk1 | grep -q "<.*UP.*>"'
put_ok 1 state start
wait_state 1 running
check "restart: the carrier comes back" carrier mk1 1
up 1
check "restart: ping works, nothing set up again on the host" \
	pings 10.99.1.2

# A ring too small for a 64 KiB frame: TCP goes on, without offload.
PARAM=/sys/module/multikernel/parameters
size0=$(cat $PARAM/ring_size)
put_ok 1 state stop
echo 16384 >$PARAM/ring_size
put_ok 1 state start
wait_state 1 running
up 1
in_instance 1 'mk_netperf sink 5003 >/tmp/sink 2>&1 & sleep 1'
timeout 300 mk_netperf source 10.99.1.2 5003 10000000 >/tmp/net.src 2>&1
in_instance 1 'cat /tmp/sink'
check "16 KiB rings: TCP host to instance, the same at both ends" \
	same_stream /tmp/net.src /tmp/console.1 10000000
echo "$size0" >$PARAM/ring_size

put_ok 1 state kill
check "kill: the carrier goes off" carrier mk1 0
put_ok 1 state start
wait_state 1 running
check "kill, then start: the carrier comes back" carrier mk1 1
up 1
check "kill, then start: ping works" pings 10.99.1.2
put_ok 1 state stop
$KEXEC -u --multikernel=1

# An instance kernel that knows none of the offloads, as an older one
# would: the host sends it no frame that needs them, and it sends none.
load 1 2-3 256M multikernel.bench_wire_features=0
put_ok 1 state start
wait_state 1 running
check "no offloads: the instance took no features" \
	[ -z "$(cat $MK/instances/1/features)" ]
check "no host identity: the instance's end has the old fixed address" \
	in_instance 1 'ip link show mk0 | grep -q 02:4d:4b:01:00:01'
carrier mk1 1
up 1
in_instance 1 'mk_netperf sink 5004 >/tmp/sink 2>&1 & sleep 1'
timeout 300 mk_netperf source 10.99.1.2 5004 10000000 >/tmp/net.src 2>&1
in_instance 1 'cat /tmp/sink'
check "no offloads: TCP host to instance, the same at both ends" \
	same_stream /tmp/net.src /tmp/console.1 10000000
mk_netperf sink 5005 >/tmp/net.sink 2>&1 &
sinkpid=$!
in_instance 1 "mk_netperf source 10.99.1.1 5005 10000000"
wait $sinkpid
check "no offloads: TCP instance to host, the same at both ends" \
	same_stream /tmp/console.1 /tmp/net.sink 10000000
check "no offloads: the instance dropped no frame as malformed" \
	in_instance 1 '[ "$(cat /sys/class/net/mk0/statistics/rx_errors)" = 0 ]'
check "no offloads: the host dropped no frame from it as malformed" \
	[ "$(cat /sys/class/net/mk1/statistics/rx_errors)" = 0 ]
put_ok 1 state stop
$KEXEC -u --multikernel=1

# Two instances, each with its own link.
ip addr add 10.99.2.1/24 dev mk2
ip link set mk2 up
load 1 2 128M
load 2 3 128M
put_ok 1 state start
put_ok 2 state start
wait_state 1 running
wait_state 2 running
up 1
up 2
in_instance 1 'ip route add 10.99.2.0/24 via 10.99.1.1'
check "two instances: each reaches its own" \
	sh -c 'ping -c 2 -w 30 10.99.1.2 >/dev/null &&
		ping -c 2 -w 30 10.99.2.2 >/dev/null'
host2=$(cat /sys/class/net/mk2/address)
check "two instances: both host ends carry the same identity" \
	[ "${host2%:00:02}" = "${host1%:00:01}" ]
check "two instances: instance 2 is at its own address" \
	in_instance 2 "ip link show mk0 | grep -q 0e:${host2#0a:}"
check "two instances: one reaches the other only through the host" \
	in_instance 2 'ip route add 10.99.1.0/24 via 10.99.2.1 &&
		ping -c 2 -w 30 10.99.1.2'
put_ok 1 state stop
put_ok 2 state stop
$KEXEC -u --multikernel=1
$KEXEC -u --multikernel=2
check "no frame from the instances was dropped as malformed" \
	[ "$(cat /sys/class/net/mk1/statistics/rx_errors)" = 0 -a \
	  "$(cat /sys/class/net/mk2/statistics/rx_errors)" = 0 ]
check "the host counted the traffic" \
	[ "$(cat /sys/class/net/mk1/statistics/rx_bytes)" -gt "$BYTES" ]
kill $ns
ip link del mkv0 2>/dev/null
ip addr flush dev mk1
ip addr flush dev mk2
ip link set mk1 down
ip link set mk2 down
echo 0 >/proc/sys/net/ipv4/ip_forward
check "CPUs and pool as before" back_to_start "$free0"

[ $failed = 0 ]
