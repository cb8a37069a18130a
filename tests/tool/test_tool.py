#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Host tests of iiostream(1) on fake sysfs trees (tests/tool/faketree.py).

usage: test_tool.py PATH/TO/iiostream
"""
import json
import os
import pty
import random
import re
import signal
import struct
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from faketree import Drainer, FakeTree, Feeder, counter_scans  # noqa: E402

TOOL = None


def run(args, env=None, timeout=30, stdin=None, input_bytes=None):
    p = subprocess.run([TOOL] + args, env=env, timeout=timeout, stdin=stdin, input=input_bytes,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.returncode, p.stdout, p.stderr.decode()


class Base(unittest.TestCase):
    def setUp(self):
        self.t = FakeTree()
        self.t.device(0, "sim-adc", extra={"in_voltage_scale": "0.5\n",
                                           "in_voltage0_offset": "2.5\n",
                                           "sampling_frequency": "10000\n"})
        self.t.device(1, "sim-dac", direction="out", label="dac-left")
        self.t.device(2, "nodev", node=False)
        self.env = self.t.env()
        self.tmp = tempfile.mkdtemp(prefix="iios-tool-out-")

    def tearDown(self):
        self.t.close()
        subprocess.run(["rm", "-rf", self.tmp])

    def path(self, name):
        return os.path.join(self.tmp, name)

    def tool(self, args, **kw):
        return run(args, env=self.env, **kw)

    def assertRuntime(self, args, *needles, **kw):
        rc, out, err = self.tool(args, **kw)
        self.assertEqual(rc, 1, "%r: rc %d, stderr %s" % (args, rc, err))
        for n in needles:
            self.assertIn(n, err, "%r" % args)
        self.assertNotIn("Try 'iiostream", err)
        return err


class TestUsage(Base):
    def test_version(self):
        rc, out, err = self.tool(["--version"])
        self.assertEqual(rc, 0)
        self.assertRegex(out.decode(), r"^iiostream \d+\.\d+\.\d+\n$")

    def test_help_everywhere(self):
        rc, out, _ = self.tool(["--help"])
        self.assertEqual(rc, 0)
        for cmd in ("list", "attr", "capture", "play", "bench", "pipe"):
            self.assertIn(cmd, out.decode())
            rc, out2, err = self.tool([cmd, "--help"])
            self.assertEqual(rc, 0, cmd)
            self.assertTrue(out2.decode().startswith("usage: iiostream " + cmd), cmd)
            self.assertEqual(err, "")

    def test_usage_errors(self):
        # Usage errors are found before looking at the system: with no sysfs
        # at all the status is still 2, with the reason and a hint.
        env = dict(self.env, IIOSTREAM_SYSFS_ROOT="/nonexistent-sysfs")
        cases = [
            ([], "usage: iiostream"),
            (["bogus"], "unknown command 'bogus'"),
            (["--frob", "list"], "unknown global option '--frob'"),
            (["--sysfs-root"], "needs a directory"),
            (["capture"], "missing DEVICE"),
            (["capture", "sim-adc"], "either -n SAMPLES or -t SECONDS"),
            (["capture", "sim-adc", "-n", "5", "-t", "1"], "either -n SAMPLES or -t SECONDS"),
            (["capture", "sim-adc", "-n", "0"], "-n: '0' is too small"),
            (["capture", "sim-adc", "-n", "-5"], "-n: '-5' is negative"),
            (["capture", "sim-adc", "-n", "abc"], "-n: 'abc' is not a number"),
            (["capture", "sim-adc", "-n", "12x"], "-n: '12x' is not a number"),
            (["capture", "sim-adc", "-n", "99999999999999999999999"], "is too large"),
            (["capture", "sim-adc", "-n", "2000T"], "-n: '2000T' is too large"),
            (["capture", "sim-adc", "-t", "0"], "must be more than 0 seconds"),
            (["capture", "sim-adc", "-t", "-1"], "must be more than 0 seconds"),
            (["capture", "sim-adc", "-t", "nan"], "is not a number of seconds"),
            (["capture", "sim-adc", "-t", "1e300"], "is too long"),
            (["capture", "sim-adc", "-n", "1", "--block-size", "0"], "--block-size: '0' is too small"),
            (["capture", "sim-adc", "-n", "1", "--block-size", "2G"], "--block-size: '2G' is too large"),
            (["capture", "sim-adc", "-n", "1", "--blocks", "0"], "--blocks: '0' is too small"),
            (["capture", "sim-adc", "-n", "1", "--blocks", "5000"], "--blocks: '5000' is too large"),
            (["capture", "sim-adc", "-n", "1", "--backend", "mmap"], "'mmap' is not auto, dmabuf or fileio"),
            (["capture", "sim-adc", "-n", "1", "--format", "xml"], "'xml' is not raw or csv"),
            (["capture", "sim-adc", "-n", "1", "--verify", "sine"], "'sine' is not a known pattern"),
            (["capture", "sim-adc", "-n", "1", "--frob"], "unrecognized option '--frob'"),
            (["play", "sim-dac"], "missing -i FILE"),
            (["play", "sim-dac", "-i", "f", "--cyclic", "--repeat", "2"], "takes no --repeat"),
            (["play", "sim-dac", "-i", "f", "--cyclic", "--backend", "fileio"], "needs the dmabuf backend"),
            (["play", "sim-dac", "-i", "f", "--repeat", "0"], "--repeat: '0' is too small"),
            (["bench"], "missing DEVICE"),
            (["bench", "sim-adc", "--seconds", "0"], "must be more than 0 seconds"),
            (["bench", "sim-adc", "--block-sizes", "4k,x"], "--block-sizes: 'x' is not a number"),
            (["bench", "sim-adc", "--block-sizes", ","], "--block-sizes: empty list"),
            (["pipe", "sim-adc"], "need SRC and DST"),
            (["pipe", "a", "b", "-n", "1", "-t", "1"], "not both"),
            (["pipe", "a", "b", "--blocks", "1"], "pipe needs at least 2"),
            (["attr"], "missing DEVICE"),
            (["attr", "a", "b", "c", "d", "e"], "too many arguments"),
            (["list", "--frob"], "unrecognized option"),
        ]
        for args, needle in cases:
            rc, out, err = run(args, env=env)
            self.assertEqual(rc, 2, "%r: rc %d, stderr %s" % (args, rc, err))
            self.assertIn(needle, err, "%r" % args)
            if args:
                self.assertIn("iiostream --help" if args[0] not in
                              ("capture", "play", "bench", "pipe", "attr", "list")
                              else "Try 'iiostream %s --help'" % args[0], err, "%r" % args)

    def test_raw_capture_refuses_a_terminal(self):
        master, slave = pty.openpty()
        try:
            p = subprocess.run([TOOL, "capture", "sim-adc", "-n", "4"], env=self.env,
                               stdout=slave, stderr=subprocess.PIPE, timeout=10)
        finally:
            os.close(slave)
            os.close(master)
        self.assertEqual(p.returncode, 2)
        self.assertIn(b"refusing to write raw samples to a terminal", p.stderr)
        self.assertEqual(self.t.read("iio:device0/buffer0/enable").strip(), "0")


class TestList(Base):
    def test_json(self):
        self.t.write("iio:device0/buffer0/in_voltage1_en", "1\n")
        self.t.write("iio:device0/buffer0/length", "7\n")
        rc, out, err = self.tool(["list", "--json"])
        self.assertEqual(rc, 0, err)
        doc = json.loads(out)
        self.assertEqual(doc["sysfs_root"], self.t.sys)
        devs = {d["name"]: d for d in doc["devices"]}
        self.assertEqual([d["id"] for d in doc["devices"]],
                         ["iio:device0", "iio:device1", "iio:device2"])
        adc, dac = devs["sim-adc"], devs["sim-dac"]
        self.assertIsNone(adc["label"])
        self.assertEqual(dac["label"], "dac-left")
        self.assertNotIn("attributes", adc)
        b = adc["buffers"][0]
        self.assertEqual((b["index"], b["direction"], b["length"]), (0, "in", 7))
        self.assertIs(b["dmabuf"]["usable"], False)
        self.assertIn("IIO_BUFFER_GET_FD_IOCTL", b["dmabuf"]["reason"])
        self.assertEqual([(c["id"], c["scan_index"], c["format"], c["enabled"]) for c in b["channels"]],
                         [("voltage%d" % i, i, "le:s16/16>>0", i == 1) for i in range(4)])
        self.assertEqual(dac["buffers"][0]["direction"], "out")
        self.assertEqual(dac["buffers"][0]["channels"][0]["name"], "out_voltage0")
        nodev = devs["nodev"]["buffers"][0]["dmabuf"]
        self.assertIs(nodev["usable"], False)
        self.assertIn("No such file or directory", nodev["reason"])
        # The DMABUF probe put back what it changed.
        self.assertEqual(self.t.read("iio:device0/buffer0/in_voltage1_en").strip(), "1")
        self.assertEqual(self.t.read("iio:device0/buffer0/in_voltage0_en").strip(), "0")
        self.assertEqual(self.t.read("iio:device0/buffer0/length").strip(), "7")
        self.assertEqual(self.t.read("iio:device0/buffer0/enable").strip(), "0")

    def test_json_verbose_and_no_probe(self):
        rc, out, err = self.tool(["list", "-v", "--json", "--no-probe", "sim-adc"])
        self.assertEqual(rc, 0, err)
        doc = json.loads(out)
        self.assertEqual(len(doc["devices"]), 1)
        adc = doc["devices"][0]
        self.assertEqual(adc["attributes"]["sampling_frequency"], "10000")
        b = adc["buffers"][0]
        self.assertIsNone(b["dmabuf"]["usable"])
        self.assertEqual(b["attributes"]["direction"], "in")
        self.assertNotIn("in_voltage0_en", b["attributes"])
        ch0 = b["channels"][0]["attributes"]
        self.assertEqual((ch0["scale"], ch0["offset"]), ("0.5", "2.5"))

    def test_text(self):
        rc, out, err = self.tool(["list", "-v"])
        self.assertEqual(rc, 0, err)
        text = out.decode()
        self.assertIn("iio:device0: sim-adc\n", text)
        self.assertIn("iio:device1: sim-dac (label dac-left)", text)
        self.assertRegex(text, r"buffer0: in, length 1, DMABUF: no: .*IIO_BUFFER_GET_FD_IOCTL")
        self.assertRegex(text, r"voltage2 +index 2 +le:s16/16>>0 +disabled")
        self.assertIn("sampling_frequency = 10000", text)

    def test_empty_and_missing_roots(self):
        empty = tempfile.mkdtemp(dir=self.tmp)
        rc, out, err = run(["--sysfs-root", empty, "list"], env=self.env)
        self.assertEqual(rc, 0)
        self.assertIn("no IIO devices in " + empty, out.decode())
        rc, out, err = run(["list", "--json"], env=dict(self.env, IIOSTREAM_SYSFS_ROOT=empty))
        self.assertEqual(json.loads(out)["devices"], [])
        rc, out, err = run(["--sysfs-root=/nonexistent-sysfs", "list"], env=self.env)
        self.assertEqual(rc, 1)
        self.assertIn("/nonexistent-sysfs", err)
        self.assertIn("No such file or directory", err)

    def test_unknown_device(self):
        err = self.assertRuntime(["list", "adc9"], "adc9: no such IIO device in " + self.t.sys,
                                 "sim-adc (iio:device0)", "dac-left (iio:device1)")


class TestAttr(Base):
    def test_read_write(self):
        rc, out, err = self.tool(["attr", "sim-adc", "sampling_frequency"])
        self.assertEqual((rc, out), (0, b"10000\n"), err)
        rc, out, err = self.tool(["attr", "sim-adc", "sampling_frequency", "20000"])
        self.assertEqual((rc, out, err), (0, b"", ""))
        self.assertEqual(self.t.read("iio:device0/sampling_frequency").strip(), "20000")
        rc, out, err = self.tool(["attr", "sim-adc", "voltage0", "scale"])
        self.assertEqual(out, b"0.5\n")  # shared by type: in_voltage_scale
        rc, out, err = self.tool(["attr", "sim-adc", "in_voltage0", "offset"])
        self.assertEqual(out, b"2.5\n")
        rc, out, err = self.tool(["attr", "sim-adc", "buffer0", "length"])
        self.assertEqual(out, b"1\n")
        rc, out, err = self.tool(["attr", "iio:device0", "buffer0", "length", "8"])
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.t.read("iio:device0/buffer0/length").strip(), "8")
        self.t.write("iio:device1/out_voltage0_scale", "1\n")
        rc, out, err = self.tool(["attr", "dac-left", "voltage0", "scale", "3"])
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.t.read("iio:device1/out_voltage0_scale"), "3")

    def test_listing(self):
        rc, out, err = self.tool(["attr", "sim-adc"])
        self.assertEqual(rc, 0, err)
        self.assertIn("name = sim-adc\n", out.decode())
        self.assertIn("sampling_frequency = 10000\n", out.decode())
        rc, out, err = self.tool(["attr", "sim-adc", "voltage0"])
        self.assertEqual(out.decode(), "offset = 2.5\nscale = 0.5\n")
        rc, out, err = self.tool(["attr", "sim-adc", "buffer0"])
        self.assertIn("overruns = 0\n", out.decode())

    def test_errors(self):
        self.assertRuntime(["attr", "nope", "x"], "nope: no such IIO device")
        self.assertRuntime(["attr", "sim-adc", "frequency"], "sim-adc (iio:device0)",
                           "frequency", "No such file or directory")
        self.assertRuntime(["attr", "sim-adc", "voltage9", "raw", "1"],
                           "sim-adc (iio:device0) has no channel or buffer 'voltage9'")
        self.assertRuntime(["attr", "sim-adc", "buffer3"], "has no buffer3")
        self.assertRuntime(["attr", "sim-adc", "buffer3", "length", "4"],
                           "sim-adc (iio:device0) has no buffer3")
        os.chmod(os.path.join(self.t.sys, "iio:device0/name"), 0o444)
        if os.geteuid() != 0:
            self.assertRuntime(["attr", "sim-adc", "name", "x"], "writing \"x\"", "name",
                               "Permission denied")


class TestCapture(Base):
    def capture(self, args, data, node=0, timeout=30):
        # Padding: the fileio backend reads whole blocks, also for the last,
        # partly used one (a real device never stops producing).
        f = Feeder(self.t.node(node), data + bytes(1 << 20))
        try:
            return self.tool(["capture"] + args, timeout=timeout)
        finally:
            f.close()

    def test_raw_with_verify(self):
        data = counter_scans(0, 10000)
        out = self.path("raw")
        rc, _, err = self.capture(["sim-adc", "-n", "10000", "--verify", "counter", "-o", out,
                                   "--block-size", "4k"], data)
        self.assertEqual(rc, 0, err)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), data)
        self.assertRegex(err, r"iiostream capture: 80000 bytes in [0-9.]+ s, [0-9.]+ MiB/s, "
                              r"20 blocks, 0 block errors, 0 overruns, fileio, "
                              r"verify counter: ok \(10000 scans\)\n$")
        self.assertNotIn("\r", err)  # no progress line on a pipe
        self.assertIn("using fileio:", err)
        self.assertEqual(self.t.read("iio:device0/buffer0/enable").strip(), "0")
        self.assertEqual([self.t.read("iio:device0/buffer0/in_voltage%d_en" % i)
                          for i in range(4)], ["1"] * 4)

    def test_progress_on_a_terminal_only(self):
        # 4 KiB every 50 ms for about 1.2 s: stderr a terminal shows progress.
        f = Feeder(self.t.node(0), counter_scans(0, 12800) + bytes(1 << 16), chunk=4096,
                   pause=0.05)
        master, slave = pty.openpty()
        try:
            p = subprocess.run([TOOL, "capture", "sim-adc", "-n", "12000", "--block-size", "4k",
                                "-o", "/dev/null"], env=self.env, stderr=slave, timeout=30)
            os.close(slave)
            slave = None
            text = b""
            while True:
                try:
                    chunk = os.read(master, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                text += chunk
        finally:
            f.close()
            if slave is not None:
                os.close(slave)
            os.close(master)
        self.assertEqual(p.returncode, 0, text)
        text = text.decode()
        self.assertRegex(text, r"\r[0-9.]+ MiB, [0-9.]+ MiB/s, 0 drops, ETA \d+ s")
        # The line is cleared before the summary.
        self.assertRegex(text, r"\r +\riiostream capture: 96000 bytes in ")

    def test_stdout_and_partial_last_block(self):
        data = counter_scans(0, 1000)
        rc, out, err = self.capture(["sim-adc", "-n", "700", "--block-size", "4096",
                                     "--backend", "fileio"], data)
        self.assertEqual(rc, 0, err)
        self.assertEqual(out, data[:700 * 8])
        self.assertNotIn("using fileio", err)  # asked for

    def test_verify_detects_a_wrong_scan(self):
        data = bytearray(counter_scans(0, 4096))
        data[5000 * 0 + 8 * 3000:8 * 3000 + 8] = struct.pack("<Q", 77)
        rc, _, err = self.capture(["sim-adc", "-n", "4096", "--verify", "counter", "-o",
                                   "/dev/null"], bytes(data))
        self.assertEqual(rc, 1, err)
        self.assertIn("verify counter: FAILED: 2 of 4096 scans wrong, first: scan 3000 is 0x4d, "
                      "expected 0xbb8", err)

    def test_verify_subset_of_channels(self):
        # voltage1 and voltage3: bits 16..31 and 48..63 of the sequence number.
        n = 70000
        data = b"".join(struct.pack("<HH", (i >> 16) & 0xffff, 0) for i in range(n))
        rc, _, err = self.capture(["sim-adc", "voltage3", "voltage1", "-n", str(n), "--verify",
                                   "counter", "-o", "/dev/null"], data)
        self.assertEqual(rc, 0, err)
        self.assertIn("verify counter: ok (70000 scans)", err)
        bad = bytearray(data)
        bad[4 * 66000:4 * 66000 + 2] = b"\0\0"
        rc, _, err = self.capture(["sim-adc", "voltage1", "voltage3", "-n", str(n), "--verify",
                                   "counter", "-o", "/dev/null"], bytes(bad))
        self.assertEqual(rc, 1, err)
        self.assertIn("first: scan 66000: channel with index 1 is 0, expected 0x1", err)

    def test_csv_matches_raw(self):
        rnd = random.Random(6)
        data = bytes(rnd.getrandbits(8) for _ in range(8 * 3000))
        raw = self.path("raw")
        rc, _, err = self.capture(["sim-adc", "-n", "3000", "-o", raw], data)
        self.assertEqual(rc, 0, err)
        rc, out, err = self.capture(["sim-adc", "voltage2", "voltage0", "-n", "3000", "--format",
                                     "csv"], data)
        self.assertEqual(rc, 0, err)
        lines = out.decode().splitlines()
        self.assertEqual(lines[0], "voltage2,voltage0")  # as named
        self.assertEqual(len(lines), 3001)
        with open(raw, "rb") as f:
            rawdata = f.read()
        self.assertEqual(rawdata, data)
        for i, line in enumerate(lines[1:]):
            # The device delivers scans of voltage0 and voltage2 (4 bytes).
            c0, c2 = struct.unpack_from("<hh", rawdata, 4 * i)
            self.assertEqual([float(x) for x in line.split(",")],
                             [c2 * 0.5, (c0 + 2.5) * 0.5], "line %d" % i)

    def test_dev_full_with_data(self):
        rc, _, err = self.capture(["sim-adc", "-n", "100", "-o", "/dev/full"],
                                  counter_scans(0, 100))
        self.assertEqual(rc, 1)
        self.assertIn("writing /dev/full: No space left on device", err)
        self.assertIn("/dev/full is incomplete: 0 bytes written", err)
        self.assertRegex(err, r"iiostream capture: 0 bytes in .*\n$")
        self.assertEqual(self.t.read("iio:device0/buffer0/enable").strip(), "0")

    def test_unwritable_output(self):
        self.assertRuntime(["capture", "sim-adc", "-n", "4", "-o", "/nonexistent-dir/x"],
                           "cannot open output file /nonexistent-dir/x: No such file or directory")
        self.assertRuntime(["capture", "sim-adc", "-n", "4", "-o", self.tmp],
                           "cannot open output file %s: Is a directory" % self.tmp)
        # Nothing was started.
        self.assertEqual(self.t.read("iio:device0/buffer0/in_voltage0_en").strip(), "0")

    def test_failed_open_keeps_existing_output(self):
        keep = self.path("keep")
        with open(keep, "w") as f:
            f.write("precious")
        os.unlink(self.t.node(0))  # the stream cannot open
        self.assertRuntime(["capture", "sim-adc", "-n", "4", "-o", keep],
                           "sim-adc (iio:device0): opening", "No such file or directory")
        with open(keep) as f:
            self.assertEqual(f.read(), "precious")
        new = self.path("new")
        self.assertRuntime(["capture", "sim-adc", "-n", "4", "-o", new], "opening")
        self.assertFalse(os.path.exists(new))

    def test_unknown_and_wrong_channels(self):
        self.assertRuntime(["capture", "adc9", "-n", "4", "-o", "/dev/null"],
                           "adc9: no such IIO device")
        self.assertRuntime(["capture", "sim-adc", "voltage7", "-n", "4", "-o", "/dev/null"],
                           "sim-adc (iio:device0) has no input channel 'voltage7' "
                           "(input channels: voltage0, voltage1, voltage2, voltage3)")
        self.assertRuntime(["capture", "sim-dac", "-n", "4", "-o", "/dev/null"],
                           "dac-left (iio:device1) has no input buffer")
        self.assertRuntime(["capture", "sim-dac", "voltage0", "-n", "4", "-o", "/dev/null"],
                           "channel voltage0 of dac-left (iio:device1) is an output channel; "
                           "capture needs input channels")
        self.assertRuntime(["capture", "sim-adc", "voltage1", "voltage1", "-n", "4"],
                           "channel voltage1 given twice")
        self.assertRuntime(["capture", "sim-adc", "-n", "4", "--block-size", "7"],
                           "--block-size 7 is smaller than one scan of sim-adc (iio:device0) (8 bytes)")

    def test_sigint(self):
        out = self.path("int")
        f = Feeder(self.t.node(0), counter_scans(0, 512))
        try:
            p = subprocess.Popen([TOOL, "capture", "sim-adc", "-t", "60", "--block-size", "1k",
                                  "-o", out, "--verify", "counter"], env=self.env,
                                 stderr=subprocess.PIPE)
            time.sleep(1)
            t0 = time.monotonic()
            p.send_signal(signal.SIGINT)
            _, err = p.communicate(timeout=10)
            took = time.monotonic() - t0
        finally:
            f.close()
        err = err.decode()
        self.assertEqual(p.returncode, 130, err)
        self.assertLess(took, 2)
        self.assertRegex(err, r"(?m)^iiostream capture: 4096 bytes in .* 4 blocks, 0 block errors, "
                              r"0 overruns, fileio, verify counter: ok \(512 scans\), interrupted\n\Z")
        with open(out, "rb") as fh:
            self.assertEqual(fh.read(), counter_scans(0, 512))
        self.assertEqual(self.t.read("iio:device0/buffer0/enable").strip(), "0")


    def test_sigterm_without_data(self):
        p = subprocess.Popen([TOOL, "capture", "sim-adc", "-n", "100", "-o", self.path("t")],
                             env=self.env, stderr=subprocess.PIPE)
        # Once the buffer is enabled the handlers are in place (a fixed delay
        # was too short for an ASan build on a loaded machine).
        for _ in range(500):
            if self.t.read("iio:device0/buffer0/enable").strip() == "1":
                break
            time.sleep(0.02)
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=10)
        err = err.decode()
        self.assertEqual(p.returncode, 143, err)
        self.assertRegex(err, r"(?m)^iiostream capture: 0 bytes in .*, interrupted\n\Z")
        self.assertEqual(self.t.read("iio:device0/buffer0/enable").strip(), "0")


class TestPlayPipe(Base):
    def setUp(self):
        super().setUp()
        self.data = self.path("data")
        with open(self.data, "wb") as f:
            f.write(counter_scans(0, 5000))

    def test_play_round_trip_fileio(self):
        d = Drainer(self.t.node(1))
        try:
            rc, _, err = self.tool(["play", "sim-dac", "-i", self.data, "--block-size", "4k",
                                    "--repeat", "2"])
        finally:
            got = d.close()
        self.assertEqual(rc, 0, err)
        self.assertEqual(got, counter_scans(0, 5000) * 2)
        self.assertRegex(err, r"iiostream play: 80000 bytes in .* 0 underruns, fileio\n$")
        self.assertEqual(self.t.read("iio:device1/buffer0/enable").strip(), "0")

    def test_play_sigint_while_the_device_is_full(self):
        # Nobody drains the FIFO: write() waits for room until Ctrl-C.
        p = subprocess.Popen([TOOL, "play", "sim-dac", "-i", self.data, "--repeat", "1000",
                              "--block-size", "4k"],
                             env=self.env, stderr=subprocess.PIPE)
        time.sleep(0.7)
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=10)
        err = err.decode()
        self.assertEqual(p.returncode, 130, err)
        m = re.search(r"(?m)^iiostream play: (\d+) bytes in .*, fileio, interrupted\n\Z", err)
        self.assertIsNotNone(m, err)
        self.assertGreater(int(m.group(1)), 0)
        self.assertEqual(self.t.read("iio:device1/buffer0/enable").strip(), "0")

    def test_play_stdin_and_trailing_partial_scan(self):
        d = Drainer(self.t.node(1))
        try:
            rc, _, err = self.tool(["play", "sim-dac", "voltage1", "-i", "-"],
                                   input_bytes=b"\1\2\3\4\5")
        finally:
            got = d.close()
        self.assertEqual(rc, 0, err)
        self.assertEqual(got, b"\1\2\3\4")
        self.assertIn("warning: ignoring the last 1 bytes of stdin (less than a scan of 2 bytes)",
                      err)

    def test_play_bad_input(self):
        short = self.path("short")
        with open(short, "wb") as f:
            f.write(b"\0" * 5)
        self.assertRuntime(["play", "sim-dac", "-i", short],
                           "%s: 5 bytes, shorter than one scan of dac-left (iio:device1) (8 bytes)" % short)
        self.assertRuntime(["play", "sim-dac", "-i", "-"], "stdin is empty",
                           stdin=subprocess.DEVNULL)
        self.assertRuntime(["play", "sim-dac", "-i", "/nonexistent-file"],
                           "cannot open input file /nonexistent-file: No such file or directory")
        self.assertRuntime(["play", "sim-adc", "voltage0", "-i", self.data],
                           "channel voltage0 of sim-adc (iio:device0) is an input channel; "
                           "play needs output channels")
        self.assertRuntime(["play", "sim-adc", "-i", self.data],
                           "sim-adc (iio:device0) has no output buffer")
        self.assertRuntime(["play", "sim-dac", "-i", "-", "--repeat", "2"],
                           "--repeat needs a seekable file; stdin is not", stdin=subprocess.PIPE)
        # Nothing was enabled.
        self.assertEqual(self.t.read("iio:device1/buffer0/enable").strip(), "0")

    def test_cyclic_needs_dmabuf(self):
        self.assertRuntime(["play", "sim-dac", "-i", self.data, "--cyclic"],
                           "IIO_BUFFER_GET_FD_IOCTL")
        self.assertEqual(self.t.read("iio:device1/buffer0/enable").strip(), "0")

    def test_pipe_needs_dmabuf(self):
        self.assertRuntime(["pipe", "sim-adc", "sim-dac", "-n", "10"], "IIO_BUFFER_GET_FD_IOCTL")
        self.assertRuntime(["pipe", "sim-dac", "sim-adc"], "dac-left (iio:device1) has no input buffer")
        self.assertRuntime(["pipe", "sim-adc", "nodev"], "nodev (iio:device2) has no output buffer")
        self.assertEqual(self.t.read("iio:device0/buffer0/enable").strip(), "0")

    def test_pipe_channels(self):
        self.t.device(3, "dac2", direction="out", nchans=2)
        err = self.assertRuntime(["pipe", "sim-adc", "dac2", "-t", "1"], "IIO_BUFFER_GET_FD_IOCTL")
        self.assertIn("note: using the first 2 channels of sim-adc (iio:device0) (from voltage0), "
                      "for 4-byte scans like iio:device3", err)
        self.assertRuntime(["pipe", "sim-adc", "dac2", "--src-channels", "voltage0,voltage1,voltage2"],
                           "scans differ: sim-adc (iio:device0) has 6-byte scans, iio:device3 "
                           "4-byte scans; choose channels with --src-channels/--dst-channels")
        self.assertRuntime(["pipe", "sim-adc", "dac2", "--src-channels", "voltage9"],
                           "has no input channel 'voltage9'")
        err = self.assertRuntime(["pipe", "sim-adc", "sim-dac", "--src-channels", "voltage3",
                                  "--dst-channels", "voltage1"], "IIO_BUFFER_GET_FD_IOCTL")
        self.assertNotIn("note:", err)
        rc, _, err = self.tool(["pipe", "sim-adc", "dac2", "--src-channels", ",,"])
        self.assertEqual(rc, 2, err)
        self.assertIn("empty channel list", err)
        self.assertEqual(self.t.read("iio:device0/buffer0/enable").strip(), "0")

    def test_bench_needs_an_input(self):
        self.assertRuntime(["bench", "sim-dac"], "has no input buffer")
        self.assertRuntime(["bench", "sim-adc", "--block-sizes", "4"],
                           "--block-sizes: 4 is smaller than one scan")


if __name__ == "__main__":
    TOOL = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
