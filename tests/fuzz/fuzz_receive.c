// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: the receiver's stream parser and image writer.
 *
 * Each input is a page stream (docs/wire-format.md) fed to a fresh receiver
 * in two pieces, split where the first byte says, so that records cut at any
 * point are exercised (a version 2 stream is checked under the seeds'
 * secret, so its tags are verified); then the input ends and the receiver closes.  The
 * image and metadata go to a private temporary directory.  Any crash, leak,
 * out-of-bounds access or undefined behaviour is a finding.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "../../userspace/selfmig-receive/receiver.h"

static char image_path[300], meta_path[300];

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
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct smr_receiver r;
	struct smr_config cfg;
	size_t cut;

	memset(&cfg, 0, sizeof(cfg));
	cfg.image_path = image_path;
	cfg.meta_path = meta_path;
	memcpy(cfg.id, smf_test_id, SMW_ID_LEN);
	/* A version 2 header gets the seeds' secret, so tags are checked. */
	if (len >= SMW_SH_VERSION + 4 &&
	    smw_get_le32(data + SMW_SH_VERSION) == SMW_VERSION_AUTH)
		cfg.key = smf_test_key;
	if (smr_init(&r, &cfg))
		abort();
	cut = len ? (size_t)data[0] * len / 256 : 0;
	if (smr_feed(&r, data, cut) >= 0 && smr_feed(&r, data + cut, len - cut) >= 0)
		smr_finish(&r);
	smr_close(&r);
	unlink(image_path);
	unlink(meta_path);
	return 0;
}
