# SPDX-License-Identifier: GPL-2.0
# Shared settings for the harness scripts; sourced, not run.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B=${BUILD:-$ROOT/build}
KSRC=$B/linux
JOBS=${JOBS:-$(nproc)}

# shellcheck disable=SC1091
. "$ROOT/BASE"
BASE_PKG=$package
BASE_VERSION=$version
BASE_KERNEL=$kernel
BASE_TARBALL=/usr/src/$BASE_PKG.tar.xz
KEXEC_TOOLS_VERSION=$kexec_tools

export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
export CCACHE_BASEDIR=$B
export CCACHE_NOHASHDIR=1
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
export KBUILD_BUILD_TIMESTAMP="@0"
export KBUILD_BUILD_USER=multikernel
export KBUILD_BUILD_HOST=harness

die() {
	echo "harness: error: $*" >&2
	exit 1
}

note() {
	echo "==> $*"
}

# Files that the series adds to the kernel tree, as build/linux has them
# (committed or not), relative to its top.
new_files() {
	git -C "$KSRC" diff --name-only --diff-filter=A mk-base --
}

# Files in build/linux that git does not track. Debian's .gitignore
# ignores everything not tracked, so ask without the ignore rules: the
# harness builds out of tree, and nothing else belongs there.
untracked_files() {
	git -C "$KSRC" ls-files --others | grep -v '/__pycache__/' || true
}

kmake() {
	local cfg=$1
	shift
	make -C "$KSRC" O="$B/obj-$cfg" -j"$JOBS" CC="ccache gcc" \
		HOSTCC="ccache gcc" "$@"
}

GIT_NAME=$(git -C "$ROOT" config user.name || echo harness)
GIT_EMAIL=$(git -C "$ROOT" config user.email || echo harness@localhost)

gitk() {
	git -C "$KSRC" -c user.name="$GIT_NAME" -c user.email="$GIT_EMAIL" \
		-c advice.detachedHead=false "$@"
}

# The patches named in patches/series, in order.
series_patches() {
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$ROOT/patches/series"
}

# Identifies BASE plus the series' content: build/linux is re-made from
# patches/ whenever it changes.
patch_stamp() {
	{
		cat "$ROOT/BASE" "$ROOT/patches/series"
		series_patches | while read -r p; do cat "$ROOT/patches/$p"; done
	} | sha256sum | cut -d' ' -f1
}
