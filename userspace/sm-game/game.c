// SPDX-License-Identifier: GPL-2.0
/*
 * sm-game's datagrams and the client's account of its updates (game.h).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "crc32c.h"
#include "game.h"

static void put16(uint8_t *p, uint16_t v)
{
	v = htons(v);
	memcpy(p, &v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
	v = htonl(v);
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return ntohs(v);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return ntohl(v);
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

void smgm_payload_fill(uint8_t *p, size_t n, uint64_t seq, uint32_t client)
{
	uint64_t x = seq * 0x9e3779b97f4a7c15ull ^ client ^ 0x5bd1e995u;

	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (uint8_t)(x >> 24);
	}
}

static uint32_t dgram_crc(const uint8_t *buf, size_t len)
{
	static const uint8_t zero[4];
	uint32_t crc = smw_crc32c(0, buf, 12);

	crc = smw_crc32c(crc, zero, 4);
	return smw_crc32c(crc, buf + 16, len - 16);
}

size_t smgm_encode(const struct smgm_msg *m, uint8_t *buf, size_t cap)
{
	size_t pl = m->magic == SMGM_MAGIC_UPDATE ? m->length : 0;
	size_t len = SMGM_HDR_LEN + pl;

	if (pl > SMGM_MAX_PAYLOAD || len > cap)
		return 0;
	put32(buf, m->magic);
	put16(buf + 4, SMGM_VERSION);
	put16(buf + 6, (uint16_t)pl);
	put32(buf + 8, m->client);
	put32(buf + 12, 0);
	put64(buf + 16, m->seq);
	put64(buf + 24, m->sent_ns);
	smgm_payload_fill(buf + SMGM_HDR_LEN, pl, m->seq, m->client);
	put32(buf + 12, dgram_crc(buf, len));
	return len;
}

enum smgm_decode smgm_decode(const uint8_t *buf, size_t len, struct smgm_msg *out)
{
	uint8_t want[SMGM_MAX_PAYLOAD];

	if (len < SMGM_HDR_LEN)
		return SMGM_SHORT;
	out->magic = get32(buf);
	if (out->magic != SMGM_MAGIC_JOIN && out->magic != SMGM_MAGIC_UPDATE)
		return SMGM_BAD_MAGIC;
	if (get16(buf + 4) != SMGM_VERSION)
		return SMGM_BAD_VERSION;
	out->length = get16(buf + 6);
	if (out->length > SMGM_MAX_PAYLOAD || len != SMGM_HDR_LEN + (size_t)out->length ||
	    (out->magic == SMGM_MAGIC_JOIN && out->length))
		return SMGM_BAD_LENGTH;
	if (get32(buf + 12) != dgram_crc(buf, len))
		return SMGM_BAD_CRC;
	out->client = get32(buf + 8);
	out->seq = get64(buf + 16);
	out->sent_ns = get64(buf + 24);
	smgm_payload_fill(want, out->length, out->seq, out->client);
	if (memcmp(want, buf + SMGM_HDR_LEN, out->length))
		return SMGM_BAD_PAYLOAD;
	return SMGM_OK;
}

const char *smgm_decode_str(enum smgm_decode r)
{
	switch (r) {
	case SMGM_OK: return "ok";
	case SMGM_SHORT: return "shorter than its header";
	case SMGM_BAD_MAGIC: return "wrong magic";
	case SMGM_BAD_VERSION: return "unknown version";
	case SMGM_BAD_LENGTH: return "length field and size differ";
	case SMGM_BAD_CRC: return "checksum mismatch";
	case SMGM_BAD_PAYLOAD: return "payload differs";
	}
	return "?";
}

void smgm_client_init(struct smgm_client *c, uint32_t client, uint64_t tick_ns,
		     uint64_t start_ns)
{
	memset(c, 0, sizeof(*c));
	c->client = client;
	c->tick_ns = tick_ns;
	c->start_ns = start_ns;
	c->last_ns = start_ns;
}

static void gap_to(struct smgm_client *c, uint64_t now_ns)
{
	uint64_t gap = now_ns > c->last_ns ? now_ns - c->last_ns : 0;

	if (c->any && gap > 2 * c->tick_ns)
		c->late++;
	if (gap > c->max_gap_ns) {
		c->max_gap_ns = gap;
		c->max_gap_at_ns = c->last_ns - c->start_ns;
	}
}

void smgm_client_datagram(struct smgm_client *c, const uint8_t *buf, size_t len,
			 uint64_t now_ns)
{
	struct smgm_msg m;

	if (smgm_decode(buf, len, &m) != SMGM_OK || m.magic != SMGM_MAGIC_UPDATE ||
	    m.client != c->client || m.seq == 0) {
		c->bad++;
		return;
	}
	if (m.seq <= c->highest_seq) {
		/*
		 * Older than the newest: it fills a hole left by one counted as
		 * lost.  The server sends every seq once; a copy made on the way
		 * could count twice, so lost is clamped below.
		 */
		c->reordered++;
		c->updates++;
		return;
	}
	if (c->any)
		gap_to(c, now_ns);
	c->any = true;
	c->last_ns = now_ns;
	c->highest_seq = m.seq;
	c->updates++;
}

void smgm_client_end(struct smgm_client *c, uint64_t end_ns)
{
	gap_to(c, end_ns);
	c->last_ns = end_ns;
}

int smgm_client_json(const struct smgm_client *c, uint64_t end_ns, char *buf,
		    size_t cap)
{
	uint64_t lost = c->highest_seq > c->updates ? c->highest_seq - c->updates : 0;
	double secs = end_ns > c->start_ns ? (end_ns - c->start_ns) / 1e9 : 0;

	return snprintf(buf, cap,
			"{\"client\":%u,\"seconds\":%.1f,\"updates\":%llu,\"lost\":%llu,"
			"\"reordered\":%llu,\"bad\":%llu,\"late\":%llu,"
			"\"max_gap_ms\":%.1f,\"max_gap_at_s\":%.1f,\"tick_ms\":%.1f}",
			c->client, secs, (unsigned long long)c->updates,
			(unsigned long long)lost, (unsigned long long)c->reordered,
			(unsigned long long)c->bad, (unsigned long long)c->late,
			c->max_gap_ns / 1e6, c->max_gap_at_ns / 1e9, c->tick_ns / 1e6);
}
