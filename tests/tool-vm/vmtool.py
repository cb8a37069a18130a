# SPDX-License-Identifier: LGPL-2.1-or-later
"""Helpers for the iiostream VM tests: run the tool, find devices, restore attributes."""
import json
import os
import subprocess
import sys
import unittest

TOOL = None
SYSFS = "/sys/bus/iio/devices"


def run(args, timeout=120, **kw):
    p = subprocess.run([TOOL] + args, timeout=timeout, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, **kw)
    return p.returncode, p.stdout, p.stderr.decode()


def popen(args, **kw):
    return subprocess.Popen([TOOL] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def devices():
    rc, out, err = run(["list", "--json", "--no-probe"])
    assert rc == 0, err
    return {d["name"]: d for d in json.loads(out)["devices"]}


def ensure_sim_adc():
    """sim-adc must be there. If an earlier test left iio-sim unbound or
    unloaded (that test reports its own failure), bring it back, and say so."""
    if "sim-adc" in devices():
        return
    print("warning: no sim-adc at start; binding iio-sim again", file=sys.stderr)
    try:
        with open("/sys/bus/platform/drivers/iio-sim/bind", "w") as f:
            f.write("iio-sim")
    except OSError as e:
        print("warning: bind: %s; reloading the module" % e, file=sys.stderr)
        ko = os.environ.get("IIO_SIM_KO") or os.path.join(
            os.path.dirname(__file__), "..", "..", "kernel", "iio-sim.ko")
        subprocess.run(["rmmod", "iio_sim"])
        subprocess.run(["insmod", ko])
    if "sim-adc" not in devices():
        sys.exit("FAIL: no sim-adc device (is iio-sim loaded?)")


def sysfs(dev_id, rel):
    with open(os.path.join(SYSFS, dev_id, rel)) as f:
        return f.read().strip()


class DeviceTest(unittest.TestCase):
    """Tests on one device; its sampling_frequency is put back afterwards."""
    NAME = "sim-adc"

    @classmethod
    def setUpClass(cls):
        devs = devices()
        # Never a silent pass: without the device the tests fail.
        assert cls.NAME in devs, "no %s device" % cls.NAME
        cls.id = devs[cls.NAME]["id"]
        try:
            cls.saved_rate = sysfs(cls.id, "sampling_frequency")
        except OSError:
            cls.saved_rate = None

    @classmethod
    def tearDownClass(cls):
        if cls.saved_rate is not None:
            run(["attr", cls.NAME, "sampling_frequency", cls.saved_rate])

    def rate(self, hz):
        rc, _, err = run(["attr", self.NAME, "sampling_frequency", str(hz)])
        self.assertEqual(rc, 0, err)

    def enabled(self, dev_id=None):
        return sysfs(dev_id or self.id, "buffer0/enable")

    def assertRuntime(self, args, *needles, **kw):
        rc, out, err = run(args, **kw)
        self.assertEqual(rc, 1, "%r: rc %d, stderr %s" % (args, rc, err))
        for n in needles:
            self.assertIn(n, err, "%r" % args)
        return err
