// SPDX-License-Identifier: LGPL-2.1-or-later
/* fuzz_fail(): the one way a target reports a broken invariant. */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_target.h"

void fuzz_fail(const char *what)
{
	fprintf(stderr, "fuzz target: invariant broken: %s\n", what);
	abort();
}
