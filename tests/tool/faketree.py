# SPDX-License-Identifier: LGPL-2.1-or-later
"""Fake IIO sysfs and /dev trees for driving iiostream on the host.

The device nodes are FIFOs: the library's IIO_BUFFER_GET_FD_IOCTL fails on
them with ENOTTY, so streams use the node itself with the fileio backend (as
on kernels without buffer fds). A test feeds an input device by writing scans
into its FIFO and drains an output device by reading its FIFO.
"""
import errno
import os
import shutil
import struct
import tempfile
import threading
import time


class FakeTree:
    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="iios-tool-")
        self.sys = os.path.join(self.root, "sys")
        self.dev = os.path.join(self.root, "dev")
        os.makedirs(self.sys)
        os.makedirs(self.dev)

    def close(self):
        shutil.rmtree(self.root, ignore_errors=True)

    def write(self, rel, text):
        path = os.path.join(self.sys, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)

    def read(self, rel):
        with open(os.path.join(self.sys, rel)) as f:
            return f.read()

    def device(self, n, name, direction="in", nchans=4, typ="le:s16/16>>0", label=None,
               node=True, extra=None):
        d = "iio:device%d" % n
        self.write(d + "/name", name + "\n")
        if label:
            self.write(d + "/label", label + "\n")
        b = d + "/buffer0/"
        pre = "in" if direction == "in" else "out"
        for attr, val in (("direction", direction), ("length", "1"), ("watermark", "1"),
                          ("enable", "0"), ("overruns" if direction == "in" else "underruns", "0")):
            self.write(b + attr, val + "\n")
        for i in range(nchans):
            self.write(b + "%s_voltage%d_en" % (pre, i), "0\n")
            self.write(b + "%s_voltage%d_type" % (pre, i), typ + "\n")
            self.write(b + "%s_voltage%d_index" % (pre, i), "%d\n" % i)
        for rel, val in (extra or {}).items():
            self.write(d + "/" + rel, val)
        if node:
            os.mkfifo(os.path.join(self.dev, d))
        return d

    def node(self, n):
        return os.path.join(self.dev, "iio:device%d" % n)

    def env(self):
        env = dict(os.environ)
        env["IIOSTREAM_SYSFS_ROOT"] = self.sys
        env["IIOSTREAM_DEV_ROOT"] = self.dev
        return env


def counter_scans(first, n):
    """sim-adc's counter waveform with all four channels: LE u64 sequence numbers."""
    return b"".join(struct.pack("<Q", i) for i in range(first, first + n))


class Feeder(threading.Thread):
    """Write data into a FIFO (device node) without ever blocking for long."""

    def __init__(self, path, data, chunk=65536, pause=0.0):
        super().__init__(daemon=True)
        self.fd = os.open(path, os.O_RDWR | os.O_NONBLOCK)
        self.data = memoryview(data)
        self.chunk, self.pause = chunk, pause
        self.stop = threading.Event()
        self.start()

    def run(self):
        off = 0
        while off < len(self.data) and not self.stop.is_set():
            try:
                off += os.write(self.fd, self.data[off:off + self.chunk])
                time.sleep(self.pause)
            except BlockingIOError:
                time.sleep(0.002)

    def close(self):
        self.stop.set()
        self.join()
        os.close(self.fd)


class Drainer(threading.Thread):
    """Collect what is written into a FIFO (an output device node)."""

    def __init__(self, path):
        super().__init__(daemon=True)
        self.fd = os.open(path, os.O_RDWR | os.O_NONBLOCK)
        self.got = bytearray()
        self.stop = threading.Event()
        self.start()

    def run(self):
        while not self.stop.is_set():
            try:
                chunk = os.read(self.fd, 65536)
                self.got += chunk
            except BlockingIOError:
                time.sleep(0.002)
            except OSError as e:
                if e.errno != errno.EINTR:
                    raise

    def close(self):
        time.sleep(0.05)
        self.stop.set()
        self.join()
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except BlockingIOError:
                break
            if not chunk:
                break
            self.got += chunk
        os.close(self.fd)
        return bytes(self.got)
