"""Two `run_cronjobs` at the same moment on PostgreSQL: each due job runs exactly once
(SKIP LOCKED and the conditional UPDATE of next_run_at in campaigns/cron.py)."""

import datetime
import io
import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from campaigns.models import CronJob
from tests.factories import FlowFactory, TenantFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks with SKIP LOCKED need PostgreSQL"
)


@pytest.mark.django_db(transaction=True)
def test_two_runners_at_once_run_each_due_job_once():
    tenant = TenantFactory(code="RACE")
    jobs = []
    for n in range(40):
        flow = FlowFactory(tenant=tenant, state="day")
        jobs.append(
            CronJob.objects.create(
                tenant=tenant, name=f"Night {n}", schedule="0 20 * * *", task="flow.night", flow=flow
            )
        )
    CronJob.objects.update(next_run_at=timezone.now() - datetime.timedelta(minutes=1))

    start = threading.Barrier(2)
    outputs, errors = [], []

    def runner():
        try:
            start.wait()
            out = io.StringIO()
            call_command("run_cronjobs", stdout=out, stderr=io.StringIO())
            outputs.append(out.getvalue())
        except Exception as error:  # reported below, with the thread's own message
            errors.append(error)
        finally:
            connections.close_all()  # each thread has its own connection

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert not errors, errors
    counts = list(CronJob.objects.order_by("pk").values_list("run_count", flat=True))
    assert counts == [1] * 40
    ran = [int(text.rsplit("Ran ", 1)[1].split(" ", 1)[0]) for text in outputs]
    assert sum(ran) == 40, outputs
    assert all(job.next_run_at > timezone.now() for job in CronJob.objects.all())
