#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Checkers for tests/interop/in-vm (libiio v1 against iio-sim).

Only the standard library (no numpy). Subcommands:

  counter SCAN_BYTES SCANS      stdin must be exactly SCANS scans of the
                                sim-adc counter: u64 LE seq (8-byte scans,
                                4 channels) or u32 LE low bits of seq (4-byte
                                scans, channels 0 and 1), from seq 0, no gap
  strace LOG MIN_ENQ [MAX_ENQ]  an `strace -f -e raw=ioctl` log shows DMABUF
                                use: ATTACH succeeded, at least MIN_ENQ (at
                                most MAX_ENQ) ENQUEUEs succeeded, none failed
  strace --fileio LOG BYTES     ... shows no DMABUF ATTACH, and read() or
                                write() calls (> 4096 bytes asked) that moved
                                at least BYTES
  gen FILE BYTES SEED           write BYTES pseudo-random bytes to FILE
  dac FILE BYTES CHECKSUM       sim-dac's debugfs bytes/checksum after playing
      [--cyclic]                FILE once (bytes must equal the file size), or,
                                with --cyclic, FILE repeated: bytes must cover
                                at least two repetitions and the checksum must
                                be the one of the repeated stream cut at BYTES

Each prints one line of detail (stdout) and exits 0 when the check holds, 1
when it does not, 2 on a usage or I/O error.
"""
import array
import operator
import os
import random
import re
import sys
import time

M64 = (1 << 64) - 1


def die(msg):
    print("check.py: " + msg, file=sys.stderr)
    sys.exit(2)


def fail(msg):
    print(msg)
    sys.exit(1)


# ---------------------------------------------------------------- counter

def cmd_counter(args):
    if len(args) != 2:
        die("usage: counter SCAN_BYTES SCANS")
    scan_bytes, scans = int(args[0]), int(args[1])
    if scan_bytes == 8:
        code, mod = "Q", 1 << 64
    elif scan_bytes == 4:
        code, mod = "I", 1 << 32
    else:
        die("counter: SCAN_BYTES must be 8 or 4, not %d" % scan_bytes)
    if array.array(code).itemsize != scan_bytes:
        die("counter: array type %r is not %d bytes here" % (code, scan_bytes))

    chunk_scans = 1 << 16
    inp = sys.stdin.buffer
    seq = 0            # next expected sequence number
    tail = b""
    t0 = time.monotonic()
    while True:
        data = inp.read(chunk_scans * scan_bytes)
        if not data:
            break
        data = tail + data
        whole = len(data) - len(data) % scan_bytes
        tail = data[whole:]
        got = array.array(code)
        got.frombytes(data[:whole])
        if sys.byteorder != "little":
            got.byteswap()
        n = len(got)
        want = array.array(code, (i % mod for i in range(seq, seq + n))) \
            if seq + n > mod else array.array(code, range(seq, seq + n))
        if got != want:
            for i in range(n):
                if got[i] != want[i]:
                    break
            fail("scan %d is %d, expected %d (%s)" % (
                seq + i, got[i], want[i],
                "first scan not 0" if seq + i == 0 else
                "gap of %d scans" % (got[i] - want[i])
                if got[i] > want[i] else "counter went back"))
        seq += n
    dt = time.monotonic() - t0
    if tail:
        fail("stream ends with %d bytes of a partial %d-byte scan after %d "
             "scans" % (len(tail), scan_bytes, seq))
    if seq != scans:
        fail("%d scans received, %d expected (all correct up to there)"
             % (seq, scans))
    mib = seq * scan_bytes / (1 << 20)
    print("%d scans (%.1f MiB) from seq 0, every scan right, no gap; "
          "%.1f MiB/s through the checker" % (seq, mib, mib / dt if dt else 0))


# ----------------------------------------------------------------- strace

# _IOW('i', 0x92, int), _IOW('i', 0x93, int), _IOW('i', 0x94, struct
# iio_dmabuf), _IOW('b', 0, u64), _IOWR('H', 0, struct dma_heap_allocation_data)
IOCTLS = {
    "attach": ("0x40046992", "IIO_BUFFER_DMABUF_ATTACH_IOCTL"),
    "detach": ("0x40046993", "IIO_BUFFER_DMABUF_DETACH_IOCTL"),
    "enqueue": ("0x40106994", "IIO_BUFFER_DMABUF_ENQUEUE_IOCTL"),
    "sync": ("0x40086200", "DMA_BUF_IOCTL_SYNC"),
    "heap_alloc": ("0xc0184800", "DMA_HEAP_IOCTL_ALLOC"),
    "get_fd": ("0xc0046991", "IIO_BUFFER_GET_FD_IOCTL"),
}


def strace_calls(path):
    """(pid, name, args, result) of every complete call in an strace -f log,
    with '<unfinished ...>' and '<... resumed>' halves joined."""
    pending = {}
    line_re = re.compile(r"^(?:\[pid\s+)?(\d+)\]?\s+(.*)$")
    call_re = re.compile(r"^(\w+)\((.*)\)\s+=\s+(.*)$")
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            m = line_re.match(line)
            pid, rest = (m.group(1), m.group(2)) if m else ("0", line)
            if rest.endswith("<unfinished ...>"):
                pending[pid] = rest[:-len("<unfinished ...>")].rstrip()
                continue
            r = re.match(r"^<\.\.\. (\w+) resumed>(.*)$", rest)
            if r:
                rest = pending.pop(pid, r.group(1) + "(") + r.group(2)
            c = call_re.match(rest)
            if c:
                yield pid, c.group(1), c.group(2), c.group(3)


def cmd_strace(args):
    if len(args) == 3 and args[0] == "--fileio":
        return strace_fileio(args[1], int(args[2]))
    if len(args) not in (2, 3):
        die("usage: strace LOG MIN_ENQUEUE [MAX_ENQUEUE] | "
            "strace --fileio LOG BYTES")
    path, lo = args[0], int(args[1])
    hi = int(args[2]) if len(args) == 3 else None
    ok = {k: 0 for k in IOCTLS}
    bad = {k: [] for k in IOCTLS}
    polls, poll_events = 0, set()
    try:
        calls = list(strace_calls(path))
    except OSError as e:
        die("strace: cannot read %s: %s" % (path, e.strerror))
    for _pid, name, cargs, result in calls:
        if name == "ioctl":
            req = cargs.split(",")[1].strip() if "," in cargs else ""
            for k, names in IOCTLS.items():
                if req in names:
                    if result.split()[0] == "0":
                        ok[k] += 1
                    else:
                        bad[k].append(result)
        elif name in ("poll", "ppoll"):
            polls += 1
            # libiio polls [the DMABUF or buffer fd, its cancel eventfd]
            first = re.search(r"events=([A-Z|]+)", cargs)
            if first:
                poll_events.add(first.group(1))
    summary = ("heap allocs %d, ATTACH %d, ENQUEUE %d, DMA_BUF_IOCTL_SYNC %d, "
               "DETACH %d, poll %d (for %s)" % (
                   ok["heap_alloc"], ok["attach"], ok["enqueue"], ok["sync"],
                   ok["detach"], polls, ",".join(sorted(poll_events)) or "-"))
    errors = ["%s failed: %s" % (k.upper(), v[0]) for k, v in bad.items() if v]
    if not calls:
        fail("no system call in %s (strace not run?)" % path)
    if errors:
        fail("; ".join(errors) + "; " + summary)
    if ok["attach"] == 0:
        fail("no DMABUF ATTACH succeeded (libiio fell back to mmap or "
             "read()/write()?); " + summary)
    if ok["enqueue"] < lo or (hi is not None and ok["enqueue"] > hi):
        fail("%d ENQUEUEs succeeded, expected %s; %s" % (
            ok["enqueue"], "%d" % lo if hi == lo else
            "at least %d" % lo if hi is None else "%d..%d" % (lo, hi),
            summary))
    print(summary)


def strace_fileio(path, want):
    """No DMABUF attached, and read() or write() calls of more than a page
    (sysfs files are read a page at a time) moved at least WANT bytes."""
    attach = moved = calls = 0
    try:
        for _pid, name, cargs, result in strace_calls(path):
            if name == "ioctl" and cargs.split(",")[1:2] and \
                    cargs.split(",")[1].strip() in IOCTLS["attach"] and \
                    result.split()[0] == "0":
                attach += 1
            elif name in ("read", "write"):
                size = cargs.rsplit(",", 1)[-1].strip()
                if size.isdigit() and int(size) > 4096 and \
                        result.split()[0].isdigit():
                    calls += 1
                    moved += int(result.split()[0])
    except OSError as e:
        die("strace: cannot read %s: %s" % (path, e.strerror))
    summary = "%d read()/write() calls of the buffer moved %d bytes; " \
        "DMABUF ATTACH %d" % (calls, moved, attach)
    if attach or moved < want:
        fail("expected no DMABUF and %d bytes through read()/write(): %s"
             % (want, summary))
    print(summary)


# -------------------------------------------------------------------- gen

def cmd_gen(args):
    if len(args) != 3:
        die("usage: gen FILE BYTES SEED")
    path, n, seed = args[0], int(args[1]), int(args[2])
    rnd = random.Random(seed)
    try:
        with open(path, "wb") as f:
            f.write(rnd.randbytes(n))
    except OSError as e:
        die("gen: %s: %s" % (path, e.strerror))


# -------------------------------------------------------------------- dac

def samples(data):
    """The bytes as the DAC reads them: u16 little endian."""
    s = array.array("H")
    s.frombytes(data)
    if sys.byteorder != "little":
        s.byteswap()
    return s


def checksum(s):
    """(a, b) after a += x; b += a over s from a = b = 0:
    a = sum(x), b = sum over j of x_j * (n - j)."""
    n = len(s)
    total = sum(s)
    weighted = sum(map(operator.mul, range(n), s))
    return total, (n * total - weighted) & M64


def cmd_dac(args):
    cyclic = "--cyclic" in args
    args = [a for a in args if a != "--cyclic"]
    if len(args) != 3:
        die("usage: dac FILE BYTES CHECKSUM [--cyclic]")
    path, played, got = args[0], int(args[1]), int(args[2])
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        die("dac: %s: %s" % (path, e.strerror))
    if len(data) % 4:
        die("dac: %s is %d bytes, not whole 4-byte scans" % (path, len(data)))
    s = samples(data)
    n = len(s)
    if not cyclic:
        if played != len(data):
            fail("the DAC played %d bytes, the file has %d" % (played, len(data)))
        want = checksum(s)[1]
        if got != want:
            fail("checksum %d, expected %d for the %d bytes of %s"
                 % (got, want, len(data), os.path.basename(path)))
        print("%d bytes played, checksum %d = the file's" % (played, got))
        return
    if played % 4:
        fail("the DAC played %d bytes, not whole 4-byte scans" % played)
    m = played // 2
    k, r = divmod(m, n)
    if k < 2:
        fail("only %d bytes played: less than two repetitions of the %d-byte "
             "block" % (played, len(data)))
    # k whole repetitions: a = k*S; b = k*C + S*n*k(k-1)/2 (repetition j
    # starts with a = j*S), then the first r samples of one more.
    S, C = checksum(s)
    a = k * S
    b = k * C + S * n * (k * (k - 1) // 2)
    pa, pb = checksum(s[:r])
    b = (b + r * a + pb) & M64
    if got != b:
        fail("checksum %d, expected %d for %d bytes = %d repetitions of the "
             "%d-byte block + %d bytes" % (got, b, played, k, len(data), r * 2))
    print("%d bytes played = %d repetitions of the %d-byte block + %d bytes; "
          "checksum %d matches exactly" % (played, k, len(data), r * 2, got))


def main():
    cmds = {"counter": cmd_counter, "strace": cmd_strace, "gen": cmd_gen,
            "dac": cmd_dac}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        die("usage: check.py {%s} ARGS..." % ",".join(cmds))
    cmds[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
