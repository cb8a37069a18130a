/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A small seeded PRNG (splitmix64): each worker owns one state, so a seed
 * reproduces every worker's sequence of operations (not their interleaving).
 */
#ifndef STRESS_PRNG_H
#define STRESS_PRNG_H

#include <stdint.h>

static inline uint64_t prng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* uniform in [0, n), n > 0 */
static inline uint32_t prng_below(uint64_t *state, uint32_t n)
{
	return (uint32_t)((prng_next(state) >> 32) * n >> 32);
}

/* true with probability @percent / 100 */
static inline int prng_percent(uint64_t *state, uint32_t percent)
{
	return prng_below(state, 100) < percent;
}

/* the state of worker @id for run @seed */
static inline uint64_t prng_seed(uint64_t seed, unsigned int id)
{
	uint64_t s = seed ^ ((uint64_t)id * 0xd1342543de82ef95ull);

	prng_next(&s);
	return s;
}

#endif /* STRESS_PRNG_H */
