#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run the guest boots listed in harness/boots and the build checks, then
# print the table of results.
#   T=NAME      only the KUnit suite or kselftest NAME (or NAME.case)
#   BOOTS="a b" only these boots
#   CFG=debug   the kernel variant to boot

. "$(dirname "$0")/common.sh"

CFG=${CFG:-debug}
T=${T:-}
BOOTS=${BOOTS:-}
TEST_TIMEOUT=${TEST_TIMEOUT:-600}
R=$B/results
rm -rf "$R"
mkdir -p "$R" "$B/logs"

trim() {
	sed 's/^[[:space:]]*//; s/[[:space:]]*$//' <<<"$1"
}

result() {
	printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$R/build.results"
}

# The kernel builds with the feature off, and none of it leaks in.
check_off() {
	local log=$B/logs/build-off.log leaked
	if ! "$ROOT/harness/kbuild.sh" off >"$log" 2>&1; then
		result FAIL "build: CONFIG_MULTIKERNEL=n" "build failed; see $log"
		return
	fi
	leaked=$(nm "$B/obj-off/vmlinux" | grep -ci multikernel || true)
	if [ "$leaked" != 0 ]; then
		result FAIL "build: CONFIG_MULTIKERNEL=n" "$leaked multikernel symbols in vmlinux"
	else
		result PASS "build: CONFIG_MULTIKERNEL=n" ""
	fi
}

# The series' own code, and the upstream files it hooks into, have no
# warnings at W=1.
check_w1() {
	local log=$B/logs/build-w1.log name="build: W=1 clean"
	touch "$ROOT"/kernel/multikernel/*.c "$ROOT"/arch/x86/kernel/multikernel*
	if ! kmake "$CFG" W=1 kernel/multikernel/ kernel/kexec_core.o \
		kernel/kexec_file.o arch/x86/kernel/kexec-bzimage64.o \
		arch/x86/kernel/setup.o arch/x86/kernel/multikernel.o \
		arch/x86/kernel/multikernel_platform.o \
		arch/x86/kernel/multikernel_trampoline.o \
		arch/x86/kernel/platform-quirks.o arch/x86/kernel/apic/ipi.o \
		arch/x86/kernel/cpu/topology.o arch/x86/kernel/idt.o >"$log" 2>&1; then
		result FAIL "$name" "build failed; see $log"
	elif grep -q 'warning:' "$log"; then
		result FAIL "$name" "$(grep -m5 'warning:' "$log" | tr '\n' ' ')"
	else
		result PASS "$name" ""
	fi
}

if [ -z "$T" ] && [ -z "$BOOTS" ] && [ "${SKIP_BUILD_CHECKS:-0}" != 1 ]; then
	note "harness and build checks"
	if out=$("$ROOT/harness/ktap_selftest.py" 2>&1); then
		result PASS "harness: ktap.py fails panics, hangs, missing results" ""
	else
		result FAIL "harness: ktap.py fails panics, hangs, missing results" "$out"
	fi
	check_off
	check_w1
fi

# Build the other kernel variants that boots ask for.
for v in $(awk -F'|' '!/^#/ && NF >= 4 { gsub(/ /, "", $4); print $4 }' \
		"$ROOT/harness/boots" | sort -u); do
	[ "$v" = "$CFG" ] && continue
	"$ROOT/harness/kbuild.sh" "$v"
	"$ROOT/harness/initramfs.sh" "$v"
done

while IFS='|' read -r name args suites variant; do
	name=$(trim "$name")
	case "$name" in ''|'#'*) continue ;; esac
	if [ -n "$BOOTS" ] && ! grep -qw -- "$name" <<<"$BOOTS"; then
		continue
	fi
	args=$(trim "$args")
	# shellcheck disable=SC2206
	expect=($(trim "$suites"))
	if [ -n "$T" ]; then
		args="$args mktest.filter=$T kunit.filter_glob=$T"
		expect=()
	fi
	variant=$(trim "${variant:-}")
	note "boot $name (${variant:-$CFG} kernel): $args"
	rc=0
	"$ROOT/harness/qemu.sh" "${variant:-$CFG}" "$name" \
		"mktest.mode=check mktest.timeout=$TEST_TIMEOUT $args" || rc=$?
	# A guest that never got as far as the first test (seen once: the
	# console stalled right after "Run /init") is booted once more; a
	# boot that stops anywhere later fails as it is.
	if ! grep -aq '^==== MKTEST BEGIN ====' "$B/logs/$name.log"; then
		note "boot $name: no test started; booting it once more (first log in $name.stuck.log)"
		mv "$B/logs/$name.log" "$B/logs/$name.stuck.log"
		rc=0
		"$ROOT/harness/qemu.sh" "${variant:-$CFG}" "$name" \
			"mktest.mode=check mktest.timeout=$TEST_TIMEOUT $args" || rc=$?
	fi
	"$ROOT/harness/ktap.py" parse "$name" "$B/logs/$name.log" "$rc" \
		"$R/$name.results" "${expect[@]}"
	# What a spawned kernel writes to its console lands in QEMU's
	# second serial port, which only the harness can read.
	if grep -qw spawn_test.sh <<<"${expect[*]}"; then
		what="$name: spawned kernel's report on ttyS1"
		if grep -aq '^mk-instance id=1 nproc=2 cpus=0-1 ' "$B/logs/$name.ttyS1.log"; then
			result PASS "$what" ""
		else
			result FAIL "$what" "no report in $B/logs/$name.ttyS1.log"
		fi
	fi
done <"$ROOT/harness/boots"

echo
echo "Guest logs: $B/logs/"
rc=0
"$ROOT/harness/ktap.py" report "$R"/*.results | tee "$R/table" || rc=$?
tail -n 1 "$R/table" >"$R/summary"
exit $rc
