#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install what the harness needs from Debian's packages, when missing.

. "$(dirname "$0")/common.sh"

pkgs="bc bison flex libelf-dev libssl-dev cpio xz-utils lz4 kmod
	python3 ccache git qemu-system-x86 busybox-static libc6-dev gcc make
	perl dpkg-dev zlib1g-dev liblzma-dev patch libck-dev sparse gdb"

missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		grep -q "install ok installed" || missing="$missing $p"
done
# The base is the exact version in BASE, never whatever the mirror has
# now: a newer upload is a deliberate, tested change to BASE.
have=$(dpkg-query -W -f='${Status} ${Version}\n' "$BASE_PKG" 2>/dev/null |
	sed -n 's/^install ok installed //p' || true)
[ "$have" = "$BASE_VERSION" ] || missing="$missing $BASE_PKG=$BASE_VERSION"

if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		die "missing Debian packages:$missing
  install them as root: apt-get install$missing"
	fi
	note "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null
	# shellcheck disable=SC2086
	if ! apt-get install -y -q --no-install-recommends --allow-downgrades \
		$missing >/dev/null; then
		offered=$(apt-cache madison "$BASE_PKG" 2>/dev/null | awk '{ print $3 }' | tr '\n' ' ')
		die "apt-get install$missing failed.
  BASE asks for $BASE_PKG $BASE_VERSION; the mirror offers: ${offered:-none}.
  If that version is gone, move BASE to one it offers, then rebuild and
  run 'make check' and 'make series-check' on it before committing."
	fi
fi

[ -r "$BASE_TARBALL" ] || die "$BASE_TARBALL not found; reinstall $BASE_PKG=$BASE_VERSION"
exit 0
