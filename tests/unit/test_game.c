// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the game-server workload's datagrams and the client's
 * account of its updates (userspace/sm-game/game.c).
 */
#include <string.h>

#include "tap.h"
#include "../../userspace/sm-game/game.h"

#define MS 1000000ull
#define T0 (7000 * MS)
#define TICK (33 * MS)

static size_t update(uint8_t *buf, uint32_t client, uint64_t seq, uint16_t bytes)
{
	struct smgm_msg m = { .magic = SMGM_MAGIC_UPDATE, .client = client, .seq = seq,
			     .sent_ns = 12345, .length = bytes };

	return smgm_encode(&m, buf, SMGM_MAX_DGRAM);
}

static void test_roundtrip(void)
{
	uint8_t buf[SMGM_MAX_DGRAM];
	struct smgm_msg out;
	size_t n;

	tap_test("an update and a join survive encode and decode");
	n = update(buf, 9, 0x0102030405060708ull, 200);
	CHECK_U64(n, SMGM_HDR_LEN + 200);
	CHECK_EQ(smgm_decode(buf, n, &out), SMGM_OK);
	CHECK_U64(out.magic, SMGM_MAGIC_UPDATE);
	CHECK_U64(out.client, 9);
	CHECK_U64(out.seq, 0x0102030405060708ull);
	CHECK_U64(out.sent_ns, 12345);
	CHECK_U64(out.length, 200);
	CHECK(!memcmp(buf, "SMGU", 4));

	n = smgm_encode(&(struct smgm_msg){ .magic = SMGM_MAGIC_JOIN, .client = 3, .length = 99 },
		       buf, sizeof(buf));
	CHECK_U64(n, SMGM_HDR_LEN);	/* a join carries no payload */
	CHECK_EQ(smgm_decode(buf, n, &out), SMGM_OK);
	CHECK_U64(out.magic, SMGM_MAGIC_JOIN);
	CHECK_U64(out.client, 3);
}

static void test_encode_bounds(void)
{
	uint8_t buf[SMGM_MAX_DGRAM + 8];

	tap_test("encode refuses a payload over the limit or a short buffer");
	memset(buf, 0xee, sizeof(buf));
	CHECK_U64(update(buf, 1, 1, SMGM_MAX_PAYLOAD + 1), 0);
	CHECK_U64(smgm_encode(&(struct smgm_msg){ .magic = SMGM_MAGIC_UPDATE, .length = 10 },
			     buf, SMGM_HDR_LEN + 9), 0);
	CHECK_U64(buf[0], 0xee);	/* nothing written */
	CHECK_U64(update(buf, 1, 1, SMGM_MAX_PAYLOAD), SMGM_MAX_DGRAM);
	CHECK_U64(buf[SMGM_MAX_DGRAM], 0xee);
}

static void test_decode_rejects(void)
{
	uint8_t buf[SMGM_MAX_DGRAM + 1], bad[SMGM_MAX_DGRAM + 1];
	struct smgm_msg out;
	size_t n = update(buf, 4, 17, 64);

	tap_test("decode names what is wrong with a damaged datagram");
	CHECK_EQ(smgm_decode(buf, SMGM_HDR_LEN - 1, &out), SMGM_SHORT);
	CHECK_EQ(smgm_decode(buf, n - 1, &out), SMGM_BAD_LENGTH);
	CHECK_EQ(smgm_decode(buf, n + 1, &out), SMGM_BAD_LENGTH);
	for (size_t i = 0; i < n; i++) {
		enum smgm_decode r;

		memcpy(bad, buf, n);
		bad[i] ^= 0x10;
		r = smgm_decode(bad, n, &out);
		if (r == SMGM_OK) {
			CHECK(!"a flipped bit went unnoticed");
			break;
		}
	}
	memcpy(bad, buf, n);
	bad[0] = 'X';
	CHECK_EQ(smgm_decode(bad, n, &out), SMGM_BAD_MAGIC);
	memcpy(bad, buf, n);
	bad[5] = 2;
	CHECK_EQ(smgm_decode(bad, n, &out), SMGM_BAD_VERSION);
	memcpy(bad, buf, n);
	bad[SMGM_HDR_LEN + 3] ^= 1;
	CHECK_EQ(smgm_decode(bad, n, &out), SMGM_BAD_CRC);
	CHECK(strcmp(smgm_decode_str(SMGM_BAD_CRC), "?"));
}

static void feed(struct smgm_client *c, uint32_t client, uint64_t seq, uint64_t at)
{
	uint8_t buf[SMGM_MAX_DGRAM];

	smgm_client_datagram(c, buf, update(buf, client, seq, 32), at);
}

static void test_gaps(void)
{
	struct smgm_client c;
	uint64_t t = T0 + 500 * MS;	/* joining took 500 ms: not a gap */

	tap_test("the client's longest gap, late ticks and lost updates");
	smgm_client_init(&c, 5, TICK, T0);
	for (uint64_t s = 1; s <= 10; s++, t += TICK)
		feed(&c, 5, s, t);
	CHECK_U64(c.max_gap_ns, TICK);
	CHECK_U64(c.late, 0);
	/* The guest stops for 1.2 s; updates 11-40 never arrive. */
	t += 1200 * MS;
	feed(&c, 5, 41, t);
	CHECK_U64(c.max_gap_ns, 1200 * MS + TICK);
	CHECK_U64(c.max_gap_at_ns, 500 * MS + 9 * TICK);
	CHECK_U64(c.late, 1);
	/* 12 comes late, out of order: no longer lost, counted reordered. */
	feed(&c, 5, 12, t + MS);
	CHECK_U64(c.reordered, 1);
	CHECK_U64(c.updates, 12);
	CHECK_U64(c.highest_seq, 41);
	smgm_client_end(&c, t + 10 * MS);
	CHECK_U64(c.max_gap_ns, 1200 * MS + TICK);
}

static void test_bad_and_foreign(void)
{
	struct smgm_client c;
	uint8_t buf[SMGM_MAX_DGRAM];
	size_t n;
	char js[512];

	tap_test("bad datagrams and another client's updates count as bad");
	smgm_client_init(&c, 5, TICK, T0);
	feed(&c, 6, 1, T0 + MS);
	n = update(buf, 5, 2, 32);
	buf[n - 1] ^= 0xff;
	smgm_client_datagram(&c, buf, n, T0 + 2 * MS);
	smgm_client_datagram(&c, buf, 3, T0 + 3 * MS);
	feed(&c, 5, 0, T0 + 4 * MS);	/* seq 0 is never sent */
	CHECK_U64(c.bad, 4);
	CHECK_U64(c.updates, 0);
	/* No update at all: one gap from start to end. */
	smgm_client_end(&c, T0 + 3000 * MS);
	CHECK_U64(c.max_gap_ns, 3000 * MS);
	CHECK(smgm_client_json(&c, T0 + 3000 * MS, js, sizeof(js)) < (int)sizeof(js));
	CHECK(strstr(js, "\"updates\":0,") != NULL);
	CHECK(strstr(js, "\"bad\":4,") != NULL);
	CHECK(strstr(js, "\"max_gap_ms\":3000.0,") != NULL);
}

int main(void)
{
	test_roundtrip();
	test_encode_bounds();
	test_decode_rejects();
	test_gaps();
	test_bad_and_foreign();
	return tap_done();
}
