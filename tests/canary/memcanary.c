// SPDX-License-Identifier: GPL-2.0
/*
 * memcanary: does this CPU copy and compare memory correctly?
 *
 * A canary for the emulated testbeds, with no selfmig code in it.  It runs
 * the C library's memory and string functions (memcpy, memmove, memset,
 * memcmp, memchr, strlen, strchr), which pick their fastest variant for the
 * CPU at hand (AVX2 on an emulated -cpu max), on random lengths and
 * alignments, and checks every result against plain byte loops.  It also
 * checks that a thread-local variable keeps its value, the other thing
 * dom0's programs were seen to lose (docs/testbed.md).
 *
 *   memcanary [--seconds N] [--seed N]
 *
 * Prints one line per error (at most 20) and a summary:
 *   memcanary: N checks, N errors (...)
 * Exit status 0 with no error, 1 with errors, 2 on bad usage.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BUF	(1 << 16)
#define SLACK	128

static unsigned char src[BUF + 2 * SLACK], dst[BUF + 2 * SLACK], ref[BUF + 2 * SLACK];
static _Thread_local uint64_t tls_marker = 0x5eed5eedcafef00dULL;
static unsigned long errors, checks;

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64*: reproducible test data, not cryptography */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static void report(const char *what, size_t len, size_t sa, size_t da, size_t at)
{
	errors++;
	if (errors <= 20)
		printf("memcanary: ERROR %s len %zu src+%zu dst+%zu: first wrong byte at %zu\n",
		       what, len, sa, da, at);
}

static void fill(unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)rnd();
}

static size_t first_diff(const unsigned char *a, const unsigned char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n && a[i] == b[i]; i++)
		;
	return i;
}

static size_t rand_len(void)
{
	switch (rnd() % 4) {
	case 0:
		return rnd() % 64;
	case 1:
		return rnd() % 512;
	case 2:
		return rnd() % 8192;
	default:
		return rnd() % BUF;
	}
}

static void check_copy(void)
{
	size_t len = rand_len(), sa = rnd() % 64, da = rnd() % 64, i, d;

	fill(src, sizeof(src));
	fill(dst, sizeof(dst));
	memcpy(ref, dst, sizeof(ref));
	for (i = 0; i < len; i++)
		ref[SLACK + da + i] = src[SLACK + sa + i];
	memcpy(dst + SLACK + da, src + SLACK + sa, len);
	checks++;
	d = first_diff(dst, ref, sizeof(dst));
	if (d != sizeof(dst))
		report("memcpy", len, sa, da, d);
}

static void check_move(void)
{
	size_t len = rand_len() / 2, sa = rnd() % 256, da = rnd() % 256, i, d;
	unsigned char *tmp = malloc(len ? len : 1);

	if (!tmp)
		return;
	fill(dst, sizeof(dst));
	memcpy(ref, dst, sizeof(ref));
	for (i = 0; i < len; i++)
		tmp[i] = ref[SLACK + sa + i];
	for (i = 0; i < len; i++)
		ref[SLACK + da + i] = tmp[i];
	memmove(dst + SLACK + da, dst + SLACK + sa, len);
	free(tmp);
	checks++;
	d = first_diff(dst, ref, sizeof(dst));
	if (d != sizeof(dst))
		report("memmove", len, sa, da, d);
}

static void check_set(void)
{
	size_t len = rand_len(), da = rnd() % 64, i, d;
	int c = (int)(rnd() & 0xff);

	fill(dst, sizeof(dst));
	memcpy(ref, dst, sizeof(ref));
	for (i = 0; i < len; i++)
		ref[SLACK + da + i] = (unsigned char)c;
	memset(dst + SLACK + da, c, len);
	checks++;
	d = first_diff(dst, ref, sizeof(dst));
	if (d != sizeof(dst))
		report("memset", len, 0, da, d);
}

static void check_cmp_chr(void)
{
	size_t len = rand_len() + 1, sa = rnd() % 64, pos = rnd() % len, i, want;
	unsigned char *a = src + SLACK + sa, *b = dst + SLACK + sa;
	unsigned char c;
	int r, wr;
	const void *hit;

	fill(src, sizeof(src));
	memcpy(dst, src, sizeof(dst));
	if (rnd() & 1)
		b[pos] ^= (unsigned char)(1u << (rnd() % 8));
	wr = 0;
	for (i = 0; i < len; i++)
		if (a[i] != b[i]) {
			wr = a[i] < b[i] ? -1 : 1;
			break;
		}
	r = memcmp(a, b, len);
	checks++;
	if ((r < 0 ? -1 : r > 0) != wr)
		report("memcmp", len, sa, sa, i);

	c = a[pos];
	for (want = 0; want < len && a[want] != c; want++)
		;
	hit = memchr(a, c, len);
	checks++;
	if (hit != a + want)
		report("memchr", len, sa, 0, want);

	/* strings: no zero byte before pos, then a terminator */
	for (i = 0; i < pos; i++)
		if (!a[i])
			a[i] = 1;
	a[pos] = 0;
	checks++;
	if (strlen((char *)a) != pos)
		report("strlen", pos, sa, 0, pos);
	if (pos) {
		c = a[rnd() % pos];
		for (want = 0; a[want] != c; want++)
			;
		checks++;
		if (strchr((char *)a, c) != (char *)a + want)
			report("strchr", pos, sa, 0, want);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	unsigned long seconds = 10;
	time_t end;
	char *e;
	int c;

	rng_state = (uint64_t)time(NULL) | 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			seconds = strtoul(optarg, &e, 10);
			if (*e || !seconds || seconds > 86400) {
				fprintf(stderr, "memcanary: --seconds takes 1..86400\n");
				return 2;
			}
			break;
		case 'S':
			rng_state = strtoull(optarg, &e, 10) | 1;
			if (*e) {
				fprintf(stderr, "memcanary: --seed takes a number\n");
				return 2;
			}
			break;
		case 'h':
			printf("usage: memcanary [--seconds N] [--seed N]\n");
			return 0;
		default:
			return 2;
		}
	}
	end = time(NULL) + (time_t)seconds;
	while (time(NULL) < end) {
		int k;

		for (k = 0; k < 64; k++) {
			check_copy();
			check_move();
			check_set();
			check_cmp_chr();
		}
		checks++;
		if (tls_marker != 0x5eed5eedcafef00dULL) {
			report("thread-local variable", 8, 0, 0, 0);
			tls_marker = 0x5eed5eedcafef00dULL;
		}
	}
	printf("memcanary: %lu checks, %lu errors\n", checks, errors);
	return errors ? 1 : 0;
}
