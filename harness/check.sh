#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run the guest boots listed in harness/boots and the build checks, then
# print the table of results.
#   T=NAME      only the KUnit suite or kselftest NAME (or NAME.case)
#   BOOTS="a b" only these boots
#   CFG=debug   the kernel variant of boots that name none

. "$(dirname "$0")/common.sh"

CFG=${CFG:-debug}
T=${T:-}
BOOTS=${BOOTS:-}
TEST_TIMEOUT=${TEST_TIMEOUT:-1200}
R=$B/results
rm -rf "$R"
mkdir -p "$R" "$B/logs"
: >"$R/times"

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
	touch "$KSRC"/kernel/multikernel/*.c "$KSRC"/drivers/multikernel/*.c \
		"$KSRC"/arch/x86/kernel/multikernel*
	if ! kmake "$CFG" W=1 kernel/multikernel/ drivers/multikernel/ \
		kernel/kexec_core.o \
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

# What a kernel reports when something is broken; the guest's init
# scans the host's log for the same.
BAD='BUG:|WARNING:|Oops|Kernel panic|KASAN:|UBSAN:|suspected memory leak|unreferenced object|INFO: (task|possible|trying)|general protection|Call Trace'

# Spawned kernels write their consoles to QEMU's second serial port,
# which only the harness can read: they must be as clean as the host.
# A kernel that panics on purpose does so with sysrq-c, which the
# kernel itself announces: what it prints from there until the next
# kernel boots is excused. (Its init's own "mk-instance panicking" can
# be lost in the tty buffer, and the host may reset it in the middle of
# its last line, which the next kernel's first line then ends.)
check_ttyS1() {
	local name=$1 log=$B/logs/$1.ttyS1.log what="$1: spawned kernels' consoles are clean" bad
	if [ ! -s "$log" ]; then
		result FAIL "$what" "no spawned kernel wrote to $log"
		return
	fi
	bad=$(awk -v bad="$BAD" '
		/sysrq: Trigger a crash/ { excused = 1 }
		$0 ~ bad && !excused { print }
		/Linux version / { excused = 0 }' "$log" | head -n 5)
	if [ -n "$bad" ]; then
		result FAIL "$what" "$(tr '\n' ' ' <<<"$bad")(see $log)"
	else
		result PASS "$what" ""
	fi
}

# verdict WHAT WHY LOG: a failure with WHY (see LOG), or a pass.
verdict() {
	if [ -n "$2" ]; then
		result FAIL "$1" "$2 (see $3)"
	else
		result PASS "$1" ""
	fi
}

# A boot with mktest.at_end=poweroff|kexec left instance 2 running on
# CPUs 2-3 when the host powered off or kexec'd into a new kernel: the
# host must have asked it to power off and had its CPUs back first, and
# the instance must have heard it; after kexec, the new kernel must
# have all the machine's CPUs (MACHINE's SMP, else 4).
check_at_end() {
	local name=$1 how=$2 machine=$3 log=$B/logs/$1.log last what out ncpu
	what="$name: host $how with an instance running stops it first"
	ncpu=$(sed -n 's/.*SMP=\([0-9]*\).*/\1/p' <<<"$machine")
	ncpu=${ncpu:-4}
	case "$how" in
	poweroff) last="reboot: Power down" ;;
	kexec) last="mk-instance id=0 nproc=$ncpu cpus=0-$((ncpu - 1)) " ;;
	panic) check_at_panic "$name"; return ;;
	*) result FAIL "$what" "unknown mktest.at_end=$how"; return ;;
	esac
	out=$(awk -v last="$last" '
		BEGIN {
			want[1] = "mk-at-end: instance 2 is running on CPUs 2-3"
			want[2] = "multikernel: instance 2: asking it to power off: the host is going down"
			want[3] = "multikernel: instance 2: stopped; CPUs 2-3 are back"
			want[4] = last
			n = 1
		}
		n <= 4 && index($0, want[n]) { n++ }
		END { if (n <= 4) print "never saw \"" want[n] "\" after the lines before it" }' "$log")
	if [ -z "$out" ] && ! grep -aq "instance 2: the host asks for power off" \
		"$B/logs/$name.ttyS1.log"; then
		out="the instance never logged the host's power-off request"
	fi
	verdict "$what" "$out" "$log"
}

# A boot with mktest.at_end=panic left instance 2 counting ten times a
# second on ttyS1 when the host panicked into a crash kernel that takes
# one CPU: the host must have stopped the instance's CPUs on the way,
# so that it counted on by a few at most (half a second), not on
# through the crash kernel's boot and the two seconds it waits.
check_at_panic() {
	local name=$1 log=$B/logs/$1.log what out at last
	what="$name: host panic with an instance running stops it first"
	at=$(sed -n 's/.*mk-at-end: the host panics at mk-tick \([0-9]*\).*/\1/p' "$log" | head -n 1)
	last=$(sed -n 's/^mk-tick \([0-9]*\).*/\1/p' "$B/logs/$name.ttyS1.log" | tail -n 1)
	if [ -z "$at" ]; then
		out="the instance was not ticking when the host panicked"
	elif ! grep -aq "mk-instance id=0 nproc=1 " "$log"; then
		out="the crash kernel never reported"
	elif [ -z "$last" ] || [ "$last" -lt "$at" ]; then
		out="ttyS1 has no tick from $at on"
	elif [ "$last" -gt $((at + 5)) ]; then
		out="the instance ticked on from $at to $last after the panic"
	fi
	verdict "$what" "${out:-}" "$log"
}

# timed NAME COMMAND...: run a step, note its wall time for the table.
timed() {
	local name=$1 t0 rc=0
	shift
	t0=$(date +%s)
	"$@" || rc=$?
	printf '%s\t%s\n' "$name" $(($(date +%s) - t0)) >>"$R/times"
	return $rc
}

boot_line() {
	local name args suites variant skips machine
	IFS='|' read -r name args suites variant skips machine <<<"$1"
	name=$(trim "$name")
	args=$(trim "$args")
	suites=$(trim "$suites")
	variant=$(trim "${variant:-}")
	skips=$(trim "${skips:-}")
	machine=$(trim "${machine:-}")
	printf '%s|%s|%s|%s|%s|%s\n' "$name" "$args" "$suites" "${variant:-$CFG}" \
		"$skips" "$machine"
}

# The boots to run: all of harness/boots, those named by BOOTS, or for
# T=NAME those that expect NAME's suite; a NAME that no boot expects is
# a failure of its own (and a case name that matches nothing fails in
# ktap.py).
boots=$(grep -v -e '^#' -e '^[[:space:]]*$' "$ROOT/harness/boots" |
	while read -r line; do boot_line "$line"; done)
if [ -n "$BOOTS" ]; then
	for b in $BOOTS; do
		grep -q "^$b|" <<<"$boots" || die "BOOTS names '$b', which harness/boots does not list"
	done
	boots=$(awk -F'|' -v want=" $BOOTS " 'index(want, " " $1 " ")' <<<"$boots")
fi
if [ -n "$T" ]; then
	# A shell selftest's name has a dot of its own.
	case "$T" in
	*.sh|*.sh.*) tsuite=${T%%.sh*}.sh ;;
	*) tsuite=${T%%.*} ;;
	esac
	mine=$(awk -F'|' -v t="$tsuite" '{ n = split($3, s, " "); for (i = 1; i <= n; i++) if (s[i] == t) { print; break } }' <<<"$boots")
	[ -n "$mine" ] || result FAIL "T=$T" "no boot in harness/boots expects suite '$tsuite'"
	boots=$mine
fi

if [ -z "$T" ] && [ -z "$BOOTS" ] && [ "${SKIP_BUILD_CHECKS:-0}" != 1 ]; then
	note "harness and build checks"
	if out=$("$ROOT/harness/ktap_selftest.py" 2>&1); then
		result PASS "harness: ktap.py fails broken, short, skipped and extra results" ""
	else
		result FAIL "harness: ktap.py fails broken, short, skipped and extra results" "$out"
	fi
	timed "build: CONFIG_MULTIKERNEL=n" check_off
	timed "build: W=1" check_w1
fi

# Build the other kernel variants that the boots ask for.
for v in $(cut -d'|' -f4 <<<"$boots" | sort -u); do
	[ "$v" = "$CFG" ] && continue
	timed "build: $v kernel and initramfs" bash -c \
		"'$ROOT/harness/kbuild.sh' '$v' && '$ROOT/harness/initramfs.sh' '$v'"
done

# TEST_TIMEOUT bounds one kselftest in the guest; BOOT_TIMEOUT (in
# qemu.sh) one boot. Both are far above what a passing run takes (see
# the times table), so that only a hang or a livelock reaches them.
run_boot() {
	local name args suites variant skips machine expect opts s rc at_end what
	IFS='|' read -r name args suites variant skips machine <<<"$1"
	# shellcheck disable=SC2206
	expect=($suites)
	opts=()
	for s in $skips; do opts+=(--skip "$s"); done
	if [ -n "$T" ]; then
		args="$args mktest.filter=$T kunit.filter_glob=$T"
		expect=()
		opts+=(--filter "$T")
	fi
	note "boot $name ($variant kernel${machine:+, $machine}): $args"
	rc=0
	# shellcheck disable=SC2086
	timed "boot: $name" env $machine "$ROOT/harness/qemu.sh" "$variant" "$name" \
		"mktest.mode=check mktest.timeout=$TEST_TIMEOUT $args" </dev/null || rc=$?
	# QEMU itself crashing is the emulator's fault, whatever the guest
	# does: the table says so, its backtrace and the guest's log are
	# kept, and the boot runs once more for the verdict.
	if [ -s "$B/logs/$name.qemu-crash" ]; then
		mv "$B/logs/$name.qemu-crash" "$B/logs/$name.crashed.qemu-crash"
		mv "$B/logs/$name.log" "$B/logs/$name.crashed.log"
		what=$(head -n 1 "$B/logs/$name.crashed.qemu-crash")
		result NOTE "$name: QEMU crashed, the boot ran again" \
			"$what; see $B/logs/$name.crashed.*"
		note "boot $name: $what; running it again"
		rc=0
		# shellcheck disable=SC2086
		timed "boot: $name (again)" env $machine "$ROOT/harness/qemu.sh" \
			"$variant" "$name" \
			"mktest.mode=check mktest.timeout=$TEST_TIMEOUT $args" </dev/null || rc=$?
	fi
	# Where the boot's time went, selftest by selftest (init says).
	sed -n 's/^    # \([^ ]*\) took \([0-9]*\)s\r*$/\1\t\2/p' "$B/logs/$name.log" |
		while IFS=$'\t' read -r t secs; do
			printf '%s\t%s\n' "$name: $t" "$secs"
		done >>"$R/test-times"
	"$ROOT/harness/ktap.py" parse "$name" "$B/logs/$name.log" "$rc" \
		"$R/$name.results" "${opts[@]}" "${expect[@]}"
	if [ -s "$B/logs/$name.triple" ]; then
		result FAIL "$name: triple fault" "$(sed -n '1,/^$/p' "$B/logs/$name.triple" | tr '\n' ';')"
		sed -n '1,/^$/p' "$B/logs/$name.triple"
	fi
	if [ -s "$B/logs/$name.hang" ]; then
		result FAIL "$name: watchdog" "$(sed -n '1,/^$/p' "$B/logs/$name.hang" | tr '\n' ';')"
	fi
	[ -f "$B/logs/$name.hang.silence" ] &&
		printf '%s\t%s\n' "$name" "$(cat "$B/logs/$name.hang.silence")" >>"$R/silence"
	# A spawned kernel's console lands in QEMU's second serial port.
	if [ -z "$T" ] && grep -qw -e spawn_test.sh -e msg_test.sh \
		-e hostile_test.sh -e lifecycle_stress_test.sh <<<"$suites"; then
		check_ttyS1 "$name"
	fi
	at_end=$(sed -n 's/.*mktest\.at_end=\([a-z]*\).*/\1/p' <<<"$args")
	if [ -z "$T" ] && [ -n "$at_end" ]; then
		check_at_end "$name" "$at_end" "$machine"
	fi
	if [ -z "$T" ] && grep -qw spawn_test.sh <<<"$suites"; then
		what="$name: spawned kernel's report on ttyS1"
		if grep -aq '^mk-instance id=1 nproc=2 cpus=0-1 ' "$B/logs/$name.ttyS1.log"; then
			result PASS "$what" ""
		else
			result FAIL "$what" "no report in $B/logs/$name.ttyS1.log"
		fi
	fi
}

# Boots run PAR at a time (2 by default): most of a boot keeps one of
# the guest's CPUs busy, not all of them. Each boot's harness output is
# shown once it is done, in one piece.
PAR=${PAR:-2}
running=0
while IFS= read -r line; do
	if [ "$running" -ge "$PAR" ]; then
		wait -n || true
		running=$((running - 1))
	fi
	name=${line%%|*}
	{ run_boot "$line" >"$B/logs/$name.harness" 2>&1; cat "$B/logs/$name.harness"; } &
	running=$((running + 1))
done < <([ -n "$boots" ] && echo "$boots")
wait

echo
echo "Guest logs: $B/logs/"
rc=0
"$ROOT/harness/ktap.py" report "$R"/*.results >"$R/table" || rc=$?
{
	head -n -1 "$R/table"
	echo
	echo "Wall time per step (s):"
	awk -F'\t' -v par="$PAR" '{ printf "  %-40s %5d\n", $1, $2; t += $2 } END { printf "  %-40s %5d\n", "sum (boots ran " par " at a time)", t }' "$R/times"
	if [ -f "$R/test-times" ]; then
		echo "Wall time per selftest (s), within its boot:"
		sort "$R/test-times" | awk -F'\t' '{ printf "  %-40s %5d\n", $1, $2 }'
	fi
	if [ -f "$R/silence" ]; then
		echo "Longest quiet console stretch per boot (s; the watchdog fires at ${WATCHDOG:-600}):"
		awk -F'\t' '{ printf "  %-40s %5d\n", $1, $2 }' "$R/silence"
	fi
	tail -n 1 "$R/table"
} | tee "$R/table.full"
tail -n 1 "$R/table" >"$R/summary"
exit $rc
