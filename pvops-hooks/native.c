// SPDX-License-Identifier: GPL-2.0
/*
 * The native platform: the guest kernel on a plain emulated PC, with no
 * hypervisor.  It exists so that the pre-copy engine can prove itself on a
 * single-level machine, where the emulator's own memory dump is the oracle
 * (tests/native/run).
 *
 *  - Frames written behind the CPUs' backs are those virtio devices write
 *    by DMA: the virtio ring reports every device-writable buffer it takes
 *    back, and at the freeze every one the devices still hold (patches/0006).
 *  - The secret comes from the write-only parameter "key" (one authkey.h
 *    line), which the driver of the test writes right before a migration;
 *    it is wiped once read.
 *  - The freeze stops every CPU with interrupts off.  One CPU builds the
 *    final set (the buffers the devices hold in it, since they may still
 *    write them), says "SELFMIG FROZEN final-set=<gfn>" on the control UART
 *    (COM2 unless native_port says otherwise) by polled I/O, and waits
 *    there for one byte back while the host dumps memory.  Then everything
 *    resumes, as a cancelled migration.  The devices are left running:
 *    freezing them, as a suspend does, wrote some 850 frames (their state,
 *    mostly in slab pages) into an idle guest's final set, three times what
 *    the guest itself had written.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/stop_machine.h>
#include <linux/delay.h>
#include <linux/string.h>
#include <linux/virtio.h>
#include <linux/atomic.h>
#include <asm/io.h>

#include "selfmig.h"
#include "authkey.h"
#include "hooks.h"

static char native_key[SMK_LINE_LEN + 2];
module_param_string(key, native_key, sizeof(native_key), 0200);
MODULE_PARM_DESC(key, "Native platform only: the next migration's secret, one authkey line (write-only, wiped once read)");

static unsigned int native_port = 0x2f8;
module_param(native_port, uint, 0444);
MODULE_PARM_DESC(native_port, "Native platform only: I/O port of the control UART used at the freeze (default 0x2f8, COM2)");

static unsigned int native_freeze_s = 600;
module_param(native_freeze_s, uint, 0644);
MODULE_PARM_DESC(native_freeze_s, "Native platform only: longest stop at the freeze, waiting for the host, in seconds (default 600)");

/* The final set's descriptor frame, as the engine published it. */
static char native_final_set[32];

/* 16550 registers, as offsets from the base port. */
#define UART_DATA	0
#define UART_LSR	5
#define UART_LSR_DR	0x01	/* a byte has arrived */
#define UART_LSR_THRE	0x20	/* room for a byte */

static void native_uart_puts(const char *s)
{
	for (; *s; s++) {
		unsigned int spins = 100000;

		while (!(inb(native_port + UART_LSR) & UART_LSR_THRE) && --spins)
			udelay(1);
		outb(*s, native_port + UART_DATA);
	}
}

/* Wait for one byte from the host; false if none came in time. */
static bool native_uart_wait(unsigned int seconds)
{
	u64 ms = (u64)seconds * MSEC_PER_SEC;

	/* Drop whatever arrived before the question. */
	while (inb(native_port + UART_LSR) & UART_LSR_DR)
		inb(native_port + UART_DATA);
	while (ms--) {
		if (inb(native_port + UART_LSR) & UART_LSR_DR) {
			inb(native_port + UART_DATA);
			return true;
		}
		mdelay(1);
	}
	return false;
}

/*
 * The frames of a guest-physical range: as written by others, to be taken
 * at the next scan (@now false), or straight into the pending set (@now
 * true: at the freeze, after the frames written by others were taken).
 */
static void native_mark(struct selfmig_tracker *t, u64 addr, u32 len, bool now)
{
	unsigned long pfn, last;

	if (!len)
		return;
	last = PHYS_PFN(addr + len - 1);
	for (pfn = PHYS_PFN(addr); pfn <= last; pfn++) {
		if (now)
			selfmig_tracker_mark_pending(t, pfn);
		else
			selfmig_tracker_mark_foreign(t, pfn);
	}
}

/* A device-writable buffer came back: the device may have written it. */
static void native_device_wrote(u64 addr, u32 len, void *data)
{
	native_mark(data, addr, len, false);
}

static int native_track_start(struct selfmig_tracker *t)
{
	int ret = virtio_set_device_write_observer(native_device_wrote, t);

	if (ret)
		pr_err("cannot observe virtio devices' writes (%d): another user?\n", ret);
	return ret;
}

static void native_track_stop(struct selfmig_tracker *t)
{
	virtio_clear_device_write_observer();
}

/* Set while every CPU is stopped at the freeze: the queues stand still. */
static bool native_frozen;

/* A device holds this buffer at the freeze: it may write it at any moment. */
static void native_device_holds(u64 addr, u32 len, void *data)
{
	native_mark(data, addr, len, true);
}

/*
 * The buffers the devices hold: they may be written at any moment.  Only
 * at the freeze, when the rings stand still; before it, a buffer is
 * reported when it comes back (native_device_wrote()), and sent in the
 * round after.
 */
static void native_foreign_frames(struct selfmig_tracker *t)
{
	if (READ_ONCE(native_frozen))
		virtio_report_device_writable(native_device_holds, t);
}

static int native_publish(const char *key, const char *val)
{
	if (!strcmp(key, "final-set"))
		strscpy(native_final_set, val, sizeof(native_final_set));
	pr_debug("%s: %s\n", key, val);
	return 0;
}

static int native_read_key(const u8 id[SMW_ID_LEN], u8 key[SMW_KEY_LEN])
{
	size_t len = strnlen(native_key, sizeof(native_key));
	u8 kid[SMW_ID_LEN];
	int ret;

	if (len && native_key[len - 1] == '\n')
		len--;
	if (!len) {
		pr_err("no migration secret: write one to /sys/module/selfmig/parameters/key first\n");
		return -EACCES;
	}
	ret = smk_parse(native_key, len, kid, key);
	memzero_explicit(native_key, sizeof(native_key));
	if (ret) {
		pr_err("parameter key is not a valid key line\n");
		return -EACCES;
	}
	if (memcmp(kid, id, SMW_ID_LEN)) {
		pr_err("parameter key is for migration %*phN, not %*phN\n",
		       (int)SMW_ID_LEN, kid, (int)SMW_ID_LEN, id);
		memzero_explicit(key, SMW_KEY_LEN);
		return -EACCES;
	}
	return 0;
}

struct native_park {
	const struct selfmig_freeze *f;
	atomic_t arrived;
	atomic_t parked;
	int released;
	bool answered;
};

/*
 * Every online CPU runs this with interrupts off.  The followers only
 * spin on a flag they read: nothing they do writes memory behind the final
 * scan.  The first CPU to arrive leads: it waits for the others, builds the
 * final set, tells the host and waits for its answer.
 */
static int native_park(void *arg)
{
	struct native_park *p = arg;
	char line[80];

	if (atomic_inc_return(&p->arrived) != 1) {
		atomic_inc(&p->parked);
		while (!READ_ONCE(p->released))
			cpu_relax();
		return 0;
	}
	while (atomic_read(&p->parked) < num_online_cpus() - 1)
		cpu_relax();
	/* Written before the final scan, so the scan sees this page's change. */
	WRITE_ONCE(native_frozen, true);
	p->f->before(p->f->data);
	snprintf(line, sizeof(line), "\nSELFMIG FROZEN final-set=%s\n",
		 native_final_set[0] ? native_final_set : "none");
	native_uart_puts(line);
	p->answered = native_uart_wait(native_freeze_s);
	WRITE_ONCE(p->released, 1);
	return 0;
}

static int native_freeze(const struct selfmig_freeze *f)
{
	struct native_park p = { .f = f };
	int ret;

	ret = stop_machine(native_park, &p, cpu_online_mask);
	WRITE_ONCE(native_frozen, false);
	if (ret) {
		pr_err("freeze: cannot stop the CPUs: %d\n", ret);
		return ret;
	}
	if (!p.answered)
		pr_warn("freeze: no answer from the host within %u s; going on\n",
			native_freeze_s);
	f->after(true, f->data);
	return 0;
}

static void native_freeze_end(void)
{
}

static const struct selfmig_platform selfmig_native_platform = {
	.name = "native",
	.track_start = native_track_start,
	.track_stop = native_track_stop,
	.foreign_frames = native_foreign_frames,
	.publish = native_publish,
	.read_key = native_read_key,
	.freeze = native_freeze,
	.freeze_end = native_freeze_end,
};

const struct selfmig_platform *selfmig_native_init(void)
{
	return &selfmig_native_platform;
}
