#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Regenerate patches/ from build/linux. Uncommitted edits to a file are
# folded into the last patch that touches that file; commits made on top
# in build/linux become new patches.

. "$(dirname "$0")/common.sh"

[ -d "$KSRC/.git" ] || die "no build/linux; run 'make tree' first"

stray=$(untracked_files | head -n 5)
[ -z "$stray" ] ||
	die "files in build/linux that no patch adds:
$(echo "$stray" | sed 's/^/    /')
  add each to the patch that should carry it (git add -f, then
  git commit --fixup=<that patch>) or remove it, and run 'make patches' again"

fixups=0
for f in $(gitk diff --name-only HEAD); do
	owner=$(gitk log -1 --format=%H mk-base..HEAD -- "$f")
	[ -n "$owner" ] ||
		die "$f changed, but no patch touches it; commit it as a new patch:
  git -C build/linux commit -s $f"
	gitk commit -q --fixup="$owner" -- "$f"
	fixups=1
done
if [ $fixups = 1 ]; then
	GIT_SEQUENCE_EDITOR=: gitk rebase -q -i --autosquash mk-base
fi

rm -f "$ROOT"/patches/*.patch
gitk format-patch -q -N --zero-commit --no-signature -o "$ROOT/patches" mk-base..HEAD
{
	echo "# The series, applied in order on top of BASE."
	echo "# Regenerate with 'make patches'; see README.md."
	(cd "$ROOT/patches" && ls -1 -- *.patch)
} >"$ROOT/patches/series"
new=$(series_patches)

patch_stamp >"$B/.tree-stamp"
gitk rev-parse HEAD >"$B/.tree-head"
note "patches/ regenerated: $(wc -w <<<"$new") patches"
