/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Error messages: every failure leaves "<what>: <errno text>" in its object. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

const char *iios_strerror(int errnum, char *buf, size_t len)
{
	/* GNU strerror_r returns a pointer that may or may not be buf. */
	const char *s = strerror_r(errnum, buf, len);

	return s ? s : "Unknown error";
}

int iios_err_vset(struct iios_err *e, int errnum, const char *fmt, va_list ap)
{
	char ebuf[128];
	int n;

	if (errnum < 0)
		errnum = -errnum;
	if (!e)
		return -errnum;
	n = vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	if (n < 0)
		n = 0;
	if ((size_t)n < sizeof(e->msg))
		snprintf(e->msg + n, sizeof(e->msg) - (size_t)n, ": %s",
			 iios_strerror(errnum, ebuf, sizeof(ebuf)));
	return -errnum;
}

int iios_err_set(struct iios_err *e, int errnum, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = iios_err_vset(e, errnum, fmt, ap);
	va_end(ap);
	return ret;
}
