#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# An instance never weakens the host's lockdown. An image loaded before
# the host locks itself down still starts (as an ordinary kexec image
# would), but its kernel locks itself down as far as the host before it
# runs init; a load after it is refused, since this kernel cannot check
# image signatures, with a reason and nothing left behind.
#
# Lockdown cannot be undone: this runs only when the boot asks for it
# (MK_LOCKDOWN=1, from mktest.lockdown=1), with no test after it.

MK=/sys/kernel/multikernel
SEC=/sys/kernel/security
KERNEL=${KERNEL:-/boot/bzImage}
INITRD=${INITRD:-/boot/instance.img}
KEXEC=${KEXEC:-$(command -v kexec)}
# Seconds to wait for a state or a report: see spawn_test.sh.
WAIT=${MK_SPAWN_WAIT:-300}
APPEND="console=ttyS1 multikernel_uart=0x2f8 kunit.enable=0"
err=/tmp/lockdown.err
. "$(dirname "$0")/tap.sh"

level() {
	sed -n 's/.*\[\(.*\)\].*/\1/p' $SEC/lockdown
}

echo "TAP version 13"
if [ "${MK_LOCKDOWN:-}" != 1 ]; then
	echo "1..0 # SKIP lockdown cannot be undone: runs in a boot of its own (mktest.lockdown=1)"
	exit 4
fi
mount -t securityfs none $SEC 2>/dev/null
echo "1..8"

unload_all
check "host: not locked down yet" [ "$(level)" = none ]

$KEXEC -l --multikernel=1 --cpus=2-3 --mem=256M "$KERNEL" \
	--initrd="$INITRD" --append="$APPEND" >/dev/null
echo integrity >$SEC/lockdown
check "host: locked down to integrity" [ "$(level)" = integrity ]
free1=$(cat $MK/pool_free)

echo start >$MK/instances/1/state
check "an image loaded before the lockdown starts" wait_message 1
echo "# $(inst 1 message)"
check "its kernel locked itself down to integrity before init" \
	[ "$(field 1 lockdown)" = integrity ]

$KEXEC -l --multikernel=2 --cpus=1 --mem=128M "$KERNEL" \
	--initrd="$INITRD" --append="$APPEND" >/dev/null 2>$err
rc=$?
sed 's/^/# /' $err
check "a load under lockdown is refused" [ $rc != 0 ]
check "the refusal says why" \
	grep -q "the host is locked down and this kernel cannot check image signatures" $err
check "the refused load left nothing behind" \
	[ "$(inst 2 state)" = empty -a "$(cat $MK/pool_free)" = "$free1" ]

echo stop >$MK/instances/1/state
$KEXEC -u --multikernel=1 >/dev/null
$KEXEC -u --multikernel=2 >/dev/null 2>&1
check "stop and unload still work under lockdown" \
	[ "$(inst 1 state)" = empty -a "$(cat /sys/devices/system/cpu/online)" = 0-3 ]

[ $failed = 0 ]
