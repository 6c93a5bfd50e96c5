#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install what the harness needs from Debian's packages, when missing.

. "$(dirname "$0")/common.sh"

pkgs="$BASE_PKG bc bison flex libelf-dev libssl-dev cpio xz-utils kmod
	python3 ccache git qemu-system-x86 busybox-static libc6-dev gcc make
	perl dpkg-dev zlib1g-dev liblzma-dev patch libck-dev"

missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		grep -q "install ok installed" || missing="$missing $p"
done

if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		die "missing Debian packages:$missing
  install them as root: apt-get install$missing"
	fi
	note "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing >/dev/null ||
		die "apt-get install$missing failed"
fi

have=$(dpkg-query -W -f='${Version}' "$BASE_PKG")
if [ "$have" != "$BASE_VERSION" ]; then
	echo "harness: warning: $BASE_PKG $have installed; the series was tested on $BASE_VERSION (see BASE)" >&2
fi
[ -r "$BASE_TARBALL" ] || die "$BASE_TARBALL not found; reinstall $BASE_PKG"
exit 0
