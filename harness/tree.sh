#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Prepare build/linux: the pristine base, and patches/ applied as one
# commit each on top of the tag mk-base. The series is edited there and
# saved back to patches/ with 'make patches'.

. "$(dirname "$0")/common.sh"

make_base() {
	local have
	have=$(dpkg-query -W -f='${Version}' "$BASE_PKG" 2>/dev/null || true)
	if [ -d "$KSRC/.git" ] && [ "$(cat "$B/.base-version" 2>/dev/null)" = "$have" ]; then
		return
	fi
	note "unpacking $BASE_TARBALL ($have)"
	rm -rf "$KSRC" "$B/linux.tmp" "$B/.tree-stamp" "$B/.tree-head"
	mkdir -p "$B/linux.tmp"
	tar -C "$B/linux.tmp" -xf "$BASE_TARBALL"
	mv "$B/linux.tmp/$BASE_PKG" "$KSRC"
	rmdir "$B/linux.tmp"
	gitk init -q
	gitk config core.autocrlf false
	gitk add -A -f .
	gitk commit -q -m "Linux $BASE_KERNEL ($BASE_PKG $have)"
	gitk tag -f mk-base >/dev/null
	echo "$have" >"$B/.base-version"
}

apply_patches() {
	local stamp p files
	stamp=$(patch_stamp)
	if [ "$(cat "$B/.tree-stamp" 2>/dev/null)" = "$stamp" ]; then
		return
	fi
	if [ -n "$(gitk status --porcelain --untracked-files=no)" ]; then
		die "build/linux has uncommitted edits:
$(gitk status --short --untracked-files=no)
  run 'make patches' to keep them, or 'git -C build/linux checkout -- .' to drop them"
	fi
	if [ -f "$B/.tree-head" ] && [ "$(gitk rev-parse HEAD)" != "$(cat "$B/.tree-head")" ]; then
		die "build/linux has commits that are not in patches/; run 'make patches' first"
	fi

	note "applying patches/"
	gitk checkout -q --detach mk-base
	for p in $(series_patches); do
		[ -f "$ROOT/patches/$p" ] || die "patches/series names $p, which does not exist"
		if ! out=$(gitk apply --check "$ROOT/patches/$p" 2>&1); then
			files=$(echo "$out" | sed -n 's/^error: patch failed: \([^:]*\):.*/\1/p; s/^error: \([^:]*\): does not exist.*/\1/p' | sort -u | tr '\n' ' ')
			echo "$out" >&2
			die "patch patches/$p does not apply to ${files:-the tree}"
		fi
		gitk am -q --keep-cr "$ROOT/patches/$p" ||
			{ gitk am --abort; die "patch patches/$p does not apply"; }
	done
	echo "$stamp" >"$B/.tree-stamp"
	gitk rev-parse HEAD >"$B/.tree-head"
}

# A tree made when the new files lived in the repository has links to
# them where the patches now add the files: remove the links first.
drop_old_links() {
	local f old=$B/.tree-files
	[ -f "$old" ] || return 0
	while read -r f; do
		[ -L "$KSRC/$f" ] && rm -f "$KSRC/$f"
	done <"$old"
	: >"$KSRC/.git/info/exclude"
	rm -f "$old"
}

mkdir -p "$B"
make_base
drop_old_links
apply_patches
