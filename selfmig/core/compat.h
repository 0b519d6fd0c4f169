/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Types and library calls shared by the selfmig core code, which is built
 * both into the guest kernel module and into userspace programs.
 *
 * Core code may only use the fixed-width types below and memcpy, memset,
 * memcmp and strlen.  It never allocates memory: callers pass buffers in.
 */
#ifndef SELFMIG_CORE_COMPAT_H
#define SELFMIG_CORE_COMPAT_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/string.h>
#include <linux/errno.h>
#else
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <errno.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;
#endif

/* Little-endian accessors for wire bytes; no alignment is assumed. */
static inline u16 smw_get_le16(const u8 *p)
{
	return (u16)(p[0] | (p[1] << 8));
}

static inline u32 smw_get_le32(const u8 *p)
{
	return (u32)p[0] | ((u32)p[1] << 8) | ((u32)p[2] << 16) |
	       ((u32)p[3] << 24);
}

static inline u64 smw_get_le64(const u8 *p)
{
	return (u64)smw_get_le32(p) | ((u64)smw_get_le32(p + 4) << 32);
}

static inline void smw_put_le16(u8 *p, u16 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
}

static inline void smw_put_le32(u8 *p, u32 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
	p[2] = (u8)(v >> 16);
	p[3] = (u8)(v >> 24);
}

static inline void smw_put_le64(u8 *p, u64 v)
{
	smw_put_le32(p, (u32)v);
	smw_put_le32(p + 4, (u32)(v >> 32));
}

#endif /* SELFMIG_CORE_COMPAT_H */
