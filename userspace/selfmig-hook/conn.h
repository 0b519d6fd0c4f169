/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's connection in selfmig-hook self (conn.c).
 *
 * The guest takes an orderly end of its connection, after its stream's END,
 * as the hook's word that every page reached xl, and then suspends itself.
 * Every other end must therefore reach it as a reset, including the close
 * the kernel makes for a hook that is killed: from the moment it is
 * accepted, the connection is set to close with a reset (SO_LINGER with no
 * time), and only hk_conn_tell() closes it in order.
 */
#ifndef SELFMIG_HOOK_CONN_H
#define SELFMIG_HOOK_CONN_H

/* Make every close of fd a reset; 0, or -1 with errno. */
int hk_conn_arm(int fd);
/*
 * The word: close fd in order (FIN).  0; or -1 with errno, fd still open
 * and armed, when the reset could not be taken off.
 */
int hk_conn_tell(int fd);
/* Close fd with a reset, armed or not. */
void hk_conn_reset(int fd);

#endif /* SELFMIG_HOOK_CONN_H */
