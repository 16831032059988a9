"""manage.py run_webhooks [--once] [--concurrency N] [--batch N] [--poll SECONDS] [--metrics-port N]"""

import concurrent.futures
import signal
import threading

from django.core.management.base import CommandError
from django.db import close_old_connections, connection

from pbx.management.base import PbxCommand
from pbx.metrics import server as metrics_server
from webhooks import delivery


class Command(PbxCommand):
    """The delivery worker: claims due deliveries (SKIP LOCKED on PostgreSQL, so run as
    many workers as you like, on one machine or many), sends them with N threads, records
    every attempt, retries with backoff. SIGTERM or SIGINT: stop claiming, finish the
    sends under way, give back the claimed ones not yet started, exit 0."""

    help = "Deliver webhook events (run several for more throughput; each delivery goes out once at a time)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="send what is due now, then exit")
        parser.add_argument("--concurrency", type=int, default=4, metavar="N", help="sending threads (4)")
        parser.add_argument(
            "--batch", type=int, default=0, metavar="N", help="claimed at a time (25 per thread)"
        )
        parser.add_argument(
            "--poll", type=float, default=1.0, metavar="SECONDS", help="pause when nothing is due (1)"
        )
        metrics_server.add_arguments(parser)  # --metrics-port, --metrics-address

    def handle(self, *args, once=False, concurrency=4, batch=0, poll=1.0, **options):
        if concurrency < 1 or concurrency > 256:
            raise CommandError("--concurrency takes a number of threads from 1 to 256.")
        if poll <= 0:
            raise CommandError("--poll takes a positive number of seconds.")
        batch = batch if batch > 0 else 25 * concurrency
        if options.get("metrics_port") is not None and once:
            raise CommandError("--metrics-port needs a running worker: leave out --once.")
        server = metrics_server.serve(self, options)
        stopping = threading.Event()
        previous = {}
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGTERM, signal.SIGINT):
                previous[signum] = signal.signal(signum, lambda *_: stopping.set())
        sent = ok = 0
        try:
            with concurrent.futures.ThreadPoolExecutor(
                concurrency, thread_name_prefix="webhook-send"
            ) as pool:
                while not stopping.is_set():
                    if not connection.in_atomic_block:  # (called inside a test's transaction)
                        close_old_connections()  # a long-lived worker outlives a database restart
                    token, ids = delivery.claim(batch)
                    if not ids:
                        if once:
                            break
                        stopping.wait(poll)
                        continue
                    outcomes = delivery.process(token, ids, pool, stopping)
                    done = [o for o in outcomes if not o.released]
                    sent += len(done)
                    ok += sum(o.ok for o in done)
                    if options.get("verbosity", 1) > 1:
                        self.stdout.write(f"{len(done)} sent, {sum(o.ok for o in done)} delivered.")
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            metrics_server.stop(server)
        why = "stopped" if stopping.is_set() else "nothing more is due"
        self.stdout.write(f"Sent {sent} deliveries, {ok} delivered, {sent - ok} failed; {why}.")
