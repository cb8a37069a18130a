#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""iiostream play/pipe against iio-sim's sim-dac, inside vm/run (suite 'kernel').

Skips (exit status 77) if iio-sim has no sim-dac. Checked here: every byte
was handed to the device, the exit statuses, nothing left enabled. What the
DAC did with the data (loopback, its checksum) is test_tool_vm_data.py's.

usage: test_tool_vm_dac.py PATH/TO/iiostream
"""
import os
import re
import signal
import struct
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vmtool  # noqa: E402
from vmtool import DeviceTest, devices, popen, run  # noqa: E402


class TestDac(DeviceTest):
    NAME = "sim-dac"

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="iios-tool-vm-")
        rc, out, err = run(["list", "--json", "--no-probe", "sim-dac"])
        self.file = os.path.join(self.tmp, "counter")
        # One second of scans of the DAC's layout at its rate is plenty.
        with open(self.file, "wb") as f:
            f.write(b"".join(struct.pack("<Q", i) for i in range(65536)))

    def tearDown(self):
        subprocess.run(["rm", "-rf", self.tmp])
        self.assertEqual(self.enabled(), "0", "buffer left enabled")

    def play(self, backend):
        rc, _, err = run(["play", "sim-dac", "-i", self.file, "--backend", backend])
        self.assertEqual(rc, 0, err)
        m = re.search(r"(?m)^iiostream play: (\d+) bytes in .*, (\d+|n/a) underruns, (\w+)", err)
        self.assertIsNotNone(m, err)
        self.assertEqual(int(m.group(1)), os.path.getsize(self.file) // 8 * 8)
        self.assertEqual(m.group(3), backend)

    def test_play_dmabuf(self):
        self.play("dmabuf")

    def test_play_fileio(self):
        self.play("fileio")

    def test_play_paced_starts_without_underrun(self):
        # play queues every block before it starts the DAC, and counts the
        # underruns when the last block is queued: 0 at a paced rate.
        saved = vmtool.sysfs(self.id, "sampling_frequency")
        try:
            self.rate(100000)
            for backend in ("dmabuf", "fileio"):
                rc, _, err = run(["play", "sim-dac", "-i", self.file, "--backend", backend])
                self.assertEqual(rc, 0, err)
                self.assertRegex(err, r"(?m)^iiostream play: .*, 0 underruns, %s\n" % backend)
        finally:
            run(["attr", "sim-dac", "sampling_frequency", saved])

    def test_cyclic_until_sigint(self):
        p = popen(["play", "sim-dac", "-i", self.file, "--cyclic"])
        time.sleep(1.5)
        self.assertIsNone(p.poll(), "cyclic play ended by itself")
        self.assertEqual(self.enabled(), "1")
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=10)
        err = err.decode()
        self.assertEqual(p.returncode, 130, err)
        self.assertRegex(err, r"(?m)^iiostream play: .*, dmabuf, interrupted\n\Z")

    def test_pipe_adc_to_dac(self):
        devs = devices()
        adc = devs["sim-adc"]["id"]
        # As many ADC channels as the DAC has, 16 bits each (sim-adc, sim-dac).
        scan = 2 * len(devs["sim-dac"]["buffers"][0]["channels"])
        # Both unthrottled: at the default 10000 scans/s 1M scans take 105 s,
        # too close to the command's timeout on a slow VM.
        saved = {d: vmtool.sysfs(devs[d]["id"], "sampling_frequency")
                 for d in ("sim-adc", "sim-dac")}
        try:
            for d in saved:
                self.assertEqual(run(["attr", d, "sampling_frequency", "0"])[0], 0)
            rc, _, err = run(["pipe", "sim-adc", "sim-dac", "-n", "1M"])
        finally:
            for d, hz in saved.items():
                run(["attr", d, "sampling_frequency", hz])
        self.assertEqual(rc, 0, err)
        self.assertRegex(err, r"(?m)^iiostream pipe: %d bytes in " % (scan << 20))
        self.assertEqual(vmtool.sysfs(adc, "buffer0/enable"), "0")


if __name__ == "__main__":
    vmtool.TOOL = os.path.abspath(sys.argv.pop(1))
    if "sim-dac" not in devices():
        print("SKIP: iio-sim has no sim-dac device (yet)")
        sys.exit(77)
    unittest.main(verbosity=2)
