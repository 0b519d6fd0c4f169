// SPDX-License-Identifier: GPL-2.0
/*
 * selfmig-workload netsend: checksummed messages to netrecv over UDP and
 * TCP.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include "run.h"

int smwl_run_netsend(void)
{
	static uint8_t buf[SMWL_MSG_HDR + NET_TCP_MAXPAY];
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(smwl_opt.port) };
	uint64_t tcp_msgs = 0, tcp_bytes = 0, udp_msgs = 0, udp_drops = 0, udp_bytes = 0;
	uint64_t last_bytes = 0, last_t, tries = 0;
	uint32_t run = (uint32_t)smwl_rng_next(&smwl_rand) | 1;
	struct smwl_pacer pc;
	int udp, tcp = -1, rc = 0;

	inet_pton(AF_INET, smwl_opt.target, &sa.sin_addr);
	udp = socket(AF_INET, SOCK_DGRAM, 0);
	if (udp < 0 || connect(udp, (struct sockaddr *)&sa, sizeof(sa))) {
		smwl_say("udp to %s:%u: %s", smwl_opt.target, smwl_opt.port, strerror(errno));
		return smwl_finish(1);
	}
	/* The receiver may not be up yet: keep trying to connect. */
	while (!smwl_stopping()) {
		tcp = socket(AF_INET, SOCK_STREAM, 0);
		if (tcp >= 0 && connect(tcp, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			break;
		if (++tries == 1)
			smwl_say("connecting to %s:%u: %s (retrying)", smwl_opt.target, smwl_opt.port,
			    strerror(errno));
		if (tcp >= 0)
			close(tcp);
		tcp = -1;
		smwl_sleep_ns(500000000);
	}
	if (tcp < 0) {
		smwl_say("done t=%.1fs not connected result=error", smwl_elapsed_s());
		return smwl_finish(1);
	}
	smwl_say("connected to %s:%u run %" PRIu32, smwl_opt.target, smwl_opt.port, run);
	smwl_pacer_init(&pc);
	last_t = smwl_now_ns();
	while (!smwl_stopping()) {
		size_t len = smwl_msg_encode(buf, sizeof(buf), run, tcp_msgs,
					     1 + (uint32_t)smwl_rng_below(&smwl_rand, NET_TCP_MAXPAY));

		if (smwl_write_all(tcp, buf, len)) {
			if (smwl_stop)
				break;
			smwl_say("tcp connection lost: %s", strerror(errno));
			rc = 1;
			break;
		}
		tcp_msgs++;
		tcp_bytes += len;
		len = smwl_msg_encode(buf, sizeof(buf), run, udp_msgs,
				      (uint32_t)smwl_rng_below(&smwl_rand, NET_UDP_MAXPAY + 1));
		if (send(udp, buf, len, MSG_DONTWAIT) == (ssize_t)len)
			udp_bytes += len;
		else
			udp_drops++;
		udp_msgs++;		/* a sequence number is used up either way */
		smwl_pace(&pc, tcp_bytes + udp_bytes - pc.bytes);
		if (smwl_report_due()) {
			uint64_t t = smwl_now_ns(), b = tcp_bytes + udp_bytes;

			smwl_say("t=%.1fs tcp_msgs=%" PRIu64 " udp_msgs=%" PRIu64 " udp_drops=%"
			    PRIu64 " MiB=%.1f MiB_s=%.1f", smwl_elapsed_s(), tcp_msgs, udp_msgs,
			    udp_drops, (double)b / MIB,
			    (double)(b - last_bytes) / MIB / ((double)(t - last_t) / 1e9));
			last_bytes = b;
			last_t = t;
		}
	}
	close(tcp);
	close(udp);
	smwl_say("done t=%.1fs tcp_msgs=%" PRIu64 " udp_msgs=%" PRIu64 " udp_drops=%" PRIu64
	    " MiB=%.1f result=%s", smwl_elapsed_s(), tcp_msgs, udp_msgs, udp_drops,
	    (double)(tcp_bytes + udp_bytes) / MIB, rc ? "error" : "ok");
	return rc ? EXIT_ERR : 0;
}
