# about: self-migration with --verify: at the switch the hook compares every pre-copied page outside the final set with what it forwarded to the destination; 0 missed pages
# timeout: 900
#
# The self-migrate scenario (same witnesses: counter, data, TCP stream,
# prober, one guest), with selfmig migrate --verify.  The guest stays
# suspended while the hook reads it all, so the stop is longer than without.
SELF_VERIFY=1
. /host/tests/xen/scenarios/self-migrate.sh
