"""manage.py run_cronjobs [--loop SECONDS] [--metrics-port N [--metrics-address ADDRESS]]"""

import time

from django.core.management.base import CommandError
from django.utils import timezone

from campaigns import cron
from pbx.management.base import PbxCommand
from pbx.metrics import server as metrics_server


class Command(PbxCommand):
    """Run the cron jobs that are due, each exactly once however many runners there are
    (see campaigns/cron.py); print one line per job and a summary. Run it every minute
    from the system's cron, or keep it running with --loop."""

    help = "Run the cron jobs that are due (each once, even with several runners)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--loop", type=int, metavar="SECONDS", help="keep running, looking for due jobs every SECONDS"
        )
        metrics_server.add_arguments(parser)  # --metrics-port, --metrics-address

    def handle(self, *args, loop=None, **options):
        if loop is not None and loop < 1:
            raise CommandError("--loop takes a number of seconds of at least 1.")
        if options.get("metrics_port") is not None and loop is None:
            raise CommandError(
                "--metrics-port needs --loop: a single pass exits before anyone could scrape it."
            )
        server = metrics_server.serve(self, options)
        try:
            while True:
                failed = self.run_due()
                if loop is None:
                    break
                time.sleep(loop)
        finally:
            metrics_server.stop(server)
        if failed:
            raise CommandError(f"{failed} cron job(s) failed: see the lines above.")

    def run_due(self):
        """One pass over the due jobs; returns how many failed."""
        now = timezone.now()
        due = cron.due_jobs(now)
        if not due:
            self.stdout.write("No cron job is due.")
            return 0
        self.stdout.write(f"{len(due)} cron job(s) due at {now:%Y-%m-%d %H:%M:%S} UTC.")
        ran = ok_count = 0
        for index, pk in enumerate(due, 1):
            outcome = cron.claim_and_run(pk, now)
            if outcome is None:
                self.stdout.write(f"[{index}/{len(due)}] job {pk}: taken by another runner, skipped.")
                continue
            job, ok, message = outcome
            ran += 1
            ok_count += ok
            where = job.tenant.code if job.tenant_id else "global"
            line = f"[{index}/{len(due)}] {job.name} ({where}, {job.task}): {message}"
            if ok:
                self.stdout.write(line)
            else:
                self.stderr.write(f"{line} [failed]")
        self.stdout.write(f"Ran {ran} of {len(due)}: {ok_count} ok, {ran - ok_count} failed.")
        return ran - ok_count
