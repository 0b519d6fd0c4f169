/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pure logic of the game-server workload (no sockets, no clocks): the two
 * datagrams it exchanges and the client's account of the updates it got.
 *
 * The server in the guest sends every joined client one update per tick
 * (25-50 ms, as a soft real-time game server does); a client in dom0 joins,
 * and measures the longest time between two updates: what a player would
 * see as a freeze.  docs/bench.md specifies the datagrams in prose.
 *
 * Both datagrams, all fields in network byte order:
 *
 *   offset size  field
 *   0      4     magic    SMGM_MAGIC_JOIN ("SMGJ") or SMGM_MAGIC_UPDATE ("SMGU")
 *   4      2     version  SMGM_VERSION
 *   6      2     length   payload bytes that follow the 32-byte header
 *   8      4     client   the client's id (join: chosen by the client;
 *                         update: echoed by the server)
 *   12     4     crc      crc32c of the whole datagram with this field zero
 *   16     8     seq      join: 0; update: the server's tick number for this
 *                         client, from 1
 *   24     8     sent_ns  the sender's CLOCK_MONOTONIC time (only for logs:
 *                         the two ends' clocks are not compared)
 *   32     length payload join: none; update: smgm_payload_fill(seq, client)
 *
 * A datagram whose length field disagrees with its size, whose crc or
 * payload is wrong, or whose version is unknown is counted as bad and
 * otherwise ignored.
 */
#ifndef SELFMIG_SMGM_GAME_H
#define SELFMIG_SMGM_GAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SMGM_MAGIC_JOIN		0x534d474au	/* "SMGJ" */
#define SMGM_MAGIC_UPDATE	0x534d4755u	/* "SMGU" */
#define SMGM_VERSION		1
#define SMGM_HDR_LEN		32
#define SMGM_MAX_PAYLOAD		1400
#define SMGM_MAX_DGRAM		(SMGM_HDR_LEN + SMGM_MAX_PAYLOAD)

struct smgm_msg {
	uint32_t magic;
	uint32_t client;
	uint64_t seq;
	uint64_t sent_ns;
	uint16_t length;	/* payload bytes */
};

enum smgm_decode {
	SMGM_OK = 0,
	SMGM_SHORT = -1,		/* shorter than the header */
	SMGM_BAD_MAGIC = -2,
	SMGM_BAD_VERSION = -3,
	SMGM_BAD_LENGTH = -4,	/* length field and datagram size differ */
	SMGM_BAD_CRC = -5,
	SMGM_BAD_PAYLOAD = -6,	/* an update whose payload is not the expected one */
};

/* The update payload for (seq, client): n bytes, a function of both. */
void smgm_payload_fill(uint8_t *p, size_t n, uint64_t seq, uint32_t client);
/*
 * Encode m (with m->length payload bytes generated for an update, none for
 * a join) into buf of cap bytes.  Returns the datagram's size, or 0 when it
 * does not fit or m->length exceeds SMGM_MAX_PAYLOAD.
 */
size_t smgm_encode(const struct smgm_msg *m, uint8_t *buf, size_t cap);
/* Decode and check a received datagram of len bytes. */
enum smgm_decode smgm_decode(const uint8_t *buf, size_t len, struct smgm_msg *out);
const char *smgm_decode_str(enum smgm_decode r);

/*
 * The client's account.  Times are CLOCK_MONOTONIC nanoseconds given by the
 * caller.  Gaps count from the first update on (the time to join is not a
 * freeze), up to the end for a client that stopped hearing updates; a client
 * that heard none has one gap, from its start to its end.
 */
struct smgm_client {
	uint32_t client;
	uint64_t tick_ns;	/* the expected interval; a gap over 2 ticks is "late" */
	uint64_t start_ns;
	uint64_t last_ns;	/* receive time of the newest counted update */
	bool any;

	uint64_t updates;	/* good updates counted (first time for their seq) */
	uint64_t highest_seq;
	uint64_t lost;		/* seq numbers skipped, less those that came late */
	uint64_t reordered;	/* an update older than the highest already seen */
	uint64_t bad;		/* datagrams that failed to decode, or another client's */
	uint64_t late;		/* gaps longer than 2 ticks */
	uint64_t max_gap_ns;
	uint64_t max_gap_at_ns;	/* start of the longest gap, since start_ns */
};

void smgm_client_init(struct smgm_client *c, uint32_t client, uint64_t tick_ns,
		     uint64_t start_ns);
/* Account for one received datagram (decoded or not) at now_ns. */
void smgm_client_datagram(struct smgm_client *c, const uint8_t *buf, size_t len,
			 uint64_t now_ns);
/* Close the account at end_ns: a silence up to the end counts as a gap. */
void smgm_client_end(struct smgm_client *c, uint64_t end_ns);
/* The account as one JSON object (no newline); returns snprintf's count. */
int smgm_client_json(const struct smgm_client *c, uint64_t end_ns, char *buf,
		    size_t cap);

#endif
