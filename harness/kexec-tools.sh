#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build kexec(8) with the multikernel patch: Debian's kexec-tools source
# (apt-get source, which needs a deb-src entry: added when missing),
# kexec-tools/*.patch applied, linked statically for the guest.

. "$(dirname "$0")/common.sh"

SRC=$B/kexec-tools
OUT=$B/kexec
ver=$KEXEC_TOOLS_VERSION

stamp=$( { echo "$ver"; cat "$ROOT"/kexec-tools/*.patch; } | sha256sum | cut -d' ' -f1)
if [ -x "$OUT" ] && [ "$(cat "$SRC/.stamp" 2>/dev/null)" = "$stamp" ]; then
	exit 0
fi

if ! ls "$SRC"/dl/kexec-tools_"${ver#*:}".dsc >/dev/null 2>&1; then
	if ! apt-get source --print-uris "kexec-tools=$ver" 2>/dev/null | grep -q "\.dsc"; then
		[ "$(id -u)" = 0 ] || die "no deb-src entry for apt; add one (see README.md) or run as root"
		note "adding a deb-src entry for Debian bookworm"
		cat >/etc/apt/sources.list.d/multikernel-src.sources <<-SRC
		Types: deb-src
		URIs: http://deb.debian.org/debian
		Suites: bookworm bookworm-updates
		Components: main
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
		SRC
		apt-get update -q >/dev/null
	fi
	note "fetching kexec-tools $ver source"
	rm -rf "$SRC"
	mkdir -p "$SRC/dl"
	if ! (cd "$SRC/dl" && apt-get source -q "kexec-tools=$ver" >/dev/null 2>&1); then
		offered=$(apt-cache showsrc kexec-tools 2>/dev/null | sed -n 's/^Version: //p' | tr '\n' ' ')
		die "apt-get source kexec-tools=$ver failed.
  BASE asks for kexec-tools $ver; the mirror's sources offer: ${offered:-none}.
  If that version is gone, move kexec_tools in BASE to one it offers,
  check that kexec-tools/*.patch applies, and run 'make check'."
	fi
fi

note "building kexec-tools $ver with the multikernel patch"
rm -rf "$SRC/work"
cp -a "$SRC"/dl/kexec-tools-*/ "$SRC/work"
for p in "$ROOT"/kexec-tools/*.patch; do
	patch -d "$SRC/work" -p1 -s --no-backup-if-mismatch <"$p" ||
		die "kexec-tools/$(basename "$p") does not apply to kexec-tools $ver"
done
(cd "$SRC/work" && ./configure -q --without-xen LDFLAGS=-static CC="ccache gcc" \
	>"$SRC/configure.log" 2>&1 && make -s -j"$JOBS" >"$SRC/make.log" 2>&1) ||
	die "kexec-tools build failed; see $SRC/make.log"
cp "$SRC/work/build/sbin/kexec" "$OUT"
echo "$stamp" >"$SRC/.stamp"
