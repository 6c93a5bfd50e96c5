#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Three shells hammer the lifecycle at once for MK_STRESS_SECONDS
# (default 60). Two each own an instance (1 on CPU 1, 2 on CPUs 2-3)
# and load, start, stop or kill, and unload it, in random order and at
# random moments; the third starts, stops and kills both, takes CPUs 1-3
# offline and online and reads every instance file, all at random. Each
# operation must succeed or fail with an error its race allows, no
# instance may end "crashed" or "failed", and once all are done the CPUs
# and the pool are as at the start. Meant for the KASAN and lockdep
# kernel, which report what a race breaks. First, a load slowed down by
# a large initrd must not hold up the other instances.

MK=/sys/kernel/multikernel
KERNEL=${KERNEL:-/boot/bzImage}
INITRD=${INITRD:-/boot/instance.img}
KEXEC=${KEXEC:-$(command -v kexec)}
SECONDS_=${MK_STRESS_SECONDS:-60}
# Seconds to wait for a state: see spawn_test.sh.
WAIT=${MK_SPAWN_WAIT:-300}
APPEND="console=ttyS1 multikernel_uart=0x2f8 kunit.enable=0"
OUT=/tmp/lifecycle_stress
. "$(dirname "$0")/tap.sh"

now() {
	read -r up _ </proc/uptime
	echo "${up%.*}"
}

# rnd N: a random number from 0 to N - 1.
rnd() {
	echo $(($(od -An -N2 -tu2 /dev/urandom) % $1))
}

# expect WORKER WHAT RESULT ALLOWED...: count RESULT ("" for success)
# as bad unless it is among ALLOWED.
expect() {
	local w=$1 what=$2 res=$3 a

	shift 3
	for a in "" "$@"; do
		[ "$res" = "$a" ] && return 0
	done
	echo "# $w: $what: unexpected '$res'" >>$OUT/log
	echo x >>$OUT/$w.bad
	return 1
}

# op WORKER ID CMD: write CMD to the state file, check the errno.
op() {
	local res

	res=$(put $2 state $3)
	case $3 in
	start)	# Already up, or going up after the chaos shell's start.
		expect $1 "start $2" "$res" "Device or resource busy" \
			"Exec format error" ;;
	stop)	# Not running, or stopping or starting meanwhile.
		expect $1 "stop $2" "$res" "Invalid argument" \
			"Device or resource busy" ;;
	kill)	expect $1 "kill $2" "$res" "Invalid argument" ;;
	esac
	case "$(inst $2 state)" in
	crashed|failed)
		echo "# $1: instance $2 is $(inst $2 state): $(inst $2 last_error)" >>$OUT/log
		echo x >>$OUT/$1.bad ;;
	esac
}

# unload WORKER ID: unload, killing what the chaos shell restarted.
unload() {
	local tries=0

	while ! $KEXEC -u --multikernel=$2 >/dev/null 2>&1; do
		tries=$((tries + 1))
		if [ $tries -gt 20 ]; then
			echo "# $1: cannot unload $2: $(inst $2 state)" >>$OUT/log
			echo x >>$OUT/$1.bad
			return 1
		fi
		put_ok $2 state kill
		sleep 0.2
	done
}

owner() {
	local w=owner$1 end r err

	end=$(($(now) + SECONDS_))
	while [ "$(now)" -lt $end ]; do
		# Loads and unloads of all instances take the kexec lock,
		# which a second one finds taken: EBUSY, and nothing done.
		err=$(load $1 $2 128M 2>&1)
		case "$err" in
		"")	;;
		*"Device or resource busy"*)
			[ "$(inst $1 state)" = empty ] ||
				expect $w "load $1" "$err: $(inst $1 state)"
			sleep 0.$(rnd 5)
			continue ;;
		*)	expect $w "load $1" "$err: $(inst $1 last_error)"
			sleep 1
			continue ;;
		esac
		echo x >>$OUT/$w.rounds
		r=0
		while [ $r -lt 3 ] && [ "$(now)" -lt $end ]; do
			r=$((r + 1))
			op $w $1 start
			# The first start is waited for, so that every run has
			# kernels that really ran; the others are left at random.
			case $(count $w.up):$(rnd 3) in
			0:*) wait_state $1 running && echo x >>$OUT/$w.up ;;
			*:0) ;;
			*:1) sleep 0.$(rnd 10) ;;
			*:2) wait_state $1 running && echo x >>$OUT/$w.up ;;
			esac
			if [ "$(rnd 2)" = 0 ]; then
				op $w $1 stop
			else
				op $w $1 kill
			fi
		done
		unload $w $1
		# A load takes the kexec lock for long under KASAN: leave the
		# other owner, which retries every half second, a turn.
		sleep 1
	done
}

chaos() {
	local end id cpu val err f

	end=$(($(now) + SECONDS_))
	while [ "$(now)" -lt $end ]; do
		echo x >>$OUT/chaos.rounds
		id=$(($(rnd 2) + 1))
		case $(rnd 6) in
		0) op chaos $id start ;;
		1) op chaos $id stop ;;
		2) op chaos $id kill ;;
		3|4)
			cpu=$(($(rnd 3) + 1))
			val=$(rnd 2)
			err=$( (echo $val >/sys/devices/system/cpu/cpu$cpu/online) 2>&1)
			# Onlining a CPU an instance owns is refused.
			expect chaos "online=$val cpu$cpu" "${err##*: }" \
				"Device or resource busy"
			;;
		5)
			for f in $MK/instances/$id/* $MK/instances/$id/link/*; do
				[ -f "$f" ] && cat "$f" >/dev/null 2>&1
			done
			;;
		esac
		sleep 0.$(rnd 5)
	done
}

count() {
	[ -f $OUT/$1 ] && wc -l <$OUT/$1 || echo 0
}

echo "TAP version 13"
if [ ! -d $MK/instances ] || [ -z "$KEXEC" ] || [ ! -f "$KERNEL" ] ||
   [ ! -f "$INITRD" ]; then
	echo "1..0 # SKIP needs multikernel, kexec, $KERNEL and $INITRD"
	exit 4
fi
echo "1..9"

unload_all
online0=$(cat /sys/devices/system/cpu/online)
free0=$(cat $MK/pool_free)
rm -rf $OUT
mkdir -p $OUT
: >$OUT/log

# A slow load (a large initrd to read and hash) leaves the instance
# "loading" and holds up no other instance: reading instance 1's
# last_error takes the lock that every change takes.
dd if=/dev/urandom of=$OUT/big.img bs=1M count=48 2>/dev/null
echo 1 >$MK/instances/1/cpus
$KEXEC -l --multikernel=2 --cpus=2-3 --mem=256M "$KERNEL" \
	--initrd=$OUT/big.img --append="$APPEND" >/dev/null &
loader=$!
t=0
while [ "$(inst 2 state)" != loading ] && [ $t -lt 3000 ]; do
	sleep 0.01
	t=$((t + 1))
done
seen=$(inst 2 state)
inst 1 last_error >/dev/null
busy=$(put 2 memory 128M)
after=$(inst 2 state)
wait $loader
rc=$?
echo "# instance 2 while it loads: '$seen', then '$after'; its cpus: '$busy'"
check "slow load: the instance is loading, another answers meanwhile" \
	[ "$seen" = loading -a "$after" = loading ]
check "slow load: its own changes are refused meanwhile (EBUSY)" \
	[ "$busy" = "Device or resource busy" ]
check "slow load: then loaded" [ $rc = 0 -a "$(inst 2 state)" = loaded ]
$KEXEC -u --multikernel=2 >/dev/null
$KEXEC -u --multikernel=1 >/dev/null
rm -f $OUT/big.img

owner 1 1 &
p1=$!
owner 2 2-3 &
p2=$!
chaos &
p3=$!
wait $p1 $p2 $p3
sed 's/^/# /' $OUT/log | head -n 40

for w in owner1 owner2; do
	echo "# $w: $(count $w.rounds) loads, $(count $w.up) starts that" \
		"reached running, $(count $w.bad) unexpected"
	check "$w: every result as its race allows" [ "$(count $w.bad)" = 0 ]
done
# Either owner may find the kexec lock taken at every try; not both. The
# chaos shell may kill an instance before it is up, but not every time:
# some kernels must have really run.
check "owners: instances loaded and reached running" \
	[ $(($(count owner1.rounds) + $(count owner2.rounds))) -gt 0 -a \
	  $(($(count owner1.up) + $(count owner2.up))) -gt 0 ]
echo "# chaos: $(count chaos.rounds) operations, $(count chaos.bad) unexpected"
check "chaos: every result as its race allows" \
	[ "$(count chaos.bad)" = 0 -a "$(count chaos.rounds)" -gt 0 ]

for i in 1 2; do
	unload end $i
done
check "end: both instances empty" \
	[ "$(inst 1 state),$(inst 2 state)" = empty,empty ]
# The chaos shell may have left a CPU offline.
for cpu in 1 2 3; do
	[ -f /sys/devices/system/cpu/cpu$cpu/online ] &&
		echo 1 >/sys/devices/system/cpu/cpu$cpu/online 2>/dev/null
done
check "end: CPUs and pool as at the start" back_to_start "$free0"

[ $failed = 0 ]
