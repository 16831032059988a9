"""gunicorn's defaults for pbx (`make run`, the benchmarks, schemathesis); command-line
options override them.

Threaded workers: a sync worker is killed once one request outlasts `timeout` (30 s),
and a CDR export of millions of rows streams for minutes. A gthread worker's main
thread keeps telling the master it is alive while its threads serve, so `timeout`
then guards against a hung process rather than a long download.
"""

worker_class = "gthread"
threads = 4
