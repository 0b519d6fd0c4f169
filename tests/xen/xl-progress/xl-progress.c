/*
 * xl-progress.so: lets stock xl's migration progress reach its log.
 *
 * While `xl migrate` sends, xl sets XTL_STDIOSTREAM_HIDE_PROGRESS on its
 * logger, so libxc's lines "Frames iteration N: done/total" never reach
 * stderr and xl's log says nothing of its rounds.  The bench needs those
 * rounds (pages sent per iteration: the writable working set), so it runs
 * `selfmig migrate` with this library in LD_PRELOAD: it passes every flag
 * change on to libxentoollog but that one.  Nothing else in xl changes.
 * Only the bench loads it (tests/xen/scenarios/bench-modes.sh).
 */
#include <dlfcn.h>
#include <stdio.h>
#include <xentoollog.h>

typedef void adjust_fn(xentoollog_logger_stdiostream *, unsigned, unsigned);

void xtl_stdiostream_adjust_flags(xentoollog_logger_stdiostream *lg,
				  unsigned set_flags, unsigned clear_flags)
{
	static adjust_fn *real;

	if (!real) {
		void *sym = dlsym(RTLD_NEXT, "xtl_stdiostream_adjust_flags");

		if (!sym) {
			fprintf(stderr, "xl-progress: no xtl_stdiostream_adjust_flags to pass on\n");
			return;
		}
		real = (adjust_fn *)sym;
	}
	real(lg, set_flags & ~(unsigned)XTL_STDIOSTREAM_HIDE_PROGRESS, clear_flags);
}
