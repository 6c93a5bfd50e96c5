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

check_series() {
	# The tree and its objects sit at the same relative places as
	# build/linux and build/obj-guest, so that ccache (its base_dir is
	# build/) reuses the guest kernel's objects for unchanged files.
	local AM=$B/sc/linux O=$B/sc/obj-guest KM=$B/sc/obj-kunit-m c n=0 bad=0
	local f last out target m commits
	[ -d "$S" ] || die "no series; run 'make series' first"
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

	note "checkpatch --strict"
	for f in $(ls "$S"/*.patch | grep -v 0000-cover-letter); do
		if ! "$AM/scripts/checkpatch.pl" --strict --quiet --no-tree \
			--ignore FILE_PATH_CHANGES "$f"; then
			echo "harness: checkpatch complains about $(basename "$f")" >&2
			bad=1
		fi
	done

	# Every new C file and header documents what it exports.
	note "kernel-doc -Wall on the series' new files"
	for f in $(new_files); do
		case $f in
		*.c|*.h) ;;
		*) continue ;;
		esac
		case $f in tools/*) continue ;; esac
		out=$("$AM/scripts/kernel-doc" -Wall -none "$AM/$f" 2>&1)
		if [ -n "$out" ]; then
			echo "$out" >&2
			echo "harness: kernel-doc warns about $f" >&2
			bad=1
		fi
	done

	# The last patch gives build/linux, which the guest kernel is built
	# from (checked above): build the ones before it. W=1 cleanliness of
	# the series' files is 'make check's; here each patch must build.
	mkdir -p "$O" "$B/logs"
	[ -f "$B/obj-guest/vmlinux" ] ||
		die "build the guest kernel first (make kernel-guest)"
	last=$(git -C "$AM" rev-parse HEAD)
	# SERIES_BUILDS=0 (CI) skips the builds of the patches before the
	# last and of the KUnit modules: they take longer than the tests.
	commits=$(git -C "$AM" rev-list --reverse mk-base..HEAD)
	[ "${SERIES_BUILDS:-1}" = 1 ] || commits=
	for c in $commits; do
		n=$((n + 1))
		[ "$c" = "$last" ] && break
		# A patch of documentation or selftests only cannot break
		# the kernel's build: the patch before it built the same.
		# Its selftests are built instead, against its headers.
		if [ -z "$(git -C "$AM" diff --name-only "$c~1" "$c" |
			   grep -v -E '^(Documentation/|tools/testing/|MAINTAINERS$)')" ]; then
			git -C "$AM" diff --quiet "$c~1" "$c" -- tools/testing/ && {
				note "patch $n changes no code: $(git -C "$AM" log -1 --format=%s "$c")"
				continue
			}
			git -C "$AM" checkout -q "$c"
			note "building patch $n (its selftests): $(git -C "$AM" log -1 --format=%s)"
			rm -rf "$B/sc/selftests"
			mkdir -p "$B/sc/selftests"
			{ make -C "$AM" O="$O" -s headers &&
			  make -s -C "$AM/tools/testing/selftests/multikernel" \
				OUTPUT="$B/sc/selftests" CC="ccache gcc" \
				KHDR_INCLUDES="-isystem $O/usr/include"; } \
				>"$B/logs/series-$n.log" 2>&1 ||
				{ tail -20 "$B/logs/series-$n.log"; die "patch $n: its selftests do not build"; }
			continue
		fi
		git -C "$AM" checkout -q "$c"
		# vmlinux is what a patch can break; the compressed image
		# (xz, slow) only for a patch that touches the boot code.
		target=vmlinux
		git -C "$AM" diff --quiet "$c~1" "$c" -- arch/x86/boot/ ||
			target=bzImage
		note "building patch $n ($target): $(git -C "$AM" log -1 --format=%s)"
		cp "$B/obj-guest/.config" "$O/.config"
		make -C "$AM" O="$O" -j"$JOBS" CC="ccache gcc" HOSTCC="ccache gcc" \
			-s olddefconfig "$target" >"$B/logs/series-$n.log" 2>&1 ||
			{ tail -20 "$B/logs/series-$n.log"; die "patch $n does not build"; }
	done
	git -C "$AM" checkout -q "$last"
	if [ "${SERIES_BUILDS:-1}" = 1 ]; then
		note "patch $n is the tree of build/linux, built as the guest kernel"
	else
		note "SERIES_BUILDS=0: the patches before the last are not built"
	fi

	# sparse and W=1 over the series' own code, in the last patch's
	# tree: no warning in a file of the series.
	note "sparse (C=2) and W=1 over the series' code"
	cp "$B/obj-guest/.config" "$O/.config"
	out=$(make -C "$AM" O="$O" -j"$JOBS" CC="ccache gcc" \
		HOSTCC="ccache gcc" -s olddefconfig C=2 W=1 $SERIES_OBJS 2>&1) ||
		{ echo "$out" | tail -20; die "the series' code does not build with C=2 W=1"; }
	echo "$out" >"$B/logs/series-sparse.log"
	if echo "$out" | grep -E "$SERIES_PATHS" | grep -E 'warning:|error:' >&2; then
		echo "harness: sparse or W=1 warns about the series' code" >&2
		bad=1
	fi

	# The KUnit tests as modules: they build, and modpost finds every
	# symbol they use exported to them.
	if [ "${SERIES_BUILDS:-1}" != 1 ]; then
		[ $bad = 0 ] || die "checkpatch, kernel-doc, sparse or W=1 found problems"
		note "the series applies, matches build/linux, is checkpatch, kernel-doc, sparse and W=1 clean (patches not built one by one)"
		return
	fi
	note "the KUnit tests as modules"
	mkdir -p "$KM"
	cp "$B/obj-guest/.config" "$KM/.config"
	"$AM/scripts/config" --file "$KM/.config" --enable MODULES \
		--module MULTIKERNEL_KUNIT_TEST --module MULTIKERNEL_NET_KUNIT_TEST
	make -C "$AM" O="$KM" -j"$JOBS" CC="ccache gcc" HOSTCC="ccache gcc" \
		-s olddefconfig vmlinux modules >"$B/logs/series-kunit-m.log" 2>&1 ||
		{ tail -20 "$B/logs/series-kunit-m.log"; die "the KUnit tests do not build as modules"; }
	for m in kernel/multikernel/ring_test.ko kernel/multikernel/pool_test.ko \
		 kernel/multikernel/instance_test.ko \
		 drivers/multikernel/net_test.ko arch/x86/kernel/multikernel_test.ko; do
		[ -f "$KM/$m" ] || { echo "harness: no $m" >&2; bad=1; }
	done

	[ $bad = 0 ] || die "checkpatch, kernel-doc, sparse, W=1 or the modules found problems"
	note "the series applies, matches build/linux, builds patch by patch, is checkpatch, kernel-doc, sparse and W=1 clean, and its KUnit tests build as modules"
}

case "${1:-}" in
export) export_series ;;
check) check_series ;;
*) die "usage: series.sh export|check" ;;
esac
