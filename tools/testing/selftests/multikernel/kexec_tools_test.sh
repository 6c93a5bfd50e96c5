#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# kexec(8) with --multikernel, end to end: load into the lowest free
# instance, refuse bad input with a readable message and leave nothing
# behind (a kernel that cannot run as an instance too), start (kexec -e)
# and kill, and unload.

MK=/sys/kernel/multikernel
out=/tmp/kexec.out
err=/tmp/kexec.err
KERNEL=${KERNEL:-/boot/bzImage}
INITRD=${INITRD:-/boot/initrd.img}
KEXEC=${KEXEC:-$(command -v kexec)}
# The same kernel built without CONFIG_MULTIKERNEL.
KERNEL_OFF=${KERNEL_OFF:-/boot/bzImage-off}
. "$(dirname "$0")/tap.sh"

# run CMD...: run it with its output in $out and $err, show its errors.
run() {
	"$@" >$out 2>$err
	rc=$?
	sed 's/^/# /' $err
	return $rc
}

# result STATUS NAME: STATUS is $? of the condition just tested.
result() {
	if [ "$1" = 0 ]; then ok "$2"; else not_ok "$2"; fi
}

echo "TAP version 13"
if [ ! -d $MK/instances ] || [ -z "$KEXEC" ] || [ ! -f "$KERNEL" ]; then
	echo "1..0 # SKIP needs multikernel, kexec and $KERNEL"
	exit 4
fi
echo "1..14"

# Start from no instance assigned or loaded.
unload_all
online0=$(cat /sys/devices/system/cpu/online)
free0=$(cat $MK/pool_free)

# Load without an ID: instance 1 is the lowest free one.
run $KEXEC -l --multikernel --cpus=2-3 --mem=256M "$KERNEL" \
	--initrd="$INITRD" --append="console=ttyS1"
rc=$?
id=$(cat $out)
[ $rc = 0 ] && [ "$id" = 1 ]
result $? "load prints the instance ID"
[ "$(cat $MK/instances/1/state)" = loaded ] &&
	[ "$(cat $MK/instances/1/cpus)" = 2-3 ] &&
	[ "$(cat $MK/pool_free)" = $((free0 - 256 * 1024 * 1024)) ]
result $? "instance is loaded"

# The ordinary and the crash image load and unload beside the instance.
run $KEXEC -s -l "$KERNEL" --append="console=ttyS0"
[ $? = 0 ] && [ "$(cat /sys/kernel/kexec_loaded)" = 1 ] &&
	run $KEXEC -s -u && [ "$(cat /sys/kernel/kexec_loaded)" = 0 ] &&
	[ "$(cat $MK/instances/1/state)" = loaded ]
result $? "kexec -l and -u work beside an instance"

if [ "$(cat /sys/kernel/kexec_crash_size)" = 0 ]; then
	ok "kexec -p works beside an instance # SKIP no crashkernel="
else
	run $KEXEC -s -p "$KERNEL" --append="console=ttyS0"
	[ $? = 0 ] && [ "$(cat /sys/kernel/kexec_crash_loaded)" = 1 ] &&
		run $KEXEC -s -p -u &&
		[ "$(cat /sys/kernel/kexec_crash_loaded)" = 0 ] &&
		[ "$(cat $MK/instances/1/state)" = loaded ]
	result $? "kexec -p works beside an instance"
fi

# Starting an empty instance: a clear refusal.
run $KEXEC -e --multikernel=2
rc=$?
[ $rc != 0 ] && grep -q "cannot start multikernel instance 2" $err &&
	grep -q "the kernel says: cannot start" $err &&
	[ "$(cat $MK/instances/2/state)" = empty ]
result $? "start of an empty instance is refused with a readable reason"

# kexec -e starts the loaded one; killing it gives the CPUs back.
run $KEXEC -e --multikernel=1
rc=$?
state=$(cat $MK/instances/1/state)
[ $rc = 0 ] && { [ "$state" = starting ] || [ "$state" = running ]; } &&
	[ "$(cat /sys/devices/system/cpu/online)" = "$(cpus_but "$online0" 2 3)" ]
result $? "kexec -e starts the instance on its CPUs"
echo kill >$MK/instances/1/state
[ "$(cat $MK/instances/1/state)" = stopped ] &&
	[ "$(cat /sys/devices/system/cpu/online)" = "$online0" ]
result $? "kill stops it and gives the CPUs back"

run $KEXEC -u --multikernel=1
[ $? = 0 ] && [ "$(cat $MK/instances/1/state)" = empty ] &&
	[ "$(cat $MK/pool_free)" = "$free0" ]
result $? "unload restores the pool"

# Bad input: a readable message, and nothing left behind.
unchanged() {
	[ "$(cat $MK/pool_free)" = "$free0" ] &&
	[ "$(cat $MK/instances/1/state)" = empty ] &&
	[ -z "$(cat $MK/instances/1/cpus)" ] &&
	[ "$(cat $MK/instances/1/memory)" = 0 ]
}

run $KEXEC -l --multikernel --cpus=0 --mem=256M "$KERNEL"
[ $? != 0 ] && grep -q "CPU 0 stays with the host" $err && unchanged
result $? "CPU 0 is refused"

run $KEXEC -l --multikernel --cpus=2-3 --mem=64G "$KERNEL"
[ $? != 0 ] && grep -q "free in the pool" $err && unchanged
result $? "too much memory is refused"

head -c 65536 /dev/zero >/tmp/zero.img
run $KEXEC -l --multikernel --cpus=2-3 --mem=256M /tmp/zero.img
[ $? != 0 ] && grep -q "Cannot determine the file type" $err && unchanged
result $? "a garbage image is refused"

# It would boot as a PC and take the host's machine for its own.
run $KEXEC -l --multikernel --cpus=2-3 --mem=256M "$KERNEL_OFF"
[ $? != 0 ] && grep -q "built without CONFIG_MULTIKERNEL" $err && unchanged
result $? "a kernel built without multikernel support is refused"

run $KEXEC -l --multikernel=1 --cpus=2-3 --mem=256M "$KERNEL" \
	--initrd=/nonexistent
[ $? != 0 ] && unchanged
result $? "a missing initrd is refused"

run $KEXEC -u --multikernel=3
[ $? != 0 ] && grep -q "cannot unload multikernel instance 3" $err
result $? "unloading an empty instance is refused"

[ $failed = 0 ]
