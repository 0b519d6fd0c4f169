/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pure logic of the UDP echo prober (no sockets, no clocks): probe packet
 * encoding, answer bookkeeping with gap and RTT statistics, the pseudo-random
 * byte stream used to check a TCP connection, and report formatting.
 *
 * All times are CLOCK_MONOTONIC nanoseconds supplied by the caller.
 */
#ifndef SELFMIG_PROBE_H
#define SELFMIG_PROBE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/* ------------------------------------------------------------ packets */

#define SMP_MAGIC	0x534d5042u	/* "SMPB" */
#define SMP_PKT_LEN	24		/* encoded size; longer datagrams are accepted */

struct smp_packet {
	uint32_t magic;
	uint32_t run_id;
	uint64_t seq;
	uint64_t send_ns;
};

enum smp_decode_result {
	SMP_DECODE_OK = 0,
	SMP_DECODE_SHORT = -1,
	SMP_DECODE_BAD_MAGIC = -2,
};

/* Write p (magic included) into buf in network byte order. */
void smp_packet_encode(const struct smp_packet *p, uint8_t buf[SMP_PKT_LEN]);
/* Parse buf; fails on short datagrams and on a wrong magic. */
enum smp_decode_result smp_packet_decode(const void *buf, size_t len,
					 struct smp_packet *out);

/* ------------------------------------------------------------ answer tracking */

enum smp_answer_result {
	SMP_ANS_OK = 0,		/* first answer for this sequence number */
	SMP_ANS_REORDERED,	/* first answer, but an answer to a later probe came first */
	SMP_ANS_DUPLICATE,	/* this sequence number was already answered: ignored */
	SMP_ANS_FOREIGN,	/* other run, unknown sequence or impossible time: ignored */
	SMP_ANS_NOMEM,
};

struct smp_tracker {
	uint32_t run_id;
	uint64_t start_ns;	/* start of probing (first probe) */
	uint64_t end_ns;	/* set by smp_tracker_stop(); 0 while probing */
	uint64_t next_seq;	/* probes sent so far == next sequence number */

	uint64_t answered;
	uint64_t duplicates;
	uint64_t foreign;
	uint64_t reordered;
	uint64_t highest_seq;	/* highest answered sequence number */

	bool any_answer;
	uint64_t last_ns;	/* receive time of the latest counted answer */
	uint64_t max_gap_ns;
	uint64_t max_gap_start_ns;

	uint8_t *seen;		/* bitmap of answered sequence numbers */
	size_t seen_bytes;
	uint64_t *rtt_ns;	/* one entry per counted answer */
	size_t rtt_len, rtt_cap;
};

int smp_tracker_init(struct smp_tracker *t, uint32_t run_id, uint64_t start_ns);
void smp_tracker_free(struct smp_tracker *t);
/* Take the next sequence number for a probe being sent (counts as sent). */
uint64_t smp_tracker_next_seq(struct smp_tracker *t);
/*
 * Account for an answer received at recv_ns.  Every first answer to one of
 * our probes counts as answered and for RTT; its receive time also counts
 * for gaps (an out-of-order answer still shows the path worked at that
 * moment).  Answers received after smp_tracker_stop() count as answered but
 * are clamped to the end time for gap purposes.
 */
enum smp_answer_result smp_tracker_answer(struct smp_tracker *t,
					  const struct smp_packet *p,
					  uint64_t recv_ns);
/* Probing ended at end_ns (no more probes); late answers may still come. */
void smp_tracker_stop(struct smp_tracker *t, uint64_t end_ns);

/* ------------------------------------------------------------ results */

struct smp_result {
	uint64_t sent, answered, lost;
	uint64_t duplicates, foreign, reordered;
	double max_gap_ms, max_gap_at_ms, duration_ms;
	bool have_rtt;
	double rtt_min_ms, rtt_med_ms, rtt_max_ms;

	bool tcp;		/* the TCP fields below are meaningful */
	bool tcp_connected;
	uint64_t tcp_bytes_sent;
	uint64_t tcp_bytes_verified;
	bool tcp_mismatch;
	bool tcp_reset;
};

/*
 * Fill r from t.  Gaps include the edge from start to the first answer and
 * from the last answer to the end (end_ns from smp_tracker_stop(), or the
 * given end_ns if not stopped).  Leaves the tcp fields zero.
 */
int smp_tracker_result(const struct smp_tracker *t, uint64_t end_ns,
		       struct smp_result *r);

/* min / median / max of v[0..n); v is not modified.  n == 0 gives -1. */
int smp_rtt_stats(const uint64_t *v, size_t n, uint64_t *min, double *med,
		  uint64_t *max);

/* One-line human summary (no newline).  Returns snprintf-style length. */
int smp_format_summary(const struct smp_result *r, char *buf, size_t len);
/* JSON object with a trailing newline.  Returns snprintf-style length. */
int smp_format_json(const struct smp_result *r, char *buf, size_t len);

/* ------------------------------------------------------------ byte stream */

/* Byte at offset off of the stream selected by seed (random access). */
uint8_t smp_stream_byte(uint64_t seed, uint64_t off);
void smp_stream_fill(uint64_t seed, uint64_t off, uint8_t *buf, size_t len);
/* Number of leading bytes of buf that match the stream at off (len if all). */
size_t smp_stream_check(uint64_t seed, uint64_t off, const uint8_t *buf,
			size_t len);

/* Verifier for the echoed side of a stream. */
struct smp_verifier {
	uint64_t seed;
	uint64_t offset;	/* bytes consumed so far */
	uint64_t verified;	/* bytes that matched, up to the first mismatch */
	bool mismatch;
	uint64_t mismatch_at;	/* stream offset of the first bad byte */
};

void smp_verifier_init(struct smp_verifier *v, uint64_t seed);
/*
 * Check the next len received bytes.  sent is how many bytes of the stream
 * were sent so far: receiving more than that is a mismatch too.  Returns
 * false once a mismatch has been seen.
 */
bool smp_verifier_feed(struct smp_verifier *v, const uint8_t *buf, size_t len,
		       uint64_t sent);

#endif /* SELFMIG_PROBE_H */
