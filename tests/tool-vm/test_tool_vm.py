#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""iiostream(1) against iio-sim's sim-adc, inside vm/run (suite 'kernel').

usage: test_tool_vm.py PATH/TO/iiostream
"""
import json
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
from vmtool import DeviceTest, popen, run  # noqa: E402

GIB_SCANS = (1 << 30) // 8
SUMMARY = re.compile(r"(?m)^iiostream (\w+): (\d+) bytes in ([0-9.]+) s, ([0-9.]+) MiB/s, "
                     r"(\d+) blocks, (\d+) block errors, (\d+|n/a) overruns(.*)\n\Z")


class TestAdc(DeviceTest):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="iios-tool-vm-")

    def tearDown(self):
        subprocess.run(["rm", "-rf", self.tmp])
        self.assertEqual(self.enabled(), "0", "buffer left enabled")

    def summary(self, err):
        m = SUMMARY.search(err)
        self.assertIsNotNone(m, "no summary line in: " + err)
        return m

    def capture_gib(self, backend):
        self.rate(0)
        args = ["capture", "sim-adc", "-n", "128M", "--verify", "counter", "-o", "/dev/null"]
        if backend:
            args += ["--backend", backend]
        rc, _, err = run(args)
        self.assertEqual(rc, 0, err)
        m = self.summary(err)
        self.assertEqual(int(m.group(2)), 1 << 30)
        self.assertEqual(m.group(6), "0")
        self.assertEqual(m.group(7), "0")
        self.assertIn(", verify counter: ok (%d scans)" % GIB_SCANS, m.group(8))
        print("%s: %s MiB/s" % (backend or "auto", m.group(4)), file=sys.stderr)
        return m, err

    def test_capture_1gib_dmabuf(self):
        m, _ = self.capture_gib("dmabuf")
        self.assertTrue(m.group(8).startswith(", dmabuf,"))

    def test_capture_1gib_fileio(self):
        m, _ = self.capture_gib("fileio")
        self.assertTrue(m.group(8).startswith(", fileio,"))

    def test_auto_picks_dmabuf(self):
        self.rate(0)
        rc, _, err = run(["capture", "sim-adc", "-n", "1M", "--verify", "counter", "-o",
                          "/dev/null"])
        self.assertEqual(rc, 0, err)
        self.assertNotIn("using fileio", err)
        self.assertIn(", dmabuf, verify counter: ok (1048576 scans)", err)

    def test_list(self):
        rc, out, err = run(["list", "--json"])
        self.assertEqual(rc, 0, err)
        adc = [d for d in json.loads(out)["devices"] if d["name"] == "sim-adc"][0]
        b = adc["buffers"][0]
        self.assertEqual((b["index"], b["direction"]), (0, "in"))
        self.assertIs(b["dmabuf"]["usable"], True, b["dmabuf"])
        self.assertIn(b["dmabuf"]["allocator"], ("dma_heap/system", "udmabuf"))
        self.assertEqual([(c["id"], c["scan_index"], c["format"]) for c in b["channels"]],
                         [("voltage%d" % i, i, "le:s16/16>>0") for i in range(4)])
        rc, out, err = run(["list"])
        self.assertRegex(out.decode(), r"buffer0: in, length \d+, DMABUF: yes \(")

    def test_csv_matches_raw(self):
        self.rate(0)
        raw = os.path.join(self.tmp, "raw")
        n = 100000
        rc, _, err = run(["capture", "sim-adc", "-n", str(n), "-o", raw])
        self.assertEqual(rc, 0, err)
        rc, out, err = run(["capture", "sim-adc", "-n", str(n), "--format", "csv"])
        self.assertEqual(rc, 0, err)
        with open(raw, "rb") as f:
            data = f.read()
        self.assertEqual(len(data), 8 * n)
        lines = out.decode().splitlines()
        self.assertEqual(lines[0], "voltage0,voltage1,voltage2,voltage3")
        self.assertEqual(len(lines), n + 1)
        for i in range(n):
            self.assertEqual(struct.unpack_from("<Q", data, 8 * i)[0], i)  # the counter
            want = [float(v) for v in struct.unpack_from("<hhhh", data, 8 * i)]
            self.assertEqual([float(x) for x in lines[i + 1].split(",")], want, "scan %d" % i)

    def test_sigint(self):
        self.rate(2000)
        out = os.path.join(self.tmp, "int")
        p = popen(["capture", "sim-adc", "-t", "60", "-o", out, "--verify", "counter"])
        # Interrupt once data flows: a fixed delay is too short on a slow
        # (debug, emulated) kernel.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (
                os.path.exists(out) and os.path.getsize(out) > 0):
            time.sleep(0.1)
        t0 = time.monotonic()
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=10)
        err = err.decode()
        self.assertLess(time.monotonic() - t0, 5)  # prompt, with room for a slow VM
        self.assertEqual(p.returncode, 130, err)
        m = self.summary(err)
        self.assertTrue(m.group(8).endswith(", interrupted"), m.group(8))
        self.assertIn("verify counter: ok", m.group(8))
        size = os.path.getsize(out)
        self.assertEqual(size, int(m.group(2)))
        self.assertGreater(size, 0)
        with open(out, "rb") as f:
            data = f.read()
        self.assertEqual(data, b"".join(struct.pack("<Q", i) for i in range(size // 8)))
        self.assertEqual(self.enabled(), "0")

    def test_busy(self):
        self.rate(0)
        first = popen(["capture", "sim-adc", "-t", "120", "--verify", "counter", "-o",
                       "/dev/null"])
        for _ in range(100):  # until it streams
            if self.enabled() == "1":
                break
            time.sleep(0.1)
        self.assertEqual(self.enabled(), "1")
        keep = os.path.join(self.tmp, "keep")
        with open(keep, "w") as f:
            f.write("precious")
        err = self.assertRuntime(["capture", "sim-adc", "-n", "10", "-o", keep],
                                 "sim-adc (iio:device", "Device or resource busy",
                                 "in use by another process")
        with open(keep) as f:
            self.assertEqual(f.read(), "precious")
        rc, out, err = run(["list", "--json", "sim-adc"])
        self.assertEqual(rc, 0, err)
        dmabuf = json.loads(out)["devices"][0]["buffers"][0]["dmabuf"]
        self.assertIs(dmabuf["usable"], False)
        self.assertTrue(dmabuf["reason"].startswith("busy: "), dmabuf)
        self.assertIsNone(first.poll(), "the first capture stopped")
        first.send_signal(signal.SIGINT)
        _, err = first.communicate(timeout=30)
        err = err.decode()
        # The first capture was not disturbed: every scan is there, in order.
        self.assertEqual(first.returncode, 130, err)
        m = self.summary(err)
        self.assertEqual(m.group(6), "0")  # block errors
        self.assertRegex(m.group(8), r"verify counter: ok \(\d+ scans\), interrupted$")

    def test_dev_full(self):
        self.assertRuntime(["capture", "sim-adc", "-n", "1M", "-o", "/dev/full"],
                           "writing /dev/full: No space left on device",
                           "/dev/full is incomplete")

    def test_unwritable_output(self):
        self.assertRuntime(["capture", "sim-adc", "-n", "8", "-o", "/nonexistent-dir/x"],
                           "cannot open output file /nonexistent-dir/x: No such file or directory")
        self.assertRuntime(["capture", "sim-adc", "-n", "8", "-o", "/sys/bus/iio"],
                           "cannot open output file /sys/bus/iio: Is a directory")

    def test_unknown_device_and_channel(self):
        self.assertRuntime(["capture", "sim-adc9", "-n", "8"], "sim-adc9: no such IIO device",
                           "sim-adc (iio:device")
        self.assertRuntime(["capture", "sim-adc", "voltage4", "-n", "8"],
                           "has no input channel 'voltage4'")
        self.assertRuntime(["attr", "sim-adc", "nope"], "nope", "No such file or directory")

    def test_play_on_an_adc(self):
        f = os.path.join(self.tmp, "f")
        with open(f, "wb") as fh:
            fh.write(bytes(64))
        self.assertRuntime(["play", "sim-adc", "voltage0", "-i", f],
                           "channel voltage0 of sim-adc (iio:device",
                           "is an input channel; play needs output channels")
        self.assertRuntime(["play", "sim-adc", "-i", f], "has no output buffer")
        self.assertRuntime(["pipe", "sim-adc", "sim-adc"], "has no output buffer")

    def test_huge_sizes(self):
        # 64 GiB of fileio blocks cannot be allocated: a clear error, nothing enabled.
        self.assertRuntime(["capture", "sim-adc", "-n", "1G", "--block-size", "1G",
                            "--blocks", "64", "--backend", "fileio", "-o", "/dev/null"],
                           "sim-adc (iio:device", "64 fileio blocks of 1073741824 bytes",
                           "Cannot allocate memory")
        rc, _, err = run(["capture", "sim-adc", "-n", "1", "--block-size", "1T"])
        self.assertEqual(rc, 2, err)

    def test_attr(self):
        self.rate(1234)
        rc, out, err = run(["attr", "sim-adc", "sampling_frequency"])
        self.assertEqual((rc, out), (0, b"1234\n"), err)
        self.assertRuntime(["attr", "sim-adc", "sampling_frequency", "-5"],
                           "sampling_frequency", "Invalid argument")

    def test_bench_json(self):
        if not os.path.exists("/sys/kernel/tracing/events"):
            subprocess.run(["mount", "-t", "tracefs", "nodev", "/sys/kernel/tracing"])
        self.rate(0)
        rc, out, err = run(["bench", "sim-adc", "--seconds", "0.4", "--block-sizes", "64k,1M",
                            "--json"])
        self.assertEqual(rc, 0, err)
        doc = json.loads(out)
        self.assertEqual((doc["channels"], doc["scan_bytes"]), (4, 8))
        self.assertIs(doc["block_status"], True)
        self.assertGreater(doc["memory_write_mib_s"], 10)
        self.assertEqual(doc["memory_write_mib_s"], max(doc["memory_write_memset_mib_s"],
                                                        doc["memory_write_store64_mib_s"]))
        self.assertIsNone(doc["syscalls_unavailable"])
        runs = {(r["backend"], r["block_bytes"]): r for r in doc["runs"]}
        self.assertEqual(set(runs), {(b, s) for b in ("dmabuf", "fileio")
                                     for s in (65536, 1 << 20)})
        for (backend, size), r in runs.items():
            self.assertTrue(r["ok"], r)
            self.assertGreater(r["mib_s"], 1)
            self.assertAlmostEqual(r["mib_s"], r["bytes"] / r["seconds"] / 2 ** 20, delta=0.01 * r["mib_s"])
            self.assertAlmostEqual(r["samples_s"], 4 * r["scans_s"], delta=1e-3 * r["samples_s"])
            self.assertEqual(r["bytes"], r["blocks"] * size)
            self.assertGreater(r["cpu_s_per_gib"], 0)
            self.assertEqual(r["drops"], 0)
            self.assertEqual(r["block_errors"], 0)
            # libiiostream's documented steady state with block status
            # (dmabuf): 6 per block found complete, 8 per block waited for;
            # read() + poll() for fileio. Averages over a short run: the
            # blocks still in flight at the end were not re-enqueued.
            lo, hi = (5.5, 8.5) if backend == "dmabuf" else (1.5, 3)
            self.assertTrue(lo <= r["syscalls_per_block"] <= hi, r)
        ratios = {x["block_bytes"]: x["dmabuf_over_fileio"] for x in doc["ratios"]}
        for size in (65536, 1 << 20):
            self.assertAlmostEqual(ratios[size], runs[("dmabuf", size)]["mib_s"] /
                                   runs[("fileio", size)]["mib_s"], delta=0.01)
        print(json.dumps(doc, indent=1), file=sys.stderr)

    def test_bench_no_block_status(self):
        if not os.path.exists("/sys/kernel/tracing/events"):
            subprocess.run(["mount", "-t", "tracefs", "nodev", "/sys/kernel/tracing"])
        self.rate(0)
        rc, out, err = run(["bench", "sim-adc", "--seconds", "0.3", "--block-sizes", "256k",
                            "--json", "--no-block-status"])
        self.assertEqual(rc, 0, err)
        doc = json.loads(out)
        self.assertIs(doc["block_status"], False)
        runs = {r["backend"]: r for r in doc["runs"]}
        # poll, SYNC START, SYNC END, ENQUEUE
        self.assertTrue(3.5 <= runs["dmabuf"]["syscalls_per_block"] <= 5, runs["dmabuf"])
        self.assertTrue(1.5 <= runs["fileio"]["syscalls_per_block"] <= 3, runs["fileio"])

    def test_bench_table(self):
        self.rate(0)
        rc, out, err = run(["bench", "sim-adc", "--seconds", "0.2", "--block-sizes", "256k"])
        self.assertEqual(rc, 0, err)
        text = out.decode()
        self.assertRegex(text, r"memory write bandwidth \(one core\): \d+ MiB/s \(memset \d+, 64-bit stores \d+\)")
        self.assertRegex(text, r"(?m)^ +262144 dmabuf +[0-9.]+ ")
        self.assertRegex(text, r"(?m)^ +262144 fileio +[0-9.]+ ")
        self.assertRegex(text, r"dmabuf/fileio = [0-9.]+")
        self.assertRegex(err, r"^iiostream bench: \d+ bytes in ")


if __name__ == "__main__":
    vmtool.TOOL = os.path.abspath(sys.argv.pop(1))
    vmtool.ensure_sim_adc()
    unittest.main(verbosity=2)
