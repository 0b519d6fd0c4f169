# about: the testbed's own check: a scenario that outruns its limit; dom0 must say what every process was waiting for before it kills it
# timeout: 60
#
# make check runs it as "testbed-hang testbed-wedge boot".  dom0-run writes
# its hang report to the console 40 s in (two thirds of the limit), kills
# the scenario at 60 s and gives the verdict "scenario timed out"; the host
# prints the report with the verdict.  The report tells a stalled 9p share,
# a wedged xenstored and a blocked program of ours apart: it is how a
# scenario that once hung in CI with empty logs will be explained next time.
step "blocking on a FIFO nobody writes"
mkfifo /tmp/testbed-hang.fifo
cat /tmp/testbed-hang.fifo
