/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The entry point every libFuzzer target of tests/fuzz defines. The same
 * target runs under libFuzzer (run-libfuzzer, clang) and under replay.c
 * (meson, any compiler), which feeds it the committed corpus.
 */
#ifndef FUZZ_TARGET_H
#define FUZZ_TARGET_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken invariant: report it and abort, so that the fuzzer keeps the input. */
void fuzz_fail(const char *what) __attribute__((noreturn));

#endif
