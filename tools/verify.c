/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * --verify counter: the iio-sim counter waveform. Scan number seq (0 at
 * enable, dropped scans included) holds, in the channel with scan index i and
 * b significant bits, bits [b*i, b*i + b) of seq. With sim-adc's four 16-bit
 * channels each 8-byte scan is seq as a little-endian u64 (the fast path).
 */
#include <stdio.h>
#include <string.h>

#include "tool.h"

int verify_init(const struct tool *t, struct verify *v, struct iios_stream *s,
		struct iios_channel *const *chans, size_t n)
{
	bool fast;

	memset(v, 0, sizeof(*v));
	v->on = true;
	if (n > sizeof(v->ch) / sizeof(v->ch[0])) {
		tool_err(t, "--verify counter: too many channels (%zu)", n);
		return -1;
	}
	v->nchans = n;
	v->scan_bytes = iios_stream_scan_bytes(s);
	fast = v->scan_bytes == 8 && n == 4;
	for (size_t i = 0; i < n; i++) {
		const struct iios_scan_type *st = iios_channel_scan_type(chans[i]);
		unsigned int idx = iios_channel_scan_index(chans[i]);

		v->ch[i].offset = (size_t)iios_stream_channel_offset(s, chans[i]);
		v->ch[i].st = st;
		v->ch[i].field = st->bits * idx;
		v->ch[i].mask = st->bits >= 64 ? ~0ull : (1ull << st->bits) - 1;
		if (v->ch[i].field >= 64 || st->repeat != 1) {
			tool_err(t, "--verify counter: channel %s (index %u, %s%u bits, repeat %u) cannot hold a counter field",
				 iios_channel_id(chans[i]), idx, st->is_signed ? "s" : "u", st->bits,
				 st->repeat);
			return -1;
		}
		fast = fast && !st->is_be && st->bits == 16 && st->storage_bits == 16 &&
		       st->shift == 0 && v->ch[i].offset == 2 * idx;
	}
	v->fast = fast;
	return 0;
}

static void mismatch(struct verify *v, size_t c, uint64_t got, uint64_t want)
{
	if (v->bad++ == 0) {
		v->first_bad = v->scans;
		if (c == (size_t)-1)
			snprintf(v->first_msg, sizeof(v->first_msg),
				 "scan %llu is %#llx, expected %#llx", (unsigned long long)v->scans,
				 (unsigned long long)got, (unsigned long long)want);
		else
			snprintf(v->first_msg, sizeof(v->first_msg),
				 "scan %llu: channel with index %u is %#llx, expected %#llx",
				 (unsigned long long)v->scans, v->ch[c].field / v->ch[c].st->bits,
				 (unsigned long long)got, (unsigned long long)want);
	}
}

void verify_block(struct verify *v, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t nscans = len / v->scan_bytes;

	if (v->fast) {
		for (size_t i = 0; i < nscans; i++, v->scans++) {
			uint64_t got;

			memcpy(&got, p + 8 * i, 8); /* little-endian hosts only */
			if (got != v->seq) {
				mismatch(v, (size_t)-1, got, v->seq);
				v->seq = got; /* resynchronise after a gap */
			}
			v->seq++;
		}
		return;
	}
	for (size_t i = 0; i < nscans; i++, v->scans++) {
		const unsigned char *scan = p + i * v->scan_bytes;
		uint64_t seq = v->seq;
		bool bad = false;

		for (size_t c = 0; c < v->nchans; c++) {
			uint64_t got = iios_sample_to_u64(v->ch[c].st, scan + v->ch[c].offset);
			uint64_t want = (v->seq >> v->ch[c].field) & v->ch[c].mask;

			if (got != want) {
				if (!bad)
					mismatch(v, c, got, want);
				bad = true;
				/* Take the field from the data to resynchronise. */
				seq = (seq & ~(v->ch[c].mask << v->ch[c].field)) | (got << v->ch[c].field);
			}
		}
		v->seq = seq + 1;
	}
}

void verify_skip(struct verify *v, size_t len)
{
	/* The next block starts a new run: its first scan is taken as is. */
	v->scans += len / v->scan_bytes;
	v->seq += len / v->scan_bytes;
	v->gaps++;
}

bool verify_result(const struct verify *v, char *buf, size_t len)
{
	if (!v->bad)
		snprintf(buf, len, "verify counter: ok (%llu scans)", (unsigned long long)v->scans);
	else
		snprintf(buf, len, "verify counter: FAILED: %llu of %llu scans wrong, first: %s",
			 (unsigned long long)v->bad, (unsigned long long)v->scans, v->first_msg);
	return !v->bad;
}
