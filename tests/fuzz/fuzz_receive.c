// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: the receiver's stream parser and image writer.
 *
 * Each input is a page stream (docs/wire-format.md) fed to a fresh receiver
 * in two pieces, split where the first byte says, so that records cut at any
 * point are exercised; then the input ends and the receiver closes.  A
 * version 3 (sealed) input goes to a receiver with the seeds' secret, twice:
 * once as it is, so that its tags are checked, and once resealed in a
 * private copy: the harness decrypts each part, recomputes the stream
 * header's and each record's crc over the plaintext, and seals it again
 * with a fresh tag under the key the receiver will derive from the secret
 * and the id and salt of the copy's own header, as the sender would have.
 * The mutations then reach the checks after the tag (lengths, counts,
 * rounds, totals that count the tags) instead of all stopping at a tag.
 * The image and metadata go to a private temporary directory.  Any crash,
 * leak, out-of-bounds access or undefined behaviour is a finding.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "crc32c.h"
#include "receiver.h"
#include "aead.h"

static char image_path[300], meta_path[300];

/*
 * The sealed seed's key (smf_test_key, smf_test_id, smf_test_salt): every
 * sealed input descends from that seed, so its ciphertext is under it,
 * whatever a mutation made of the header's id or salt.
 */
static u8 seed_key[SMW_KEY_LEN];

/* The last header key derived, and the header id and salt it is for. */
static u8 hdr_key[SMW_KEY_LEN];
static u8 hdr_key_for[SMW_ID_LEN + SMW_SALT_LEN];
static int hdr_key_valid;

/*
 * The key of the stream whose header is hdr (id at 24, salt at 48): what
 * the receiver derives from smf_test_key when that header arrives.
 */
static const u8 *key_of(const u8 *hdr)
{
	u8 want[sizeof(hdr_key_for)];

	memcpy(want, hdr + SMW_SH_ID, SMW_ID_LEN);
	memcpy(want + SMW_ID_LEN, hdr + SMW_SH_SALT, SMW_SALT_LEN);
	if (!hdr_key_valid || memcmp(want, hdr_key_for, sizeof(want))) {
		if (smr_stream_key(smf_test_key, hdr + SMW_SH_ID,
				   hdr + SMW_SH_SALT, hdr_key))
			abort();
		memcpy(hdr_key_for, want, sizeof(want));
		hdr_key_valid = 1;
	}
	return hdr_key;
}

/*
 * Reseal the sealed stream p[0..len) in place: where each part's tag falls
 * (by the payload_len of its header), the part is decrypted under the
 * seed's key, its crc made right, and sealed again under the key of the id
 * and salt its stream header now carries (a mutated salt gets its own key,
 * as on the wire, and the payload stays what the mutation made of it).
 * Stops at the first part that does not fit.  Encryption is a xor with the
 * key stream, so sealing a ciphertext gives back the plaintext, and sealing
 * that the ciphertext.
 */
static void reseal(u8 *p, size_t len)
{
	u8 scratch[SMW_TAG_LEN];
	const u8 *key;
	size_t pos;
	u64 nonce = 1;
	u32 n, crc;

	if (len < SMW_STREAM_HDR_LEN + SMW_TAG_LEN)
		return;
	key = key_of(p);
	smw_put_le32(p + SMW_SH_CRC, smw_crc32c(0, p, SMW_SH_CRC));
	if (smr_aead_seal(key, 0, p, SMW_STREAM_HDR_LEN, NULL, 0,
			  p + SMW_STREAM_HDR_LEN))
		abort();
	pos = SMW_STREAM_HDR_LEN + SMW_TAG_LEN;
	while (len - pos >= SMW_REC_HDR_LEN) {
		u8 *h = p + pos, *c = h + SMW_REC_HDR_LEN;

		n = smw_get_le32(h + SMW_RH_LEN);
		if (n > SMW_MAX_PAYLOAD ||
		    n + (size_t)SMW_TAG_LEN > len - pos - SMW_REC_HDR_LEN)
			return;
		/* to the plaintext (the tag of this call is of no use) */
		if (smr_aead_seal(seed_key, nonce, h, SMW_REC_HDR_LEN, c, n,
				  scratch))
			abort();
		smw_put_le32(h + SMW_RH_CRC, 0);
		crc = smw_crc32c(0, h, SMW_REC_HDR_LEN);
		smw_put_le32(h + SMW_RH_CRC, smw_crc32c(crc, c, n));
		/* and back under the header's key, with the header as it is now */
		if (smr_aead_seal(key, nonce, h, SMW_REC_HDR_LEN, c, n,
				  c + n))
			abort();
		pos += SMW_REC_HDR_LEN + (size_t)n + SMW_TAG_LEN;
		nonce++;
	}
}

static void run(const uint8_t *data, size_t len, const u8 *key)
{
	struct smr_receiver r;
	struct smr_config cfg;
	size_t cut;

	memset(&cfg, 0, sizeof(cfg));
	cfg.image_path = image_path;
	cfg.meta_path = meta_path;
	memcpy(cfg.id, smf_test_id, SMW_ID_LEN);
	cfg.key = key;
	if (smr_init(&r, &cfg))
		abort();
	cut = len ? (size_t)data[0] * len / 256 : 0;
	if (smr_feed(&r, data, cut) >= 0 && smr_feed(&r, data + cut, len - cut) >= 0)
		smr_finish(&r);
	smr_close(&r);
	unlink(image_path);
	unlink(meta_path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char shm[] = "/dev/shm/selfmig-fuzz-XXXXXX", tmp[] = "/tmp/selfmig-fuzz-XXXXXX";
	const char *dir;

	(void)argc;
	(void)argv;
	/* Memory-backed if possible: every input writes an image and its metadata. */
	dir = mkdtemp(shm);
	if (!dir)
		dir = mkdtemp(tmp);
	if (!dir)
		abort();
	snprintf(image_path, sizeof(image_path), "%s/image", dir);
	snprintf(meta_path, sizeof(meta_path), "%s/image.meta", dir);
	if (smr_stream_key(smf_test_key, smf_test_id, smf_test_salt, seed_key))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	u8 *copy;

	if (len < SMW_SH_VERSION + 4 ||
	    smw_get_le32(data + SMW_SH_VERSION) != SMW_VERSION_SEALED) {
		run(data, len, NULL);
		return 0;
	}
	run(data, len, smf_test_key);
	copy = malloc(len);
	if (!copy)
		abort();
	memcpy(copy, data, len);
	reseal(copy, len);
	run(copy, len, smf_test_key);
	free(copy);
	return 0;
}
