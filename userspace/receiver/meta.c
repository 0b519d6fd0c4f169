// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig-receive: the per-page metadata file.
 *
 * The table is kept in memory in its file form (8 little-endian bytes per
 * gfn) and written in one go, through a temporary file and a rename, so a
 * reader never sees a half-written file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc32c.h"
#include "receiver.h"

u8 *smr_meta_alloc(u64 page_count)
{
	u8 *meta;
	u64 i;

	if (page_count == 0 || page_count > SIZE_MAX / SMR_META_ENTRY_LEN) {
		errno = ENOMEM;
		return NULL;
	}
	meta = malloc((size_t)page_count * SMR_META_ENTRY_LEN);
	if (!meta)
		return NULL;
	for (i = 0; i < page_count; i++)
		smr_meta_set(meta, i, SMR_META_NEVER, 0);
	return meta;
}

void smr_meta_set(u8 *meta, u64 gfn, u32 round, u32 crc)
{
	u8 *e = meta + gfn * SMR_META_ENTRY_LEN;

	smw_put_le32(e, round);
	smw_put_le32(e + 4, crc);
}

void smr_meta_get(const u8 *meta, u64 gfn, u32 *round, u32 *crc)
{
	const u8 *e = meta + gfn * SMR_META_ENTRY_LEN;

	*round = smw_get_le32(e);
	*crc = smw_get_le32(e + 4);
}

void smr_meta_header(u8 hdr[SMR_META_HDR_LEN], const u8 *meta,
		     u64 page_count, u32 flags, u32 rounds)
{
	memset(hdr, 0, SMR_META_HDR_LEN);
	memcpy(hdr + SMR_MH_MAGIC, SMR_META_MAGIC, 8);
	smw_put_le32(hdr + SMR_MH_VERSION, SMR_META_VERSION);
	smw_put_le32(hdr + SMR_MH_HDR_LEN, SMR_META_HDR_LEN);
	smw_put_le64(hdr + SMR_MH_PAGE_COUNT, page_count);
	smw_put_le32(hdr + SMR_MH_FLAGS, flags);
	smw_put_le32(hdr + SMR_MH_ROUNDS, rounds);
	smw_put_le32(hdr + SMR_MH_ENTRIES_CRC,
		     smw_crc32c(0, meta, page_count * SMR_META_ENTRY_LEN));
	smw_put_le32(hdr + SMR_MH_CRC, smw_crc32c(0, hdr, SMR_MH_CRC));
}

static int smr_write_all(int fd, const u8 *p, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int smr_meta_write(const char *path, const u8 *meta, u64 page_count,
		   u32 flags, u32 rounds)
{
	u8 hdr[SMR_META_HDR_LEN];
	char *tmp;
	int fd, ret;

	if (asprintf(&tmp, "%s.tmp", path) < 0)
		return -ENOMEM;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		free(tmp);
		return ret;
	}
	smr_meta_header(hdr, meta, page_count, flags, rounds);
	ret = smr_write_all(fd, hdr, sizeof(hdr));
	if (!ret)
		ret = smr_write_all(fd, meta, page_count * SMR_META_ENTRY_LEN);
	if (!ret && fsync(fd) < 0)
		ret = -errno;
	if (close(fd) < 0 && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path) < 0)
		ret = -errno;
	if (ret)
		unlink(tmp);
	free(tmp);
	return ret;
}

static int smr_read_all(int fd, u8 *p, size_t len)
{
	ssize_t n;

	while (len) {
		n = read(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EINVAL;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

u8 *smr_meta_read(const char *path, u64 *page_count, u32 *flags,
		  u32 *rounds)
{
	u8 hdr[SMR_META_HDR_LEN], check[SMR_META_HDR_LEN];
	struct stat sb;
	u8 *meta = NULL;
	u64 count;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	ret = smr_read_all(fd, hdr, sizeof(hdr));
	if (ret)
		goto out;
	ret = -EINVAL;
	if (memcmp(hdr, SMR_META_MAGIC, 8) != 0 ||
	    smw_get_le32(hdr + SMR_MH_VERSION) != SMR_META_VERSION ||
	    smw_get_le32(hdr + SMR_MH_HDR_LEN) != SMR_META_HDR_LEN ||
	    smw_crc32c(0, hdr, SMR_MH_CRC) != smw_get_le32(hdr + SMR_MH_CRC))
		goto out;
	count = smw_get_le64(hdr + SMR_MH_PAGE_COUNT);
	if (fstat(fd, &sb) < 0) {
		ret = -errno;
		goto out;
	}
	if (count == 0 || count > SMW_MAX_GUEST_PAGES ||
	    (u64)sb.st_size != SMR_META_HDR_LEN + count * SMR_META_ENTRY_LEN)
		goto out;
	meta = malloc((size_t)count * SMR_META_ENTRY_LEN);
	if (!meta) {
		ret = -ENOMEM;
		goto out;
	}
	ret = smr_read_all(fd, meta, (size_t)count * SMR_META_ENTRY_LEN);
	if (ret)
		goto out;
	smr_meta_header(check, meta, count, smw_get_le32(hdr + SMR_MH_FLAGS),
			smw_get_le32(hdr + SMR_MH_ROUNDS));
	if (memcmp(check, hdr, sizeof(hdr)) != 0) {
		ret = -EINVAL;
		goto out;
	}
	*page_count = count;
	*flags = smw_get_le32(hdr + SMR_MH_FLAGS);
	*rounds = smw_get_le32(hdr + SMR_MH_ROUNDS);
out:
	close(fd);
	if (ret) {
		free(meta);
		errno = -ret;
		return NULL;
	}
	return meta;
}
