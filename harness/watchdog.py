#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Watch a QEMU guest's console and look inside the guest when it goes quiet.

  watchdog.py LOG MONITOR SILENCE VMLINUX OUT [QLOG TRIPLE]

LOG is the guest's console log, MONITOR the UNIX socket of QEMU's human
monitor, SILENCE the seconds without console output after which the
guest counts as hung, VMLINUX the kernel it runs (for symbols). When
the console stays quiet that long, OUT gets each vCPU's registers, with
RIP resolved to a kernel symbol, and the monitor injects an NMI; the
guest boots with unknown_nmi_panic, so the NMI ends it with a panic
that prints the interrupted CPU's backtrace on the console. A guest that
does not exit after that is quit. The caller sends SIGTERM once QEMU
has exited; the watchdog then finishes a report under way and ends. Whether or not it fired, OUT.silence
gets the longest quiet stretch seen, in seconds, so that SILENCE can be
set from what passing runs need.

With QLOG (QEMU's -d cpu_reset log), QEMU runs with -action
shutdown=pause: a guest that powers off or resets under -no-reboot stops
instead of ending QEMU, and the watchdog quits it. When QLOG says the
stop was a triple fault, TRIPLE first gets every vCPU's registers
as the fault left them (QEMU's log says only that one happened), with
the end of QLOG.
"""

import bisect
import os
import re
import signal
import socket
import subprocess
import sys
import time

POLL = 1.0


def monitor(path, cmd, wait=5.0):
    """Send one command to QEMU's human monitor and return its answer."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(wait)
        s.connect(path)
        out = b""
        # The banner ends with the first prompt.
        while b"(qemu) " not in out:
            out += s.recv(65536)
        s.sendall(cmd.encode() + b"\n")
        out = b""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            out += chunk
            if out.rstrip().endswith(b"(qemu)"):
                break
    text = out.decode(errors="replace").replace("\r", "")
    # Drop the monitor's echo of the command, then the closing prompt.
    return text.partition("\n")[2].rsplit("(qemu)", 1)[0]


def symbols(vmlinux):
    """Text symbols of VMLINUX as a sorted list of (address, name)."""
    try:
        out = subprocess.run(["nm", "-n", vmlinux], capture_output=True,
                             text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return []
    syms = []
    for ln in out.splitlines():
        parts = ln.split()
        if len(parts) == 3 and parts[1] in "tTwW":
            syms.append((int(parts[0], 16), parts[2]))
    return syms


def resolve(syms, addr):
    i = bisect.bisect_right(syms, (addr, "\xff")) - 1
    if i < 0 or addr - syms[i][0] > 0x100000:
        return "?"
    return f"{syms[i][1]}+{addr - syms[i][0]:#x}"


STOP = False


def stop(*_):
    """SIGTERM: QEMU has exited; finish what is under way, then end."""
    global STOP
    STOP = True


def kernel_offset(log, wait):
    """The KASLR offset the panic prints, waiting up to WAIT seconds."""
    deadline = time.monotonic() + wait
    while True:
        with open(log, errors="replace") as f:
            m = re.search(r"Kernel Offset: (0x[0-9a-f]+|disabled)", f.read())
        if m:
            return 0 if m.group(1) == "disabled" else int(m.group(1), 16)
        if STOP or time.monotonic() > deadline:
            return None
        time.sleep(POLL)


def dump(mon, log, vmlinux, out, quiet_for):
    regs = monitor(mon, "info registers -a")
    # Each local APIC too: a timer that stopped firing shows here.
    apics = ""
    for n in re.findall(r"(?m)^CPU#(\d+)", regs):
        try:
            apics += f"\nlocal APIC of CPU {n}:\n" + \
                monitor(mon, f"info lapic {n}")
        except OSError:
            break
    with open(out, "w") as f:
        f.write(f"console quiet for {quiet_for:.0f} s\n\n{regs}")
    # The guest panics on the NMI, prints the interrupted CPU's
    # backtrace, and says where KASLR put the kernel.
    try:
        monitor(mon, "nmi")
    except OSError:
        pass
    offset = kernel_offset(log, 30)
    syms = symbols(vmlinux)
    summary = [f"console quiet for {quiet_for:.0f} s; where each vCPU was:"]
    for block in re.split(r"(?m)^(?=CPU#\d+)", regs):
        m = re.match(r"CPU#(\d+)", block)
        rip = re.search(r"RIP=([0-9a-f]{16})", block)
        if not m or not rip:
            continue
        addr = int(rip.group(1), 16)
        where = "?" if offset is None else resolve(syms, addr - offset)
        state = " (halted)" if "HLT=1" in block else ""
        summary.append(f"  CPU {m.group(1)}: RIP {addr:#x} {where}{state}")
    with open(out, "w") as f:
        f.write("\n".join(summary) + "\n\n" + regs + apics)


def stopped(mon):
    """Has the guest stopped for good (powered off or reset)?"""
    return "(shutdown)" in monitor(mon, "info status")


def triple(mon, log, qlog, vmlinux, out):
    """After a stop: if it was a triple fault, save the vCPUs' state."""
    try:
        with open(qlog, errors="replace") as f:
            tail = f.readlines()[-60:]
    except OSError:
        return
    if not any("Triple fault" in ln for ln in tail):
        return
    regs = monitor(mon, "info registers -a")
    summary = ["triple fault; each vCPU as the fault left it:"]
    # Known when the host panicked first; an instance's RIP is not the
    # host's and resolves to "?" or to nonsense.
    offset = kernel_offset(log, 0)
    syms = symbols(vmlinux) if offset is not None else []
    for block in re.split(r"(?m)^(?=CPU#\d+)", regs):
        m = re.match(r"CPU#(\d+)", block)
        if not m:
            continue
        fields = []
        for reg in ("RIP", "RSP", "CR0", "CR2", "CR3", "CR4", "EFER"):
            v = re.search(reg + r"=([0-9a-f]+)", block)
            if v:
                fields.append(f"{reg}={v.group(1)}")
        cs = re.search(r"(?m)^CS =(\S+ \S+)", block)
        if cs:
            fields.append(f"CS={cs.group(1).replace(' ', '/')}")
        state = " halted" if "HLT=1" in block else ""
        rip = re.search(r"RIP=([0-9a-f]{16})", block)
        if syms and rip:
            fields.append("host " +
                          resolve(syms, int(rip.group(1), 16) - offset))
        summary.append(f"  CPU {m.group(1)}:{state} {' '.join(fields)}")
    with open(out, "w") as f:
        f.write("\n".join(summary) + "\n\n" + regs +
                "\nend of QEMU's log:\n" + "".join(tail))


def main(argv):
    if len(argv) not in (6, 8):
        print(__doc__, file=sys.stderr)
        return 2
    log, mon, silence, vmlinux, out = argv[1], argv[2], float(argv[3]), \
        argv[4], argv[5]
    qlog, tfile = (argv[6], argv[7]) if len(argv) == 8 else (None, None)
    signal.signal(signal.SIGTERM, stop)
    size, last, longest, fired = -1, time.monotonic(), 0.0, None
    try:
        while not STOP:
            time.sleep(POLL)
            now = time.monotonic()
            try:
                cur = os.path.getsize(log)
            except OSError:
                break
            if cur != size:
                size, last = cur, now
            longest = max(longest, now - last)
            try:
                down = qlog is not None and stopped(mon)
            except OSError:
                down = False
            if down:
                try:
                    triple(mon, log, qlog, vmlinux, tfile)
                except OSError as e:
                    with open(tfile, "a") as f:
                        f.write(f"monitor: {e}\n")
                try:
                    monitor(mon, "quit")
                except OSError:
                    pass
                break
            if fired is None and now - last >= silence:
                fired = now
                try:
                    dump(mon, log, vmlinux, out, now - last)
                except OSError as e:
                    with open(out, "a") as f:
                        f.write(f"monitor: {e}\n")
            elif fired is not None and not STOP and now - fired > 60:
                try:
                    monitor(mon, "quit")
                except OSError:
                    pass
                break
    finally:
        with open(out + ".silence", "w") as f:
            f.write(f"{longest:.0f}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
