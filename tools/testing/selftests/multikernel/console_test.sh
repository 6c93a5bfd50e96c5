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

# reader_start ID: a reader of /dev/ttyMK<ID>, which the next stop
# should end; returns once it has the tty open.
reader_start() {
	cat /dev/ttyMK$1 >/dev/null 2>&1 &
	held=$!
	has_open $held $1
}

# reader_gone: the reader started last saw the end of the file (a
# hangup) within ten seconds.
reader_gone() {
	t=0
	while kill -0 $held 2>/dev/null; do
		if [ $t -ge 100 ]; then
			kill $held
			wait $held 2>/dev/null
			return 1
		fi
		sleep 0.1
		t=$((t + 1))
	done
	wait $held
}

# in_log ID TEXT: the host's copy of the instance's log has TEXT, or
# gets it within ten seconds (a console prints after the fact).
in_log() {
	t=0
	until grep -qF "$2" $MK/instances/$1/log; do
		[ $t -ge 100 ] && return 1
		sleep 0.1
		t=$((t + 1))
	done
}

# log_clean ID: the instance's log can be read and nothing in it says
# it is broken.
log_clean() {
	grep -E 'BUG:|WARNING:|Oops|KASAN:|UBSAN:|Call Trace' \
		$MK/instances/$1/log >/tmp/console.bad
	rc=$?
	sed 's/^/# /' /tmp/console.bad
	[ $rc = 1 ]
}

echo "TAP version 13"
echo "1..32"
unload_all
online0=$(cat /sys/devices/system/cpu/online)
free0=$(cat $MK/pool_free)

check "a tty per instance slot: /dev/ttyMK1 and /dev/ttyMK2" \
	[ -c /dev/ttyMK1 -a -c /dev/ttyMK2 ]
check "sysfs: each under its instance's console function" \
	[ -d /sys/class/multikernel/multikernel1/console.1/tty/ttyMK1 -a \
	  -d /sys/class/multikernel/multikernel2/console.2/tty/ttyMK2 ]
check "bus: the console driver bound to each console function by name" \
	[ "$(basename "$(readlink /sys/bus/multikernel/devices/console.1/driver)")" = console -a \
	  "$(basename "$(readlink /sys/bus/multikernel/devices/console.2/driver)")" = console ]
check "load: succeeds" load 1 2-3 128M
check "log: there and empty before the first start" \
	[ -f $MK/instances/1/log -a "$(wc -c <$MK/instances/1/log)" = 0 ]
err=$( (echo x >$MK/instances/1/log) 2>&1)
check "log: read-only (EACCES)" \
	[ -f $MK/instances/1/log -a "${err##*: }" = "Permission denied" ]
check "tty: a write while the instance is down returns at once" \
	timeout 10 sh -c "echo 'echo mk-lost-\$((4 + 4)) >/dev/kmsg' >/dev/ttyMK1"

put_ok 1 state start
check "start: reaches running, booted with console=hvc0" \
	wait_state 1 running
check "console: a command typed on the host runs in the instance" \
	console_run 1 'echo mk-id-$(cat /sys/kernel/multikernel/instance_id)' mk-id-1
# 1 only in the 128M instance, not on the 2G host.
check "console: its output is the instance's, not the host's" \
	console_run 1 'echo mk-small-$(awk "/MemTotal/ { print (\$2 < 500000) }" /proc/meminfo)' \
	mk-small-1
# Quiet for the count: a kernel message would split a line.
once=1
console_run 1 'dmesg -n 1; seq 1 20000; dmesg -n 7; echo mk-seq-$((2 * 3))' mk-seq-6
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
check "log: up to init" in_log 1 "Run /init as init process"
check "tty: what was written while it was down never reached it" \
	sh -c "! grep -qF mk-lost-8 $MK/instances/1/log"
console_run 1 'echo mk-kmsg-$((3 * 5)) >/dev/kmsg; echo mk-kmsg-done-$((1 + 1))' \
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
	console_run 1 'echo mk-again-$((1 + 1))' mk-again-2
check "restart: the log is the new run's, and only that" \
	sh -c "[ \$(grep -c 'Linux version' $MK/instances/1/log) = 1 ] &&
		! grep -qF mk-kmsg-15 $MK/instances/1/log"

# Output nobody reads when the instance is killed: a holder keeps the
# tty open without reading, so that it waits in the tty's buffers. The
# next run's reader gets none of it.
sleep 1000 </dev/ttyMK1 &
holder=$!
has_open $holder 1
printf '%s\n' 'seq 1 1500 | sed s/^/mk-stale-/; echo mk-stale-done >/dev/kmsg' \
	>/dev/ttyMK1
in_log 1 mk-stale-done && sleep 1
reader_start 1
put_ok 1 state kill
check "kill: the host's tty hangs up" reader_gone
kill $holder
wait $holder 2>/dev/null
put_ok 1 state start
wait_state 1 running
check "kill, then start: the console works again" \
	console_run 1 'echo mk-killed-$((2 + 1))' mk-killed-3
check "kill, then start: nothing of the last run's unread output" \
	sh -c "! grep -q mk-stale /tmp/console.1"
check "log: no warning in the instance's log" log_clean 1
put_ok 1 state stop
$KEXEC -u --multikernel=1

# A kernel that panics before init: the init it is told to run is not
# there, and with init= it tries no other. It is also given a port that
# is no legacy UART's, and then no port at all, and refuses both in its
# log.
APPEND="console=hvc0 kunit.enable=0 rdinit=/nope init=/nope"
APPEND="$APPEND multikernel_uart=0x1234 multikernel_uart"
load 1 2-3 128M
put_ok 1 state start
check "panic before init: the instance crashes" wait_state 1 crashed
check "panic before init: the log shows the panic" \
	in_log 1 "Kernel panic - not syncing: Requested init /nope failed"
check "panic before init: and the boot before it" in_log 1 "Linux version"
check "log: a bad multikernel_uart= is refused there" \
	in_log 1 "multikernel_uart=0x1234: not a legacy UART's port"
check "log: and one with no port" \
	in_log 1 "multikernel_uart=: not a legacy UART's port"
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
	console_run 1 'echo mk-two-$(cat /sys/kernel/multikernel/instance_id)' mk-two-1
check "two instances: ttyMK2 reaches instance 2" \
	console_run 2 'echo mk-two-$(cat /sys/kernel/multikernel/instance_id)' mk-two-2
put_ok 1 state stop
put_ok 2 state stop
$KEXEC -u --multikernel=1
$KEXEC -u --multikernel=2
check "CPUs and pool as before" back_to_start "$free0"

[ $failed = 0 ]
