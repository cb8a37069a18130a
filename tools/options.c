/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Option values: sizes with binary suffixes, seconds, lists, backends; range checks. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

static int suffix_shift(const char *p, unsigned int *shift)
{
	static const char units[] = "kmgt";
	const char *u;

	*shift = 0;
	if (!*p)
		return 0;
	if (*p == 'B' && !p[1])
		return 0;
	u = strchr(units, tolower((unsigned char)*p));
	if (!u)
		return -1;
	*shift = 10 * (unsigned int)(u - units + 1);
	p++;
	if (*p == 'i')
		p++;
	if (*p == 'B')
		p++;
	return *p ? -1 : 0;
}

int opt_size(const struct tool *t, const char *what, const char *s, uint64_t min, uint64_t max,
	     uint64_t *out)
{
	unsigned long long v;
	unsigned int shift;
	const char *p = s;
	char *end;

	while (isspace((unsigned char)*p))
		p++;
	if (*p == '-') {
		tool_usage_err(t, "%s: '%s' is negative; give a number from %llu to %llu", what, s,
			       (unsigned long long)min, (unsigned long long)max);
		return -1;
	}
	if (!isdigit((unsigned char)*p)) {
		tool_usage_err(t, "%s: '%s' is not a number (examples: 4096, 64k, 1M, 2G)", what, s);
		return -1;
	}
	errno = 0;
	v = strtoull(p, &end, 10);
	if (suffix_shift(end, &shift)) {
		tool_usage_err(t, "%s: '%s' is not a number (examples: 4096, 64k, 1M, 2G)", what, s);
		return -1;
	}
	if (errno == ERANGE || (shift && v > (UINT64_MAX >> shift)) || (v << shift) > max) {
		tool_usage_err(t, "%s: '%s' is too large (at most %llu)", what, s,
			       (unsigned long long)max);
		return -1;
	}
	v <<= shift;
	if (v < min) {
		tool_usage_err(t, "%s: '%s' is too small (at least %llu)", what, s,
			       (unsigned long long)min);
		return -1;
	}
	*out = v;
	return 0;
}

int opt_seconds(const struct tool *t, const char *what, const char *s, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end || !isfinite(v) || errno == ERANGE) {
		tool_usage_err(t, "%s: '%s' is not a number of seconds", what, s);
		return -1;
	}
	if (v <= 0) {
		tool_usage_err(t, "%s: '%s' must be more than 0 seconds", what, s);
		return -1;
	}
	if (v > max) {
		tool_usage_err(t, "%s: '%s' is too long (at most %g seconds)", what, s, max);
		return -1;
	}
	*out = v;
	return 0;
}

int opt_size_list(const struct tool *t, const char *what, const char *s, uint64_t min,
		  uint64_t max, uint64_t *out, size_t maxn, size_t *n)
{
	char *copy = strdup(s), *save = NULL, *tok;
	int r = 0;

	*n = 0;
	if (!copy) {
		tool_err(t, "out of memory");
		return -1;
	}
	for (tok = strtok_r(copy, ",", &save); tok && !r; tok = strtok_r(NULL, ",", &save)) {
		if (*n == maxn) {
			r = -1;
			tool_usage_err(t, "%s: more than %zu values", what, maxn);
			break;
		}
		r = opt_size(t, what, tok, min, max, &out[*n]);
		if (!r)
			(*n)++;
	}
	if (!r && *n == 0) {
		tool_usage_err(t, "%s: empty list", what);
		r = -1;
	}
	free(copy);
	return r;
}

int opt_backend(const struct tool *t, const char *s, enum iios_backend *out)
{
	if (!strcmp(s, "auto"))
		*out = IIOS_BACKEND_AUTO;
	else if (!strcmp(s, "dmabuf"))
		*out = IIOS_BACKEND_DMABUF;
	else if (!strcmp(s, "fileio"))
		*out = IIOS_BACKEND_FILEIO;
	else
		return tool_usage_err(t, "--backend: '%s' is not auto, dmabuf or fileio", s), -1;
	return 0;
}

int limit_option(const struct tool *t, int opt, const char *arg, struct limit *l)
{
	if (opt == 'n')
		return opt_size(t, "-n", arg, 1, 1ull << 50, &l->samples);
	return opt_seconds(t, "-t", arg, 1e7, &l->seconds);
}

void limit_start(struct limit *l)
{
	l->deadline = l->seconds ? tool_now() + l->seconds : 0;
}

int limit_wait_ms(const struct limit *l)
{
	double left;

	if (!l->seconds)
		return 500;
	left = l->deadline - tool_now();
	if (left <= 0)
		return -1;
	return left < 0.5 ? (int)(left * 1000) + 1 : 500;
}
