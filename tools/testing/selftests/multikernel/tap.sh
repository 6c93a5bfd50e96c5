# SPDX-License-Identifier: GPL-2.0
#
# TAP output, and what the multikernel shell selftests ask of an
# instance; sourced, not run. The tests set MK (the sysfs directory)
# and WAIT (seconds to wait for a spawned kernel) before they use it;
# load() uses KEXEC, KERNEL, INITRD and APPEND, back_to_start() online0
# (the host's CPUs online at the start).

n=0
failed=0

ok() {
	n=$((n + 1))
	echo "ok $n $1"
}

not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n $1"
}

# check NAME CONDITION...: one result for a shell condition.
check() {
	name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}

# cpus_but LIST CPU...: the CPU list LIST, as the kernel writes one,
# less the CPUs given; the tests run on machines of any number of CPUs.
cpus_but() {
	list=$1
	shift
	echo "$list" | awk -v drop=" $* " '
	{
		n = split($0, r, ",")
		for (i = 1; i <= n; i++) {
			a = r[i]; b = r[i]
			if (split(r[i], ab, "-") == 2) { a = ab[1]; b = ab[2] }
			for (c = a + 0; c <= b + 0; c++)
				if (index(drop, " " c " ") == 0)
					keep[c] = 1
		}
		out = ""
		for (c = 0; c <= 8192; c++) {
			if (!(c in keep) || (c - 1) in keep)
				continue
			e = c
			while ((e + 1) in keep)
				e++
			out = out (out == "" ? "" : ",") (e > c ? c "-" e : c)
		}
		print out
	}'
}

# inst ID FILE: a file of instance ID.
inst() {
	cat $MK/instances/$1/$2
}

# field ID NAME: NAME=VALUE from the last message of instance ID.
field() {
	inst $1 message | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# wait_message ID [PREFIX]: wait for the spawned kernel's report, or
# for its last message to start with PREFIX.
wait_message() {
	t=0
	while ! inst $1 message | grep -q "^${2:-mk-instance }"; do
		[ $t -ge $((WAIT * 10)) ] && return 1
		case "$(inst $1 state)" in
		starting|running) ;;
		*) return 1 ;;	# it will not say anything any more
		esac
		sleep 0.1
		t=$((t + 1))
	done
}

# unload_all: whatever an earlier test left loaded in any slot.
unload_all() {
	for i in 1 2 3 4 5 6 7 8; do
		$KEXEC -u --multikernel=$i >/dev/null 2>&1
	done
}

# put ID FILE VALUE: write, and print the error text of a failed write.
put() {
	err=$( (echo "$3" >$MK/instances/$1/$2) 2>&1)
	rc=$?
	echo "${err##*: }"
	return $rc
}

# put_ok ID FILE VALUE: write, quietly.
put_ok() {
	put "$@" >/dev/null
}

# load ID CPUS MEM [EXTRA ARGS]
load() {
	$KEXEC -l --multikernel=$1 --cpus=$2 --mem=$3 "$KERNEL" \
		--initrd="$INITRD" --append="$APPEND $4" >/dev/null
}

# wait_state ID STATE: wait until the instance is in STATE; say where
# it is instead when it does not get there.
wait_state() {
	t=0
	while [ "$(inst $1 state)" != "$2" ]; do
		st=$(inst $1 state)
		if [ $t -ge $((WAIT * 10)) ]; then
			echo "# instance $1 is $st, not $2: $(inst $1 last_error)"
			return 1
		fi
		case "$st" in
		crashed|stopped|empty|loaded)
			# It will not move on by itself, or was not started.
			[ "$(inst $1 state)" = "$2" ] && return 0
			echo "# instance $1 is $st, not $2: $(inst $1 last_error)"
			return 1 ;;
		esac
		sleep 0.1
		t=$((t + 1))
	done
}

# logged TEXT: the kernel log has TEXT.
logged() {
	dmesg | grep -qF "$1"
}

# back_to_start POOL_FREE: the host's CPUs online as at the start, and
# POOL_FREE bytes free in the pool.
back_to_start() {
	[ "$(cat /sys/devices/system/cpu/online)" = "$online0" ] &&
		[ "$(cat $MK/pool_free)" = "$1" ]
}

# is_back ID POOL_FREE: stopped, the host's CPUs and pool as they were.
is_back() {
	[ "$(inst $1 state)" = stopped ] && back_to_start "$2"
}

# has_open PID ID: wait until process PID has /dev/ttyMK<ID> open.
has_open() {
	t=0
	until ls -l /proc/$1/fd 2>/dev/null | grep -q "/dev/ttyMK$2"; do
		[ $t -ge 100 ] && return 1
		sleep 0.1
		t=$((t + 1))
	done
}

# console_run ID COMMAND TEXT: write COMMAND to the console of instance
# ID and wait until TEXT comes back; what came back is in
# /tmp/console.ID. With once set, COMMAND is written once, for a shell
# known to be up.
console_run() {
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
