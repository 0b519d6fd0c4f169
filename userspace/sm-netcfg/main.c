// SPDX-License-Identifier: GPL-2.0
/*
 * sm-netcfg: switch a network interface's transmit checksum offload, for
 * the testbed's experiments (docs/testbed.md).  With offload on, the guest
 * hands netfront TCP segments whose checksum nobody computes over the data
 * (dom0 trusts them), so bytes that change between the guest and dom0's
 * socket go unnoticed; with it off, the guest's CPU sums every segment and
 * dom0's TCP drops a segment that changed on the way, and has it sent again.
 *
 *   sm-netcfg --tx-csum on|off IFACE
 *   sm-netcfg IFACE                  prints the current setting
 */
#include <errno.h>
#include <getopt.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "args.h"
#include "options.h"

static int ethtool(int fd, const char *ifname, struct ethtool_value *v)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)v;
	return ioctl(fd, SIOCETHTOOL, &ifr);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: sm-netcfg [--tx-csum on|off] IFACE\n");
}

int main(int argc, char **argv)
{
	static const int ids[] = { SMC_O_TX_CSUM, SMC_O_HELP, 0 };
	static const char *const onoff[] = { "off", "on" };
	struct ethtool_value v;
	struct smc_optvals ov;
	int fd, set = -1;
	const char *ifname;
	char err[160];

	if (smc_optvals(argc, argv, "", ids, &ov, err, sizeof(err)))
		return smc_usage_error("sm-netcfg", err, usage);
	if (ov.val[SMC_O_HELP])
		return smc_usage_exit('h', usage);
	if (ov.val[SMC_O_TX_CSUM]) {
		set = SMC_NAME_INDEX(ov.val[SMC_O_TX_CSUM], onoff);
		if (set < 0) {
			fprintf(stderr, "sm-netcfg: --tx-csum takes on or off, not '%s'\n",
				ov.val[SMC_O_TX_CSUM]);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	ifname = argv[optind];
	if (strlen(ifname) >= IFNAMSIZ) {
		fprintf(stderr, "sm-netcfg: interface name '%s' is too long\n", ifname);
		return 2;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("sm-netcfg: socket");
		return 1;
	}
	if (set >= 0) {
		v.cmd = ETHTOOL_STXCSUM;
		v.data = (unsigned int)set;
		if (ethtool(fd, ifname, &v)) {
			fprintf(stderr, "sm-netcfg: %s: cannot switch tx checksum offload %s: %s\n",
				ifname, set ? "on" : "off", strerror(errno));
			close(fd);
			return 1;
		}
	}
	v.cmd = ETHTOOL_GTXCSUM;
	v.data = 0;
	if (ethtool(fd, ifname, &v)) {
		fprintf(stderr, "sm-netcfg: %s: cannot read tx checksum offload: %s\n",
			ifname, strerror(errno));
		close(fd);
		return 1;
	}
	printf("%s tx-csum %s\n", ifname, v.data ? "on" : "off");
	close(fd);
	return set >= 0 && (int)!!v.data != set;
}
