/* SPDX-License-Identifier: GPL-2.0 */
/*
 * selfmig page stream, wire format versions 1 and 3 (sealed).
 *
 * The stream carries a guest's memory from the sender (the selfmig module
 * inside the migrating guest) to the receiver on the destination host.  It is
 * one-way and is made of a stream header followed by records.  Every integer
 * is little-endian and unaligned; readers and writers encode and decode byte
 * by byte and never overlay structures on wire bytes.  All checksums are
 * CRC32C (Castagnoli, reflected polynomial 0x82F63B78, initial value and
 * final xor 0xFFFFFFFF; the check value of "123456789" is 0xE3069283).
 *
 * Stream header (SMW_STREAM_HDR_LEN = 64 bytes):
 *
 *   off len  field
 *     0   8  magic        "SELFMIG\0"
 *     8   4  version      SMW_VERSION (1)
 *    12   4  header_len   64 in version 1
 *    16   4  flags        no flags are defined in version 1; must be 0
 *    20   4  page_size    4096
 *    24  16  migration_id random id chosen by the control plane; the
 *                         receiver rejects a stream whose id differs from the
 *                         one it was started with
 *    40   8  page_count   number of guest frames; every valid gfn is below it
 *                         (1 <= page_count <= SMW_MAX_GUEST_PAGES)
 *    48  12  reserved     must be zero (version 3: the stream salt, below)
 *    60   4  crc          CRC32C of bytes 0..59
 *
 * Record header (SMW_REC_HDR_LEN = 20 bytes), followed by payload_len bytes:
 *
 *     0   4  type         one of SMW_REC_* below
 *     4   4  flags        SMW_RECF_* bits; unknown bits are an error
 *     8   4  payload_len  at most SMW_MAX_PAYLOAD
 *    12   4  seq          0 for the first record, then +1 for each record
 *    16   4  crc          CRC32C of the 20 header bytes with this field set
 *                         to zero, followed by the payload
 *
 * Record types.  The numbers are fixed by this document; a reader that meets
 * a type it does not know rejects the stream.
 *
 * SMW_REC_PAGES (1): a batch of 1..SMW_MAX_BATCH_PAGES pages of one round.
 *     0   4  round        the round the batch belongs to
 *     4   4  count        number of pages in the batch
 *     8   4  data_len     length of the uncompressed page data: exactly
 *                         4096 times the number of RAW pages
 *    12   4  reserved     must be zero
 *    16  8*count          gfns, u64 each, each below page_count
 *     ..  count           kinds, one byte per page: SMW_PAGE_ZERO (0), the
 *                         page is all zero bytes and has no data;
 *                         SMW_PAGE_RAW (1), the page has 4096 bytes of data.
 *                         Other values are an error.
 *     ..                  page data: the RAW pages' contents, in batch order.
 *                         Without SMW_RECF_COMPRESSED it is exactly data_len
 *                         bytes and ends the payload.  With it, the rest of
 *                         the payload (at least one byte) is one zlib stream
 *                         (RFC 1950) that inflates to exactly data_len bytes;
 *                         it must end exactly at the end of the payload.
 *     A gfn may appear more than once in a batch; entries apply in order.
 *
 * SMW_REC_ROUND_END (2): closes a round (payload 72 bytes).
 *     0   4  round
 *     4   4  flags        SMW_ROUNDF_FINAL: the stop-and-copy round
 *     8   8  pages_scanned      informational
 *    16   8  pages_dirty        informational
 *    24   8  pages_sent         PAGES entries of this round (raw and zero)
 *    32   8  pages_zero         of those, ZERO entries
 *    40   8  bytes_uncompressed sum of data_len over the round's batches
 *    48   8  bytes_compressed   sum of page-data bytes as carried on the wire
 *                               (equal to data_len for uncompressed batches)
 *    56   8  duration_ns        informational, sender's clock
 *    64   8  rate               informational, sender's bytes per second
 *     Readers check pages_sent, pages_zero, bytes_uncompressed and
 *     bytes_compressed against the round's PAGES records.
 *
 * SMW_REC_PROC_STATS (3): per-process page counts (informational).
 *     0   4  round        a round not after the current one
 *     4   4  count        0..SMW_MAX_PROC_ENTRIES
 *     8  24*count         entries: pid u32, pages u32, comm 16 bytes
 *                         (NUL-padded, not necessarily NUL-terminated)
 *
 * SMW_REC_END (4): the last record (payload 24 bytes).
 *     0   8  total_pages  PAGES entries in the whole stream
 *     8   8  total_bytes  stream bytes before this record (stream header and
 *                         all earlier records)
 *    16   4  rounds       number of rounds closed by ROUND_END
 *    20   4  reserved     must be zero
 *
 * Types 0 and 5 and above are reserved.
 *
 * Ordering rules.  Rounds are numbered from 0.  The open round starts at 0;
 * PAGES records carry the open round's number; ROUND_END carries it too and
 * then the next round opens.  PROC_STATS may describe the open round or any
 * closed one.  END may only come when the open round has no PAGES records,
 * and nothing may follow END.  A stream that stops before END is incomplete.
 *
 * Validation order.  The stream header is checked field by field as soon as
 * the bytes arrive: magic, version, crc, then the other fields, then the
 * migration id.  For a record, only payload_len is used before the crc has
 * been verified, and it is first checked against SMW_MAX_PAYLOAD.  After the
 * crc come the sequence number, the type, the flags, the type-specific
 * lengths and contents, then the ordering rules.  A record is handed to the
 * consumer only after all checks pass (for compressed batches, the consumer
 * inflates with an output limit of data_len and rejects anything else).  The
 * first error ends the stream; there is no resynchronisation.
 *
 * Version 3: sealed streams.  Version 3 is version 1 with every part sealed
 * by ChaCha20-Poly1305 (RFC 8439), an AEAD: the stream header stays in
 * clear and is followed by a tag of SMW_TAG_LEN (16) bytes; each record's
 * header stays in clear, its payload is encrypted, and its tag follows the
 * payload.  The stream header carries version 3; every field is otherwise
 * as in version 1, and crcs are over the plaintext.
 *
 *   salt     bytes 48..59 of the stream header: 12 random bytes the
 *            sender draws for this stream alone.  A migration retried
 *            under the same id and secret thus gets another key, and no
 *            (key, nonce) pair is ever used twice.
 *   key      HKDF-SHA256 (RFC 5869) with IKM = the migration's secret
 *            (SMW_KEY_LEN, 32 random bytes that dom0 creates for this
 *            migration alone and hands to the guest and the receiver, never
 *            to the stream), salt = the 16-byte migration id followed by
 *            the 12-byte stream salt, info = SMW_KDF_INFO (17 bytes, no
 *            NUL), L = 32.
 *   nonce    96 bits: 4 zero bytes, then a little-endian 64-bit counter:
 *            0 for the stream header, seq + 1 for the record with sequence
 *            number seq.  No nonce repeats under one key.
 *   stream header: tag = the AEAD of an empty plaintext with the 64 header
 *            bytes as associated data.
 *   record:  ciphertext || tag = the AEAD of the payload with the 20 record
 *            header bytes as associated data.
 *
 * Stream offsets (a record's offset, END's total_bytes) count the tags.  The
 * reader opens a record with the nonce of the sequence number it expects,
 * so a record that is altered anywhere (header, payload or tag), dropped,
 * reordered or replayed from another migration fails its tag.  Only
 * payload_len is used before the tag is checked, and only to know how many
 * bytes to gather, after its check against SMW_MAX_PAYLOAD.  A reader with a
 * secret accepts only version 3 and hands a record on only after its tag
 * and then all of version 1's checks pass; a reader without one accepts
 * only version 1.  Version 2 (HMAC-SHA256 tags over clear records) is
 * retired: readers reject it as an unsupported version.
 *
 * Versioning.  Any change to the layout or meaning of an existing field, any
 * new record type and any new flag bit requires a new version number.  A
 * reader accepts only the versions it implements and rejects the rest before
 * reading further; version 1 readers require header_len == 64.
 */
#ifndef SELFMIG_UAPI_WIRE_H
#define SELFMIG_UAPI_WIRE_H

/* Stream header. */
#define SMW_MAGIC		"SELFMIG"	/* 7 characters and a NUL: 8 bytes */
#define SMW_MAGIC_LEN		8
#define SMW_VERSION		1U
#define SMW_VERSION_SEALED	3U	/* version 1 sealed by an AEAD */
#define SMW_TAG_LEN		16U	/* Poly1305 */
#define SMW_KEY_LEN		32U	/* the migration's secret; also the key */
#define SMW_KDF_INFO		"selfmig stream v3"
#define SMW_KDF_INFO_LEN	17U
#define SMW_STREAM_HDR_LEN	64U
#define SMW_ID_LEN		16U
#define SMW_PAGE_SIZE		4096U
#define SMW_MAX_GUEST_PAGES	(1ULL << 36)	/* 256 TiB of guest memory */

#define SMW_SH_MAGIC		0
#define SMW_SH_VERSION		8
#define SMW_SH_HDR_LEN		12
#define SMW_SH_FLAGS		16
#define SMW_SH_PAGE_SIZE	20
#define SMW_SH_ID		24
#define SMW_SH_PAGE_COUNT	40
#define SMW_SH_RESERVED		48
#define SMW_SH_RESERVED_LEN	12
#define SMW_SH_SALT		48	/* version 3: the reserved bytes */
#define SMW_SALT_LEN		12U
#define SMW_SH_CRC		60

/* Record header. */
#define SMW_REC_HDR_LEN		20U
#define SMW_RH_TYPE		0
#define SMW_RH_FLAGS		4
#define SMW_RH_LEN		8
#define SMW_RH_SEQ		12
#define SMW_RH_CRC		16

/* Record types: fixed numbers. */
#define SMW_REC_PAGES		1U
#define SMW_REC_ROUND_END	2U
#define SMW_REC_PROC_STATS	3U
#define SMW_REC_END		4U

/* Record flags. */
#define SMW_RECF_COMPRESSED	0x1U	/* PAGES only: page data is zlib */

/* Limits. */
#define SMW_MAX_PAYLOAD		(2U * 1024 * 1024)
#define SMW_MAX_BATCH_PAGES	256U
#define SMW_MAX_PROC_ENTRIES	65536U

/* PAGES payload. */
#define SMW_PAGES_PREFIX_LEN	16U
#define SMW_PG_ROUND		0
#define SMW_PG_COUNT		4
#define SMW_PG_DATA_LEN		8
#define SMW_PG_RESERVED		12
#define SMW_PAGES_META_LEN(n)	(SMW_PAGES_PREFIX_LEN + 9U * (n))
#define SMW_PAGES_META_MAX	SMW_PAGES_META_LEN(SMW_MAX_BATCH_PAGES)
#define SMW_PAGES_DATA_MAX	(SMW_MAX_BATCH_PAGES * SMW_PAGE_SIZE)

#define SMW_PAGE_ZERO		0U
#define SMW_PAGE_RAW		1U

/* ROUND_END payload. */
#define SMW_ROUND_END_LEN	72U
#define SMW_RE_ROUND		0
#define SMW_RE_FLAGS		4
#define SMW_RE_SCANNED		8
#define SMW_RE_DIRTY		16
#define SMW_RE_SENT		24
#define SMW_RE_ZERO		32
#define SMW_RE_BYTES_RAW	40
#define SMW_RE_BYTES_WIRE	48
#define SMW_RE_DURATION		56
#define SMW_RE_RATE		64
#define SMW_ROUNDF_FINAL	0x1U

/* PROC_STATS payload. */
#define SMW_PROC_PREFIX_LEN	8U
#define SMW_PROC_ENTRY_LEN	24U
#define SMW_PROC_COMM_LEN	16U

/* END payload. */
#define SMW_END_LEN		24U
#define SMW_EN_PAGES		0
#define SMW_EN_BYTES		8
#define SMW_EN_ROUNDS		16
#define SMW_EN_RESERVED		20

#endif /* SELFMIG_UAPI_WIRE_H */
