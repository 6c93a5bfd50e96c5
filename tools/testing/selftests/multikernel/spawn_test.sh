#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Start real kernels beside this one and stop, restart and kill them.
# Each spawned kernel runs instance_init.sh, which reports its instance
# ID, CPUs, APIC IDs, memory and boot ID over the control channel; the
# report must match what the host assigned, from a kernel other than
# this one. Start timeouts, panics and a stopped heartbeat end
# "crashed". After every scenario the host's CPUs and pool are back,
# but for the last: a reset that is not confirmed ends "failed".
# With MK_SPAWN_BIG_GB=N it also starts an instance of N GiB.

MK=/sys/kernel/multikernel
KERNEL=${KERNEL:-/boot/bzImage}
INITRD=${INITRD:-/boot/instance.img}
KEXEC=${KEXEC:-$(command -v kexec)}
CYCLES=${MK_SPAWN_CYCLES:-10}
# GiB of a large instance to start as well, when the boot has the room.
BIG_GB=${MK_SPAWN_BIG_GB:-}
# Set when the host must run on 5-level page tables (a CPU with LA57).
EXPECT_LA57=${MK_EXPECT_LA57:-}
# Seconds to wait for a state or a report: a guest-kernel instance is up
# in 1 to 5 s under TCG; 300 s covers a host that is itself slow
# (KASAN) and a machine that runs other guests meanwhile.
WAIT=${MK_SPAWN_WAIT:-300}
APPEND="console=ttyS1 multikernel_uart=0x2f8 kunit.enable=0"
. "$(dirname "$0")/tap.sh"

# host_apicid CPU: its APIC ID, as the host saw it at boot.
host_apicid() {
	awk -v cpu="$1" '/^processor/ { p = $3 } /^apicid/ && p == cpu { print $3 }' \
		/tmp/cpuinfo
}

echo "TAP version 13"
if [ ! -d $MK/instances ] || [ -z "$KEXEC" ] || [ ! -f "$KERNEL" ] ||
   [ ! -f "$INITRD" ]; then
	echo "1..0 # SKIP needs multikernel, kexec, $KERNEL and $INITRD"
	exit 4
fi
plan=74
[ -n "$BIG_GB" ] && plan=$((plan + 4))
[ -n "$EXPECT_LA57" ] && plan=$((plan + 1))
echo "1..$plan"

unload_all
online0=$(cat /sys/devices/system/cpu/online)
free0=$(cat $MK/pool_free)
cat /proc/cpuinfo >/tmp/cpuinfo
boot_id=$(cat /proc/sys/kernel/random/boot_id)
echo "# host CPUs online: $online0, pool free: $free0"

# The kernel keeps "la57" among the CPU flags only when it uses it.
if [ -n "$EXPECT_LA57" ]; then
	check "host: runs on 5-level page tables" \
		grep -qw la57 /tmp/cpuinfo
fi

# Refused before anything is loaded.
echo 2-3 >$MK/instances/1/cpus
check "start when not loaded: ENOEXEC" \
	[ "$(put 1 state start)" = "Exec format error" ]
check "stop when not running: EINVAL" \
	[ "$(put 1 state stop)" = "Invalid argument" ]

# One instance on CPUs 2-3, while a host workload runs.  The count is
# written to a new file and renamed over the old one, so that a read
# never sees the file truncated and empty.
(i=0; while :; do
	i=$((i + 1))
	echo $i >/tmp/progress.new && mv /tmp/progress.new /tmp/progress
	sleep 0.05
done) &
worker=$!
load 1 2-3 256M
free1=$(cat $MK/pool_free)
while [ ! -s /tmp/progress ]; do sleep 0.1; done
progress0=$(cat /tmp/progress)
put 1 state start >/dev/null
check "start: state is starting or running" \
	[ "$(inst 1 state)" = starting -o "$(inst 1 state)" = running ]
check "start: CPUs 2-3 left the host" \
	[ "$(cat /sys/devices/system/cpu/online)" = "$(cpus_but "$online0" 2 3)" ]
check "start: reaches running" wait_state 1 running
check "start: boot time reported" [ "$(inst 1 boot_time_us)" -gt 0 ]
echo "# instance 1 up in $(inst 1 boot_time_us) us"
check "report: received" wait_message 1
echo "# $(inst 1 message)"
check "report: instance_id 1" [ "$(field 1 id)" = 1 ]
check "report: nproc 2" [ "$(field 1 nproc)" = 2 ]
check "report: online CPUs 0-1" [ "$(field 1 cpus)" = 0-1 ]
check "report: MemTotal within the instance's memory" \
	[ "$(field 1 memtotal_kb)" -gt 0 -a "$(field 1 memtotal_kb)" -le $((256 * 1024)) ]
check "report: runs on the APIC IDs of host CPUs 2 and 3" \
	[ "$(field 1 apicids)" = "$(host_apicid 2),$(host_apicid 3)" ]
check "report: from another kernel (boot ID differs)" \
	[ -n "$(field 1 boot_id)" -a "$(field 1 boot_id)" != "$boot_id" ]
prep=$(inst 1 boot_prepare_us)
entry=$(inst 1 boot_entry_us)
kern=$(inst 1 boot_kernel_us)
echo "# phases: prepare $prep us, kick to its clock $entry us, its clock to hello $kern us"
check "phases: each reported" [ "$prep" -gt 0 -a "$entry" -gt 0 -a "$kern" -gt 0 ]
# Each is rounded down on its own.
check "phases: kick to clock and clock to hello make the boot time" \
	[ $(($(inst 1 boot_time_us) - entry - kern)) -ge 0 -a \
	  $(($(inst 1 boot_time_us) - entry - kern)) -le 1 ]
# Its own log's "up on" line comes just after it took the clock.
check "phases: clock to hello agrees with the instance's own log" \
	[ "$(field 1 hello_us)" -ge "$kern" -a \
	  $(($(field 1 hello_us) - kern)) -lt 500000 ]

# Refused while it runs, and nothing changes.
check "start twice: EBUSY" [ "$(put 1 state start)" = "Device or resource busy" ]
err=$( (echo 1 >/sys/devices/system/cpu/cpu2/online) 2>&1)
check "online an owned CPU: EBUSY" [ "${err##*: }" = "Device or resource busy" ]
! $KEXEC -u --multikernel=1 >/dev/null 2>&1
check "unload while running: refused, still running" \
	[ $? = 0 -a "$(inst 1 state)" = running ]

check "stop: succeeds" put_ok 1 state stop
check "stop: state stopped, CPUs and pool as before" is_back 1 "$free1"
progress1=$(cat /tmp/progress)
kill $worker
echo "# host workload: $progress0 -> $progress1"
check "host workload made progress while the instance booted, ran and stopped" \
	[ "$progress1" -gt $((progress0 + 10)) ]

# Start and stop again, without reloading.
good=0
i=0
while [ $i -lt "$CYCLES" ]; do
	i=$((i + 1))
	put 1 state start >/dev/null && wait_state 1 running && wait_message 1 &&
		[ "$(field 1 nproc)" = 2 ] && put 1 state stop >/dev/null &&
		[ "$(inst 1 state)" = stopped ] && back_to_start "$free1" &&
		good=$((good + 1))
done
check "restart: $CYCLES start/stop cycles" [ $good = "$CYCLES" ]
$KEXEC -u --multikernel=1 >/dev/null

# Two at once: CPU 1 and CPUs 2-3, the host on the rest.
load 1 1 128M && load 2 2-3 256M
put 1 state start >/dev/null
put 2 state start >/dev/null
wait_state 1 running && wait_state 2 running && wait_message 1 && wait_message 2
check "two instances: both running, the host on the other CPUs" \
	[ "$(inst 1 state),$(inst 2 state)" = running,running -a \
	  "$(cat /sys/devices/system/cpu/online)" = "$(cpus_but "$online0" 1 2 3)" -a \
	  "$(field 1 nproc),$(field 2 nproc)" = 1,2 ]
put 1 state stop >/dev/null
put 2 state stop >/dev/null
$KEXEC -u --multikernel=1 >/dev/null
$KEXEC -u --multikernel=2 >/dev/null
check "two instances: stopped, CPUs and pool as before" back_to_start "$free0"

# Every byte a run reads was written by that run or zeroed. Each run
# looks for the marker an earlier one left in its RAM, then marks all
# the free RAM it can: a restart and a new instance over the same range
# must find none of it, and each start gets a new random seed.
load 1 2-3 256M mktest.marker
range1=$(inst 1 mem_range)
put_ok 1 state start
wait_state 1 running && wait_message 1
echo "# first run: $(inst 1 message)"
found1=$(field 1 marker_found)
filled1=$(field 1 marker_filled)
seed1=$(field 1 seed)
check "hygiene: the first run finds no marker" [ "$found1" = 0 ]
# Pages of 4 KiB: at least half of the instance's 256M was free.
check "hygiene: the first run marks most of its RAM" \
	[ "${filled1:-0}" -gt $((256 * 256 / 2)) ]
put_ok 1 state stop
put_ok 1 state start
wait_state 1 running && wait_message 1
echo "# restart: $(inst 1 message)"
check "hygiene: a restart finds nothing of the last run" \
	[ "$(field 1 marker_found)" = 0 ]
check "hygiene: each start gets a new random seed" \
	[ -n "$seed1" -a -n "$(field 1 seed)" -a "$(field 1 seed)" != "$seed1" ]
put_ok 1 state stop
$KEXEC -u --multikernel=1 >/dev/null
load 1 2-3 256M mktest.marker
put_ok 1 state start
wait_state 1 running && wait_message 1
echo "# new instance: $(inst 1 message)"
check "hygiene: a new instance over the same range finds nothing" \
	[ "$(inst 1 mem_range)" = "$range1" -a "$(field 1 marker_found)" = 0 ]
put_ok 1 state stop
$KEXEC -u --multikernel=1 >/dev/null
check "hygiene: CPUs and pool as before" back_to_start "$free0"

# The host's broadcasts reach none of an instance's CPUs: a thousand
# on_each_cpu() calls and NMIs to "all but self", as reboot and panic
# send them. The instance counts its interrupts twice a second.
BENCH=/sys/kernel/debug/multikernel/bench
check "broadcast: the host has IPI shorthands off" \
	logged "IPI shorthand broadcast: disabled"
load 1 1 128M mktest.ipis
put_ok 1 state start
wait_state 1 running && wait_message 1 "mk-ipis "
seq0=$(field 1 seq)
cal0=$(field 1 cal)
res0=$(field 1 res)
nmi0=$(field 1 nmi)
echo "# instance on CPU 1 before: $(inst 1 message)"
echo "broadcast 1000" >$BENCH
sent=$(sed -n 's/^nmis_sent //p' $BENCH)
taken=$(sed -n 's/^nmis_taken //p' $BENCH)
echo "# host: $(tr '\n' ' ' <$BENCH)"
# Two reports later the instance has counted whatever arrived.
t=0
while [ "$(field 1 seq)" -lt $((${seq0:-0} + 2)) ] && [ $t -lt $((WAIT * 10)) ]; do
	sleep 0.1
	t=$((t + 1))
done
echo "# instance on CPU 1 after: $(inst 1 message)"
check "broadcast: the host's own CPUs took every NMI" \
	[ -n "$sent" -a "$sent" -gt 0 -a "$taken" = "$sent" ]
check "broadcast: the instance still reports" \
	[ "$(field 1 seq)" -ge $((${seq0:-0} + 2)) ]
check "broadcast: no call-function IPI reached the instance" \
	[ -n "$cal0" -a "$(field 1 cal)" = "$cal0" ]
check "broadcast: no reschedule IPI reached the instance" \
	[ -n "$res0" -a "$(field 1 res)" = "$res0" ]
check "broadcast: no NMI reached the instance" \
	[ -n "$nmi0" -a "$(field 1 nmi)" = "$nmi0" ]

# Suspend would take the machine's CPUs and devices from under it.
err=$( (echo freeze >/sys/power/state) 2>&1)
check "suspend while an instance runs: EBUSY, still running" \
	[ "${err##*: }" = "Device or resource busy" -a "$(inst 1 state)" = running ]
check "suspend while an instance runs: the log says why" \
	logged "cannot suspend: instance 1 is running"
put_ok 1 state stop
$KEXEC -u --multikernel=1 >/dev/null
check "broadcast: stopped, CPUs and pool as before" back_to_start "$free0"

# Kill one that spins with interrupts off.
load 1 2-3 256M mktest.hang
free_hang=$(cat $MK/pool_free)
put 1 state start >/dev/null
wait_state 1 running && wait_message 1 "mk-instance hanging"
check "kill: a kernel spinning with interrupts off" put_ok 1 state kill
check "kill: stopped, CPUs and pool as when loaded" is_back 1 "$free_hang"
check "kill: the pool is what the load took" \
	[ "$free_hang" = "$free1" ]
$KEXEC -u --multikernel=1 >/dev/null

# A kernel whose only CPU spins with interrupts off stops its heartbeat.
load 1 1 128M mktest.hang
hb0=$(cat /sys/module/multikernel/parameters/heartbeat_timeout)
echo 3 >/sys/module/multikernel/parameters/heartbeat_timeout
put_ok 1 state start
wait_state 1 running && wait_message 1
wait_state 1 crashed
check "hung: missed heartbeats end crashed, CPUs back" \
	[ "$(inst 1 state),$(cat /sys/devices/system/cpu/online)" = "crashed,$online0" ]
check "hung: last_error says why" \
	grep -q "missed heartbeats" $MK/instances/1/last_error
echo "$hb0" >/sys/module/multikernel/parameters/heartbeat_timeout
$KEXEC -u --multikernel=1 >/dev/null

# No hello in time: reset and crashed; it starts again without a reload.
# It waits 5 s before its hello, so that even a fast boot misses 1 s.
load 1 2-3 256M multikernel.bench_hello_delay_ms=5000
timeout0=$(cat /sys/module/multikernel/parameters/start_timeout)
echo 1 >/sys/module/multikernel/parameters/start_timeout
put_ok 1 state start
wait_state 1 crashed
check "start timeout: crashed, CPUs back" \
	[ "$(inst 1 state),$(cat /sys/devices/system/cpu/online)" = "crashed,$online0" ]
check "start timeout: last_error says why" \
	grep -q "did not say hello in time" $MK/instances/1/last_error
echo "$timeout0" >/sys/module/multikernel/parameters/start_timeout
put_ok 1 state start
check "start after a crash: running again" wait_state 1 running
check "features: the instance took all that the host offered" \
	[ "$(inst 1 features)" = "net_csum net_gso net_addr" ]
put_ok 1 state stop
$KEXEC -u --multikernel=1 >/dev/null

# A kernel that knows another layout of the shared region says so, and
# the host ends the start at once rather than at its timeout.
load 1 2-3 256M multikernel.bench_wire_version=99
put_ok 1 state start
wait_state 1 crashed
check "other layout version: crashed, CPUs back" \
	[ "$(inst 1 state),$(cat /sys/devices/system/cpu/online)" = "crashed,$online0" ]
check "other layout version: last_error names both versions (EPROTO)" \
	grep -q "knows shared region version 99, not [0-9]* (-71)" \
		$MK/instances/1/last_error
$KEXEC -u --multikernel=1 >/dev/null

# A restart runs a purgatory that checks nothing: the host checks its
# own copy of the image before it puts it back, and refuses a changed
# one.
load 1 2-3 256M
free_copy=$(cat $MK/pool_free)
put_ok 1 state start
wait_state 1 running
echo "corrupt_copy 1" >$BENCH
put_ok 1 state stop
check "changed copy: a restart is refused with EBADMSG" \
	[ "$(put 1 state start)" = "Bad message" ]
check "changed copy: last_error says why" \
	grep -q "its saved image changed" $MK/instances/1/last_error
check "changed copy: the log says why" \
	logged "instance 1: the host's copy of its image changed since the load"
check "changed copy: stopped, CPUs and pool as when loaded" \
	is_back 1 "$free_copy"
$KEXEC -u --multikernel=1 >/dev/null
load 1 2-3 256M
put_ok 1 state start
wait_state 1 running
put_ok 1 state stop
check "changed copy: a new load restarts" \
	eval 'put_ok 1 state start && wait_state 1 running'
put_ok 1 state stop
$KEXEC -u --multikernel=1 >/dev/null

# Every start checks the image in the instance's memory against the
# host's copy, in place of purgatory's digest: a byte changed there
# after the load is refused, and the next start puts the image back.
load 1 2-3 256M
free_img=$(cat $MK/pool_free)
echo "corrupt_image 1" >$BENCH
check "changed image in memory: the start is refused with EBADMSG" \
	[ "$(put 1 state start)" = "Bad message" ]
check "changed image in memory: last_error says why" \
	grep -q "its image changed in memory; start again" $MK/instances/1/last_error
check "changed image in memory: the log says why" \
	logged "instance 1: its image changed in its memory since the host put it there"
check "changed image in memory: loaded, CPUs and pool as before" \
	eval '[ "$(inst 1 state)" = loaded ] && back_to_start "$free_img"'
check "changed image in memory: the next start puts it back and runs" \
	eval 'put_ok 1 state start && wait_state 1 running'
put_ok 1 state stop
wait_state 1 stopped
echo "corrupt_image 1" >$BENCH
check "changed image after a stop: the restart is refused with EBADMSG" \
	[ "$(put 1 state start)" = "Bad message" ]
check "changed image after a stop: the next restart runs" \
	eval 'put_ok 1 state start && wait_state 1 running'
put_ok 1 state stop
$KEXEC -u --multikernel=1 >/dev/null

# A panic in the spawned kernel: the host notices and takes the CPUs back.
load 1 2-3 256M mktest.panic
put_ok 1 state start
wait_state 1 crashed
check "panic: crashed, CPUs back" \
	[ "$(inst 1 state),$(cat /sys/devices/system/cpu/online)" = "crashed,$online0" ]
check "panic: last_error says why" grep -q "panicked" $MK/instances/1/last_error
$KEXEC -u --multikernel=1 >/dev/null

# A CPU the host cannot take offline: nothing changes.
load 1 2-3 256M
state=$(grep -m1 'sched:active' /sys/devices/system/cpu/hotplug/states | cut -d: -f1)
echo "$state" >/sys/devices/system/cpu/cpu3/hotplug/fail
check "start with a CPU the host cannot offline: EAGAIN" \
	[ "$(put 1 state start)" = "Resource temporarily unavailable" ]
check "start with a CPU the host cannot offline: nothing changed" \
	[ "$(inst 1 state),$(cat /sys/devices/system/cpu/online)" = "loaded,$online0" ]
$KEXEC -u --multikernel=1 >/dev/null
echo 2-3 >$MK/instances/1/cpus
$KEXEC -u --multikernel=1 >/dev/null 2>&1

# A large instance: its boot page tables grow with it.
if [ -n "$BIG_GB" ]; then
	big_kb=$((BIG_GB * 1024 * 1024))
	load 1 2-3 "${BIG_GB}G"
	put_ok 1 state start
	check "big: an instance of ${BIG_GB}G reaches running" wait_state 1 running
	check "big: its report arrives" wait_message 1
	mt=$(field 1 memtotal_kb)
	echo "# MemTotal of the ${BIG_GB}G instance: ${mt:-?} kB"
	check "big: MemTotal is most of ${BIG_GB}G" \
		[ "${mt:-0}" -gt $((big_kb * 9 / 10)) -a "${mt:-0}" -le "$big_kb" ]
	put_ok 1 state stop
	$KEXEC -u --multikernel=1 >/dev/null
	check "big: stopped and unloaded, CPUs and pool as at the start" \
		back_to_start "$free0"
fi

check "end: CPUs and pool as at the start" back_to_start "$free0"

# A reset that cannot be confirmed (INIT is blocked in VMX root
# operation): the instance ends "failed", and its CPU and memory stay
# reserved until the host reboots. Last, since nothing gives them back:
# the other selftests, which use instance 1 and CPU 1, run before this
# one in the main boot.
load 1 1 128M
free_failed=$(cat $MK/pool_free)
put_ok 1 state start
wait_state 1 running && wait_message 1
echo "fail_reset 1" >$BENCH
check "unconfirmed reset: kill fails with EIO" \
	[ "$(put 1 state kill)" = "Input/output error" ]
check "unconfirmed reset: the instance is failed" \
	[ "$(inst 1 state)" = failed ]
check "unconfirmed reset: last_error says why, and which CPU" \
	grep -q "CPUs 1 not confirmed reset" $MK/instances/1/last_error
err=$( (echo 1 >/sys/devices/system/cpu/cpu1/online) 2>&1)
check "unconfirmed reset: its CPU stays offline and owned" \
	[ "${err##*: }" = "Device or resource busy" -a \
	  "$(cat /sys/devices/system/cpu/online)" = "$(cpus_but "$online0" 1)" ]
! $KEXEC -u --multikernel=1 >/dev/null 2>&1
check "unconfirmed reset: unload refused, its memory stays reserved" \
	[ $? = 0 -a "$(inst 1 state)" = failed -a "$(cat $MK/pool_free)" = "$free_failed" ]
check "unconfirmed reset: start refused with EBUSY" \
	[ "$(put 1 state start)" = "Device or resource busy" ]

[ $failed = 0 ]
