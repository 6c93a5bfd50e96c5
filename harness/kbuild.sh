#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Configure and build one kernel variant: kbuild.sh guest|debug|off [W=1 ...]
# The tree must have been prepared by tree.sh.

. "$(dirname "$0")/common.sh"

cfg=${1:?usage: kbuild.sh guest|debug|off [make args]}
shift
case "$cfg" in
guest) frags="guest.config" ;;
debug) frags="guest.config debug.config" ;;
off)   frags="guest.config off.config" ;;
*) die "unknown kernel variant '$cfg' (guest, debug or off)" ;;
esac

O=$B/obj-$cfg
mkdir -p "$O"
paths=
for f in $frags; do paths="$paths $ROOT/configs/$f"; done

# shellcheck disable=SC2086
stamp=$(cat $paths | sha256sum | cut -d' ' -f1)
if [ ! -f "$O/.config" ] || [ "$(cat "$O/.config-stamp" 2>/dev/null)" != "$stamp" ]; then
	note "configuring $cfg kernel"
	kmake "$cfg" -s tinyconfig >/dev/null
	# shellcheck disable=SC2086
	(cd "$O" && KCONFIG_CONFIG=.config "$KSRC/scripts/kconfig/merge_config.sh" \
		-m -O . .config $paths >/dev/null)
	kmake "$cfg" -s olddefconfig >/dev/null
	# Every option asked for must have been taken; later fragments win.
	declare -A want
	# shellcheck disable=SC2086
	for line in $(cat $paths | grep -E '^CONFIG_'); do
		want[${line%%=*}]=${line#*=}
	done
	bad=
	for opt in "${!want[@]}"; do
		val=${want[$opt]}
		if [ "$val" = n ]; then
			grep -q "^$opt=" "$O/.config" && bad="$bad $opt=n"
		else
			grep -qx "$opt=$val" "$O/.config" || bad="$bad $opt=$val"
		fi
	done
	[ -z "$bad" ] || die "$cfg config did not take:$bad"
	echo "$stamp" >"$O/.config-stamp"
fi

note "building $cfg kernel"
kmake "$cfg" -s bzImage "$@"
