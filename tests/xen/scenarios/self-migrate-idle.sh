# about: self-migration of an idle guest (the counter and the prober only): the hook copies under 1% of its pages at the switch
# timeout: 900
#
# The self-migrate scenario without the TCP stream, which keeps the guest's
# network busy; the counter, the data file, the prober and the one-guest
# check remain.  The hook's share of the guest's pages at the switch must
# be under 1% (the final set, plus any frame populated during pre-copy).
SELF_TCP=0
SELF_MAX_HOOK_PCT=1
. /host/tests/xen/scenarios/self-migrate.sh
