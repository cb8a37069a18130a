# iiostream: top-level commands. See README.md.
#   make         build the module (kernel/iio-sim.ko) and the userspace (build/)
#   make check   every test: host unit tests (plain and ASan+UBSan), VM tests
#   make run     build, boot the VM and run the main job (scripts/demo)
#   make check-debug  the kernel tests on a KASAN/lockdep/kmemleak kernel
#   make check-dmaengine  kernel tests on mainline's dmaengine buffer (sim-dma),
#                on the debug kernel
#   make stress  10 minutes of randomized stress on the debug kernel
#   make fuzz    1e6+ fuzzed ioctls on the debug kernel, an hour of libFuzzer
#   make check-interop LIBIIO_SRC=/path/to/libiio
#                libiio v1's tools against iio-sim in the VM (optional)
#
# KDIR=     kernel tree or headers to build the module against
# VM_KERNEL= kernel image the VM boots (vm/run --kernel)

# Deferred: scripts/deps may install the kernel first.
KDIR ?= /usr/src/linux-headers-$(shell scripts/kernel-release)
export KDIR VM_KERNEL

BUILD ?= build
BUILD_ASAN ?= build-asan

.PHONY: all deps module userspace asan check check-debug check-dmaengine check-interop stress fuzz run clean

all: module userspace

deps:
	@scripts/deps

module: deps
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kernel modules
	$(MAKE) -C $(KDIR) M=$(CURDIR)/tests/vm/kwarn modules
	@scripts/dmaengine-modules --explain $(KDIR)

userspace: deps
	@[ -f $(BUILD)/build.ninja ] || meson setup $(BUILD)
	ninja -C $(BUILD)

asan: deps
	@[ -f $(BUILD_ASAN)/build.ninja ] || meson setup $(BUILD_ASAN) \
		-Db_sanitize=address,undefined -Db_lundef=false
	ninja -C $(BUILD_ASAN)

check: all asan
	@scripts/check

check-debug: all
	@scripts/check-debug

check-dmaengine: all
	@scripts/check-dmaengine

# Optional (not in check): needs a libiio v1 checkout, built outside the tree.
check-interop: all
	@LIBIIO_SRC="$(LIBIIO_SRC)" scripts/check-interop

stress: all
	tests/stress/run-long -C $(BUILD) --kernel debug $(STRESS_SECONDS)

fuzz: all
	BUILD=$(BUILD) tests/fuzz/run-ioctl-long --debug
	tests/fuzz/run-libfuzzer --long

run: all
	vm/run -- scripts/demo

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR)/kernel clean
	-$(MAKE) -C $(KDIR) M=$(CURDIR)/tests/vm/kwarn clean
	rm -rf $(BUILD) $(BUILD_ASAN) build-debug build-fuzz
