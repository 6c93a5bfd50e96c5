#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#   series.sh export   write the mailable series to build/series/
#   series.sh check    git am it onto the pristine base, compare the
#                      result with build/linux, build every patch and
#                      run checkpatch --strict on each
#
# patches/ is the series: export adds the cover letter and the base.

. "$(dirname "$0")/common.sh"

EX=$B/export
S=$B/series
# The series' own objects and the paths of its files, for sparse.
SERIES_OBJS="kernel/multikernel/ drivers/multikernel/
	arch/x86/kernel/multikernel.o arch/x86/kernel/multikernel_platform.o
	arch/x86/kernel/multikernel_test.o"
SERIES_PATHS='(kernel/multikernel/|drivers/multikernel/|arch/x86/kernel/multikernel|include/linux/multikernel|arch/x86/include/(uapi/)?asm/multikernel|trace/events/multikernel)'

worktree() {
	local dir=$1
	if [ ! -d "$dir/.git" ] && [ ! -f "$dir/.git" ]; then
		rm -rf "$dir"
		gitk worktree prune
		gitk worktree add -q --detach "$dir" mk-base
	else
		git -C "$dir" am --abort >/dev/null 2>&1 || true
		git -C "$dir" checkout -q -f --detach mk-base
		git -C "$dir" clean -q -f -d
	fi
}

gitx() {
	git -C "$EX" -c user.name="$GIT_NAME" -c user.email="$GIT_EMAIL" "$@"
}

export_series() {
	local p base
	note "exporting the series"
	worktree "$EX"
	for p in $(series_patches); do
		gitx am -q --keep-cr "$ROOT/patches/$p" || die "patches/$p does not apply"
	done
	rm -rf "$S"
	gitx format-patch -q --cover-letter --no-signature --thread=shallow \
		-o "$S" mk-base..HEAD
	base="Based on Linux $BASE_KERNEL as shipped in Debian's $BASE_PKG $BASE_VERSION."
	python3 - "$S"/0000-cover-letter.patch "$ROOT/harness/cover-letter" "$base" <<'PY'
import sys
path, cover, base = sys.argv[1:]
subject, _, blurb = open(cover).read().partition("\n")
text = open(path).read()
text = text.replace("*** SUBJECT HERE ***", subject.strip())
text = text.replace("*** BLURB HERE ***", blurb.strip() + "\n\n" + base)
open(path, "w").write(text)
PY
	note "series in $S: $(ls "$S" | wc -l) files"

	# The kexec-tools patch goes to its own list, as a series of its own.
	rm -rf "$S-kexec-tools"
	mkdir -p "$S-kexec-tools"
	for p in "$ROOT"/kexec-tools/*.patch; do
		{
			echo "From: $GIT_NAME <$GIT_EMAIL>"
			echo "Subject: [PATCH kexec-tools] $(head -n 1 "$p")"
			echo
			tail -n +3 "$p"
		} >"$S-kexec-tools/$(basename "$p")"
	done
	note "kexec-tools patch in $S-kexec-tools"
}

# lint_series TREE: checkpatch --strict on every patch of build/series/,
# kernel-doc -Wall on every new C file and header of TREE, with TREE's
# scripts. Prints what it finds; fails if it finds anything.
lint_series() {
	local AM=$1 f out bad=0
	for f in $(ls "$S"/*.patch | grep -v 0000-cover-letter); do
		if ! "$AM/scripts/checkpatch.pl" --strict --quiet --no-tree \
			--ignore FILE_PATH_CHANGES "$f"; then
			echo "harness: checkpatch complains about $(basename "$f")"
			bad=1
		fi
	done
	# Every new C file and header documents what it exports.
	for f in $(new_files); do
		case $f in
		tools/*) continue ;;
		*.c|*.h) ;;
		*) continue ;;
		esac
		out=$("$AM/scripts/kernel-doc" -Wall -none "$AM/$f" 2>&1)
		if [ -n "$out" ]; then
			echo "$out"
			echo "harness: kernel-doc warns about $f"
			bad=1
		fi
	done
	return $bad
}

# since T0: seconds from T0 to now.
since() {
	echo "$(($(date +%s) - $1))s"
}

check_series() {
	# The tree sits at the same relative place as build/linux, so that
	# ccache (its base_dir is build/) hits across the two.
	local AM=$B/sc/linux O=$B/sc/obj-series c n=0 bad=0 built=0
	local f last out target t0 t1
	[ -d "$S" ] || die "no series; run 'make series' first"
	t0=$(date +%s)
	worktree "$AM"
	note "applying build/series/ to the pristine base"
	# shellcheck disable=SC2046
	git -C "$AM" -c user.name="$GIT_NAME" -c user.email="$GIT_EMAIL" \
		am -q $(ls "$S"/*.patch | grep -v 0000-cover-letter) ||
		die "the series does not apply to the pristine base"

	# Same tree as the harness builds: build/linux, edits included.
	for f in $(git -C "$AM" diff --name-only mk-base HEAD); do
		if ! cmp -s "$AM/$f" "$KSRC/$f"; then
			echo "harness: $f differs between the series and build/linux" >&2
			bad=1
		fi
	done
	for f in $(untracked_files); do
		echo "harness: build/linux has $f, which no patch adds" >&2
		bad=1
	done
	for f in $(gitk diff --name-only mk-base --); do
		git -C "$AM" diff --quiet mk-base HEAD -- "$f" || continue
		echo "harness: build/linux changes $f, the series does not" >&2
		bad=1
	done
	[ $bad = 0 ] || die "the series does not give the tree the harness builds"

	note "checkpatch --strict and kernel-doc -Wall"
	mkdir -p "$O" "$B/logs"
	lint_series "$AM" >&2 || bad=1

	# Every patch builds, with the KUnit tests as modules: so that
	# modpost finds every symbol a test uses exported to it, at every
	# patch. The config is the guest kernel's otherwise.
	[ -f "$B/obj-guest/.config" ] ||
		die "build the guest kernel first (make kernel-guest)"
	last=$(git -C "$AM" rev-parse HEAD)
	for c in $(git -C "$AM" rev-list --reverse mk-base..HEAD); do
		n=$((n + 1))
		# A patch of documentation or selftests only cannot break
		# the kernel's build: the patch before it built the same.
		if [ "$built" = 1 ] &&
		   [ -z "$(git -C "$AM" diff --name-only "$c~1" "$c" |
			   grep -v -E '^(Documentation/|tools/testing/|MAINTAINERS$)')" ]; then
			note "patch $n changes no kernel source: $(git -C "$AM" log -1 --format=%s "$c")"
			continue
		fi
		git -C "$AM" checkout -q "$c"
		# vmlinux is what a patch can break; the compressed image
		# (xz, slow) only for a patch that touches the boot code.
		target=vmlinux
		git -C "$AM" diff --quiet "$c~1" "$c" -- arch/x86/boot/ ||
			target=bzImage
		t1=$(date +%s)
		cp "$B/obj-guest/.config" "$O/.config"
		"$AM/scripts/config" --file "$O/.config" --enable MODULES \
			--module MULTIKERNEL_KUNIT_TEST --module MULTIKERNEL_NET_KUNIT_TEST
		make -C "$AM" O="$O" -j"$JOBS" CC="ccache gcc" HOSTCC="ccache gcc" \
			-s olddefconfig "$target" modules >"$B/logs/series-$n.log" 2>&1 ||
			{ tail -20 "$B/logs/series-$n.log"; die "patch $n does not build"; }
		built=1
		note "patch $n builds ($target, $(since "$t1")): $(git -C "$AM" log -1 --format=%s)"
	done
	[ "$(git -C "$AM" rev-parse HEAD)" = "$last" ] || git -C "$AM" checkout -q "$last"
	note "all $n patches build ($(since "$t0") so far)"
	for m in kernel/multikernel/ring_test.ko kernel/multikernel/pool_test.ko \
		 kernel/multikernel/instance_test.ko \
		 drivers/multikernel/net_test.ko arch/x86/kernel/multikernel_test.ko; do
		[ -f "$O/$m" ] || { echo "harness: the KUnit tests as modules: no $m" >&2; bad=1; }
	done

	# sparse and W=1 over the series' own code, in the last patch's
	# tree: no warning in a file of the series.
	note "sparse (C=2) and W=1 over the series' code"
	out=$(make -C "$AM" O="$O" -j"$JOBS" CC="ccache gcc" \
		HOSTCC="ccache gcc" -s C=2 W=1 $SERIES_OBJS 2>&1) ||
		{ echo "$out" | tail -20; die "the series' code does not build with C=2 W=1"; }
	echo "$out" >"$B/logs/series-sparse.log"
	if echo "$out" | grep -E "$SERIES_PATHS" | grep -E 'warning:|error:' >&2; then
		echo "harness: sparse or W=1 warns about the series' code" >&2
		bad=1
	fi

	note "series-check took $(since "$t0")"
	[ $bad = 0 ] || die "checkpatch, kernel-doc, sparse, W=1 or the modules found problems"
	note "the series applies, matches build/linux, builds patch by patch with its KUnit tests as modules, and is checkpatch, kernel-doc, sparse and W=1 clean"
}

case "${1:-}" in
export) export_series ;;
check) check_series ;;
*) die "usage: series.sh export|check" ;;
esac
