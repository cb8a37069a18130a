#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""What iiostream(1) moves is the data, end to end, inside vm/run (suite 'kernel'):

- play + loopback: a file played to sim-dac comes back from sim-adc (loopback
  on) through capture, byte for byte; the only extra scans are the DAC's
  underruns, which loopback shows as zero scans;
- pipe sim-adc -> sim-dac: the DAC's debugfs byte count and checksum equal
  those of the ADC's counter for the piped scans;
- capture -t keeps what the device produced up to the stop, with no gap, and
  the summary's byte count is the file's size;
- none of these writes a progress line when stderr is not a terminal.

usage: test_tool_vm_data.py PATH/TO/iiostream
"""
import os
import re
import struct
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vmtool  # noqa: E402
from vmtool import devices, popen, run  # noqa: E402

DEBUGFS = "/sys/kernel/debug/iio-sim"
SUMMARY = re.compile(r"(?m)^iiostream (\w+): (\d+) bytes in ([0-9.]+) s, ([0-9.]+) MiB/s, "
                     r"(\d+) blocks, (\d+) block errors, (\d+|n/a) (overruns|underruns)(.*)\n\Z")


def dac_checksum(samples):
    """sim-dac's checksum over 16-bit samples in order: a += s; b += a."""
    a = b = 0
    for s in samples:
        a += s
        b += a
    return b & (2**64 - 1)


class DataTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        devs = devices()
        for n in ("sim-adc", "sim-dac"):
            assert n in devs, "no %s device" % n
        cls.adc, cls.dac = devs["sim-adc"]["id"], devs["sim-dac"]["id"]

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="iios-tool-vm-data-")
        self.saved = {d: vmtool.sysfs(getattr(self, d), "sampling_frequency")
                      for d in ("adc", "dac")}
        self.attr("sim-adc", "waveform", "counter")

    def tearDown(self):
        self.attr("sim-adc", "loopback", "0")
        for d, hz in self.saved.items():
            self.attr("sim-" + d, "sampling_frequency", hz)
        subprocess.run(["rm", "-rf", self.tmp])
        for d in (self.adc, self.dac):
            self.assertEqual(vmtool.sysfs(d, "buffer0/enable"), "0", "buffer left enabled")

    def attr(self, dev, name, value):
        rc, _, err = run(["attr", dev, name, str(value)])
        self.assertEqual(rc, 0, err)

    def summary(self, err):
        self.assertNotIn("\r", err)  # no progress line: stderr is a pipe
        m = SUMMARY.search(err)
        self.assertIsNotNone(m, "no summary line in: " + err)
        return m

    def debugfs(self, dev, name):
        with open(os.path.join(DEBUGFS, dev, name)) as f:
            return int(f.read())

    def test_play_loopback_round_trip(self):
        # 256 K two-channel scans, none zero (scan k is k + 1), so the DAC's
        # underruns (zero scans through loopback) can be told apart.
        nscans = 1 << 18
        played = os.path.join(self.tmp, "played")
        with open(played, "wb") as f:
            f.write(struct.pack("<%dI" % nscans, *range(1, nscans + 1)))
        got = os.path.join(self.tmp, "captured")
        self.attr("sim-adc", "loopback", "1")
        self.attr("sim-dac", "sampling_frequency", 250000)
        # read() keeps the last, partial block when -t ends the capture; a
        # ring of 256 K scans (16 blocks) rides out a slow VM.
        cap = popen(["capture", "sim-adc", "voltage0", "voltage1", "-t", "12",
                     "--backend", "fileio", "--block-size", "64k", "--blocks", "16",
                     "-o", got])
        for _ in range(500):
            if vmtool.sysfs(self.adc, "buffer0/enable") == "1":
                break
            time.sleep(0.02)
        rc, _, perr = run(["play", "sim-dac", "-i", played])
        self.assertEqual(rc, 0, perr)
        self.summary(perr)
        # The DAC's count up to its disable (the summary's is read just
        # before: a slow kernel underruns a few more scans in between).
        underruns = int(vmtool.sysfs(self.dac, "buffer0/underruns"))
        _, cerr = cap.communicate(timeout=60)
        cerr = cerr.decode()
        self.assertEqual(cap.returncode, 0, cerr)
        m = self.summary(cerr)
        self.assertEqual(m.group(7), "0", "capture overruns")
        with open(got, "rb") as f:
            data = f.read()
        self.assertEqual(int(m.group(2)), len(data))
        scans = struct.unpack("<%dI" % (len(data) // 4), data)
        zeros = scans.count(0)
        print("loopback: %d scans captured, %d zero, %d DAC underruns"
              % (len(scans), zeros, underruns), file=sys.stderr)
        nonzero = [s for s in scans if s]
        self.assertEqual(len(nonzero), nscans, "scans played vs captured (not zero)")
        self.assertTrue(nonzero == list(range(1, nscans + 1)),
                        "captured scans differ from the played ones")
        self.assertEqual(zeros, underruns)

    def test_pipe_checksum(self):
        nscans = 1 << 18
        self.attr("sim-adc", "sampling_frequency", 0)
        self.attr("sim-dac", "sampling_frequency", 0)
        rc, _, err = run(["pipe", "sim-adc", "sim-dac", "-n", str(nscans)])
        self.assertEqual(rc, 0, err)
        m = self.summary(err)
        self.assertEqual(int(m.group(2)), nscans * 4)
        # The ADC's counter on voltage0/voltage1: scan k holds k as a u32.
        samples = (v for k in range(nscans) for v in (k & 0xffff, (k >> 16) & 0xffff))
        want = dac_checksum(samples)
        self.assertEqual(self.debugfs(self.dac, "bytes"), nscans * 4)
        self.assertEqual(self.debugfs(self.dac, "checksum"), want)

    def capture_t(self, backend):
        # 1000 scans/s, 1024-scan blocks, 2.5 s: two blocks complete, a third
        # is being filled when the time is up.
        self.attr("sim-adc", "sampling_frequency", 1000)
        out = os.path.join(self.tmp, "t")
        rc, _, err = run(["capture", "sim-adc", "-t", "2.5", "--block-size", "8k",
                          "--backend", backend, "--verify", "counter", "-o", out])
        self.assertEqual(rc, 0, err)
        m = self.summary(err)
        size = os.path.getsize(out)
        self.assertEqual(int(m.group(2)), size)
        self.assertEqual(m.group(6), "0", "block errors")
        self.assertEqual(m.group(7), "0", "overruns")
        self.assertIn("verify counter: ok (%d scans)" % (size // 8), m.group(9))
        print("capture -t 2.5 %s: %d scans" % (backend, size // 8), file=sys.stderr)
        return size // 8

    def test_capture_t_dmabuf_keeps_completed_blocks(self):
        scans = self.capture_t("dmabuf")
        self.assertEqual(scans % 1024, 0)
        self.assertGreaterEqual(scans, 2048)

    def test_capture_t_fileio_keeps_the_partial_block(self):
        scans = self.capture_t("fileio")
        # Everything produced: more than the two whole blocks.
        self.assertGreater(scans, 2048 + 100)
        self.assertLess(scans, 4000)


if __name__ == "__main__":
    vmtool.TOOL = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
