# SPDX-License-Identifier: GPL-2.0
#
# TAP output, and what the multikernel shell selftests ask of an
# instance; sourced, not run. The tests set MK (the sysfs directory)
# and WAIT (seconds to wait for a spawned kernel) before they use it.

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
