# iiostream: top-level commands. See README.md.
#   make         build the module (kernel/iio-sim.ko) and the userspace (build/)
#   make check   every test: host unit tests (plain and ASan+UBSan), VM tests
#   make run     build, boot the VM and run the main job (scripts/demo)
#   make check-debug  the kernel tests on a KASAN/lockdep/kmemleak kernel
#
# KDIR=     kernel tree or headers to build the module against
# VM_KERNEL= kernel image the VM boots (vm/run --kernel)

# Deferred: scripts/deps may install the kernel first.
KDIR ?= /usr/src/linux-headers-$(shell scripts/kernel-release)
export KDIR VM_KERNEL

BUILD ?= build
BUILD_ASAN ?= build-asan

.PHONY: all deps module userspace asan check check-debug run clean

all: module userspace

deps:
	@scripts/deps

module: deps
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kernel modules
	$(MAKE) -C $(KDIR) M=$(CURDIR)/tests/vm/kwarn modules

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

run: all
	vm/run -- scripts/demo

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR)/kernel clean
	-$(MAKE) -C $(KDIR) M=$(CURDIR)/tests/vm/kwarn clean
	rm -rf $(BUILD) $(BUILD_ASAN) build-debug
