#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The console over the link and the log the host keeps. A spawned
# kernel booted with console=hvc0 (and no UART) runs a shell there
# (instance_init.sh); the host's /dev/ttyMK<id> reaches it: a command
# written there runs in the instance and its output comes back. The
# host's tty hangs up when the instance goes down and works again after
# a restart or a kill, with nothing set up again. instances/<id>/log
# keeps the instance's console output from its first line, also after
# it stopped or panicked before init.

MK=/sys/kernel/multikernel
KERNEL=${KERNEL:-/boot/bzImage}
INITRD=${INITRD:-/boot/instance.img}
KEXEC=${KEXEC:-$(command -v kexec)}
# Seconds to wait for a state or a report: see spawn_test.sh.
WAIT=${MK_SPAWN_WAIT:-300}
APPEND="console=hvc0 kunit.enable=0"
. "$(dirname "$0")/tap.sh"

# has_open PID ID: wait until process PID has /dev/ttyMK<ID> open.
has_open() {
	t=0
	until ls -l /proc/$1/fd 2>/dev/null | grep -q "/dev/ttyMK$2"; do
		[ $t -ge 100 ] && return 1
		sleep 0.1
		t=$((t + 1))
	done
}

# run ID COMMAND TEXT: write COMMAND to the console of instance ID and
# wait until TEXT comes back; what came back is in /tmp/console.ID.
# With once set, COMMAND is written once, for a shell known to be up.
run() {
	out=/tmp/console.$1
	: >"$out"
	cat /dev/ttyMK$1 >"$out" &
	reader=$!
	# What comes while nobody has the tty open is not kept.
	has_open $reader $1
	# Ask again after every three seconds in which nothing came back
	# (a shell that is not up yet), never while output flows: typing
	# over it would garble it.
	t=0
	last=-1
	while [ $t -lt $((WAIT * 10)) ]; do
		if [ $((t % 30)) = 0 ]; then
			size=$(wc -c <"$out")
			[ "$size" = "$last" -a -z "$once" ] || [ $t = 0 ] &&
				printf '%s\n' "$2" >/dev/ttyMK$1
			last=$size
		fi
		if grep -qF "$3" "$out"; then
			kill $reader 2>/dev/null
			wait $reader 2>/dev/null
			return 0
		fi
		sleep 0.1
		t=$((t + 1))
	done
	kill $reader 2>/dev/null
	wait $reader 2>/dev/null
	return 1
}

# reader_start ID: a reader of /dev/ttyMK<ID>, which the next stop
# should end; returns once it has the tty open.
reader_start() {
	cat /dev/ttyMK$1 >/dev/null 2>&1 &
	held=$!
	has_open $held $1
}

# reader_gone: the reader started last ended within ten seconds.
reader_gone() {
	t=0
	while kill -0 $held 2>/dev/null; do
		[ $t -ge 100 ] && { kill $held; return 1; }
		sleep 0.1
		t=$((t + 1))
	done
	wait $held 2>/dev/null
	return 0
}

# in_log ID TEXT: the host's copy of the instance's log has TEXT.
in_log() {
	grep -qF "$2" $MK/instances/$1/log
}

# log_clean ID: nothing in the instance's log says it is broken.
log_clean() {
	! grep -E 'BUG:|WARNING:|Oops|KASAN:|UBSAN:|Call Trace' \
		$MK/instances/$1/log
}

echo "TAP version 13"
echo "1..25"
unload_all
online0=$(cat /sys/devices/system/cpu/online)
free0=$(cat $MK/pool_free)

check "a tty per instance slot: /dev/ttyMK1 and /dev/ttyMK2" \
	[ -c /dev/ttyMK1 -a -c /dev/ttyMK2 ]
load 1 2-3 128M
check "log: empty before the first start" \
	[ -z "$(head -c 1 $MK/instances/1/log)" ]
err=$( (echo x >$MK/instances/1/log) 2>&1)
check "log: read-only (EACCES)" [ "${err##*: }" = "Permission denied" ]
check "tty: writing while the instance is down drops the bytes" \
	sh -c "echo lost >/dev/ttyMK1"

put_ok 1 state start
check "start: reaches running with console=hvc0 and no UART" \
	wait_state 1 running
check "console: a command typed on the host runs in the instance" \
	run 1 'echo mk-id-$(cat /sys/kernel/multikernel/instance_id)' mk-id-1
check "console: its output is the instance's, not the host's" \
	run 1 'echo mk-sum-$((6 * 7))-$(nproc)' mk-sum-42-2
once=1
run 1 'seq 1 20000; echo mk-seq-$((2 * 3))' mk-seq-6
once=
seq_ok() {
	tr -d '\r' </tmp/console.1 | grep -x '[0-9][0-9]*' | awk '
		$1 != NR && !bad { print "# line " NR " is " $1; bad = 1 }
		$1 == NR { n++ }
		END { print "# " n " of 20000 in place"; exit n != 20000 }'
}
check "console: 20000 lines from the instance arrive whole, in order" seq_ok
check "log: from the first line of the boot" \
	sh -c "head -n 1 $MK/instances/1/log | grep -q 'Linux version'"
check "log: up to init" in_log 1 "instance 1: up on 2 CPUs"
run 1 'echo mk-kmsg-$((3 * 5)) >/dev/kmsg; echo mk-kmsg-done-$((1 + 1))' \
	mk-kmsg-done-2
check "log: follows printk after the boot" in_log 1 mk-kmsg-15

reader_start 1
check "stop: succeeds" put_ok 1 state stop
check "stop: the host's tty hangs up" reader_gone
check "stop: the log stays readable, with the power off" \
	in_log 1 "the host asks for power off"

put_ok 1 state start
wait_state 1 running
check "restart: the same tty works again, nothing set up again" \
	run 1 'echo mk-again-$((1 + 1))' mk-again-2
check "restart: the log is the new run's" \
	[ "$(grep -c 'Linux version' $MK/instances/1/log)" = 1 ]

reader_start 1
put_ok 1 state kill
check "kill: the host's tty hangs up" reader_gone
put_ok 1 state start
wait_state 1 running
check "kill, then start: the console works again" \
	run 1 'echo mk-killed-$((2 + 1))' mk-killed-3
check "log: no warning in the instance's log" log_clean 1
put_ok 1 state stop
$KEXEC -u --multikernel=1

# A kernel that panics before init: the init it is told to run is not
# there, and with init= it tries no other.
APPEND="console=hvc0 kunit.enable=0 rdinit=/nope init=/nope"
load 1 2-3 128M
put_ok 1 state start
check "panic before init: the instance crashes" wait_state 1 crashed
check "panic before init: the log shows the panic" \
	in_log 1 "Kernel panic - not syncing: Requested init /nope failed"
check "panic before init: and the boot before it" in_log 1 "Linux version"
$KEXEC -u --multikernel=1

# Two instances, each with its own console.
APPEND="console=hvc0 kunit.enable=0"
load 1 2 128M
load 2 3 128M
put_ok 1 state start
put_ok 2 state start
wait_state 1 running
wait_state 2 running
check "two instances: ttyMK1 reaches instance 1" \
	run 1 'echo mk-two-$(cat /sys/kernel/multikernel/instance_id)' mk-two-1
check "two instances: ttyMK2 reaches instance 2" \
	run 2 'echo mk-two-$(cat /sys/kernel/multikernel/instance_id)' mk-two-2
put_ok 1 state stop
put_ok 2 state stop
$KEXEC -u --multikernel=1
$KEXEC -u --multikernel=2
check "CPUs and pool as before" back_to_start "$free0"

[ $failed = 0 ]
