# SPDX-License-Identifier: GPL-2.0
#
# Harness for the multikernel series: prepares a Linux tree with the
# series applied, builds it, boots it under QEMU and runs the tests.
# 'make help' lists the targets.

SHELL := /bin/bash
H := harness

export SMP MEM T BOOTS JOBS CFG RUNS

.PHONY: help deps tree kexec-tools kernel-guest kernel-debug kernel-off \
	initramfs-guest initramfs-debug run bench shell check bootloop patches series \
	series-check clean

help:
	@echo 'make run           boot the 4-CPU guest, start a second kernel on CPUs 2-3, stop it'
	@echo 'make bench         time a spawned kernel'"'"'s boot against the host'"'"'s, print the ratio'
	@echo '                   RUNS=N runs it N times and prints the spread of each ratio'
	@echo 'make check         build the debug kernel, run every test, print the table'
	@echo '                   T=NAME re-runs one KUnit suite or kselftest (NAME[.case])'
	@echo '                   BOOTS="main" only the named boots of harness/boots'
	@echo 'make bootloop      boot the debug kernel N=30 times with the hang watchdog'
	@echo 'make shell         boot the guest to a shell on this terminal'
	@echo 'make tree          prepare build/linux (base + patches/, one commit each)'
	@echo 'make patches       regenerate patches/ from commits and edits in build/linux'
	@echo 'make series        export the git format-patch series to build/series/'
	@echo 'make series-check  apply build/series/ to the pristine base, build each patch'
	@echo 'make clean         remove build/'
	@echo 'Settings: SMP=4 MEM=2G JOBS=$$(nproc)'

deps:
	@$(H)/deps.sh

tree: deps
	@$(H)/tree.sh

kernel-guest kernel-debug kernel-off: kernel-%: tree
	@$(H)/kbuild.sh $*

kexec-tools: deps
	@$(H)/kexec-tools.sh

initramfs-guest: kernel-guest kexec-tools
	@$(H)/initramfs.sh guest

# The debug kernel's guest starts the guest kernel in its instances,
# and carries the feature-off kernel, which loads must refuse (check.sh
# has built it before it packs the guest kernel's initramfs).
initramfs-debug: kernel-debug kernel-guest kernel-off kexec-tools
	@$(H)/initramfs.sh debug

run: initramfs-guest
	@SHOW=1 $(H)/qemu.sh guest run \
		"mktest.mode=demo multikernel_pool=512M"

bench: initramfs-guest
	@$(H)/bench.sh

shell: initramfs-guest
	@INTERACTIVE=1 $(H)/qemu.sh guest shell \
		"mktest.mode=shell multikernel_pool=512M"

check: initramfs-debug
	@$(H)/check.sh

bootloop: initramfs-debug
	@$(H)/bootloop.sh debug $(or $(N),30)

patches:
	@$(H)/patches.sh

series: tree
	@$(H)/series.sh export

# The last patch's tree is the guest kernel's: series-check builds only
# the patches before it.
series-check: series kernel-guest
	@$(H)/series.sh check

clean:
	rm -rf build
