# SPDX-License-Identifier: GPL-2.0
#
# TAP output for the multikernel shell selftests; sourced, not run.

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
