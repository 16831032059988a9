"""The admin's start page at `/admin/`: what a tenant administrator checks every morning.

Per tenant within reach: the phones registered now (Kamailio's location table, as the
API's `?registered=true`), the calls of today and the share answered, the last 24 hours'
calls per hour, the latest changes and who made them, and the webhooks whose deliveries
fail. A platform administrator gets the same totals over every tenant, then one row per
tenant (a page of them), each linking to that tenant's own dashboard (`?tenant=CODE`).

The figures are the API's: calls and the share answered come from `cdrs.stats` (what
`GET /api/cdrs/stats/` answers), registrations from the extensions API's
`registered_now()`. The page costs a constant number of queries whatever the number of
tenants: every per-tenant figure is one GROUP BY over the tenants of the page.
"""

import datetime
import zoneinfo

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, Max, Q
from django.http import Http404
from django.utils import timezone

from cdrs import stats
from cdrs.models import CallRecord
from extensions.api.registrations import registered_now
from extensions.models import Extension
from pbx.models import ChangeLog
from tenants.models import Tenant
from webhooks.models import Delivery, Webhook

TENANTS_PER_PAGE = 25
RECENT_CHANGES = 10
FAILING_WEBHOOKS = 10


def stats_time_zone():
    """The zone of "today" and of the hours: the API's default for /api/cdrs/stats/."""
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def day_start(now, tz):
    """Midnight of `now`'s day in `tz`: where "calls today" begins."""
    local = now.astimezone(tz)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


class Dashboard:
    """The figures of the dashboard for one request: `tenant_ids` is the reach (None for
    every tenant), narrowed to one tenant by `?tenant=CODE`."""

    def __init__(self, request, tenant_ids, now=None):
        self.request = request
        self.now = now or timezone.now()
        self.tz = stats_time_zone()
        self.today = day_start(self.now, self.tz)
        self.since = self.now - datetime.timedelta(hours=24)
        self.every_tenant = tenant_ids is None  # a platform administrator
        self.tenant = self._chosen_tenant(request.GET.get("tenant"), tenant_ids)
        if self.tenant is not None:
            tenant_ids = {self.tenant.pk}
        self.tenant_ids = tenant_ids

    @staticmethod
    def _chosen_tenant(code, tenant_ids):
        """The tenant of `?tenant=CODE` if within reach; another tenant's code is not found,
        as an unknown one is."""
        if not code:
            return None
        tenants = Tenant.objects.filter(code=code.strip().upper())
        if tenant_ids is not None:
            tenants = tenants.filter(pk__in=tenant_ids)
        tenant = tenants.first()
        if tenant is None:
            raise Http404("No such tenant.")
        return tenant

    def _of_reach(self, queryset, field="tenant_id"):
        if self.tenant_ids is None:
            return queryset
        return queryset.filter(**{f"{field}__in": self.tenant_ids})

    # --- the figures --------------------------------------------------------------------

    def calls_today(self):
        """What `GET /api/cdrs/stats/?start__gte=<today's midnight>` answers."""
        return stats.call_stats(
            self._of_reach(CallRecord.objects.filter(start__gte=self.today)), "hour", self.tz
        )

    def last_24_hours(self):
        """What `GET /api/cdrs/stats/?cdr_hours=24` answers, its hours in clock order
        ending with the current hour (the API keys them by hour of the day)."""
        answer = stats.call_stats(
            self._of_reach(CallRecord.objects.filter(start__gte=self.since)), "hour", self.tz
        )
        current = self.now.astimezone(self.tz).hour
        hours = [answer["distribution"][(current + 1 + offset) % 24] for offset in range(24)]
        peak = max((hour["calls"] for hour in hours), default=0)
        for hour in hours:
            hour["height"] = round(100 * hour["calls"] / peak) if peak else 0
            hour["answered_height"] = round(100 * hour["answered"] / peak) if peak else 0
        return {**answer, "hours": hours, "peak": peak}

    def phones(self):
        """(registered now, extensions): `?registered=true` and the extensions' count."""
        extensions = self._of_reach(Extension.objects.all())
        return extensions.aggregate(
            registered=Count("id", filter=Q(registered_now())), extensions=Count("id")
        )

    def recent_changes(self):
        changes = ChangeLog.objects.order_by("-time", "-id")
        if self.tenant_ids is not None:
            changes = changes.filter(tenant_id__in=self.tenant_ids)
        return list(changes[:RECENT_CHANGES])

    def failing_webhooks(self):
        """Webhooks with deliveries that died or are being retried, worst first, each with
        its endpoint and last error (`GET /api/webhook-deliveries/?status=dead`)."""
        webhooks = (
            Webhook.objects.all()
            if self.tenant_ids is None
            else Webhook.objects.filter(tenant_id__in=self.tenant_ids)
        )
        dead = Q(deliveries__status=Delivery.Status.DEAD)
        retrying = Q(deliveries__status=Delivery.Status.PENDING, deliveries__tries__gt=0)
        return list(
            webhooks.select_related("tenant")
            .annotate(
                dead=Count("deliveries", filter=dead),
                retrying=Count("deliveries", filter=retrying),
                last_failure=Max("deliveries__created_at", filter=dead | retrying),
            )
            .filter(Q(dead__gt=0) | Q(retrying__gt=0) | Q(enabled=False, dead_in_a_row__gt=0))
            .order_by("-dead_in_a_row", "-dead", "-retrying", "id")[:FAILING_WEBHOOKS]
        )

    def tenant_rows(self):
        """One row per tenant within reach (a page of them): its figures in one GROUP BY
        per figure over the page's tenants, however many tenants there are."""
        tenants = Tenant.objects.order_by("code")
        if self.tenant_ids is not None:
            tenants = tenants.filter(pk__in=self.tenant_ids)
        page = Paginator(tenants.only("id", "code", "name"), TENANTS_PER_PAGE).get_page(
            self.request.GET.get("page")
        )
        ids = [tenant.pk for tenant in page]
        phones = _by_tenant(
            Extension.objects.filter(tenant_id__in=ids),
            registered=Count("id", filter=Q(registered_now())),
            extensions=Count("id"),
        )
        calls = _by_tenant(
            CallRecord.objects.filter(tenant_id__in=ids, start__gte=self.today),
            calls=Count("id"),
            answered=Count("id", filter=stats.ANSWERED),
        )
        rows = []
        for tenant in page:
            tenant_calls = calls.get(tenant.pk, {"calls": 0, "answered": 0})
            rows.append(
                {
                    "tenant": tenant,
                    **phones.get(tenant.pk, {"registered": 0, "extensions": 0}),
                    **tenant_calls,
                    "ratio": round(tenant_calls["answered"] / tenant_calls["calls"], 4)
                    if tenant_calls["calls"]
                    else None,
                }
            )
        return page, rows

    def context(self):
        """The template's context: every figure, each read once."""
        page, rows = self.tenant_rows()
        return {
            "dashboard_tenant": self.tenant,
            "dashboard_today": self.today,
            "dashboard_now": self.now,
            "dashboard_time_zone": self.tz.key,
            "calls_today": self.calls_today(),
            "last_24_hours": self.last_24_hours(),
            "phones": self.phones(),
            "recent_changes": self.recent_changes(),
            "failing_webhooks": self.failing_webhooks(),
            "tenant_page": page,
            "tenant_rows": rows,
            # One row per tenant for the platform, or for an administrator of several.
            "show_tenant_rows": self.tenant is None and (self.every_tenant or page.paginator.count > 1),
        }


def _by_tenant(queryset, **figures):
    """{tenant id: {figure: value}} in one GROUP BY."""
    return {row.pop("tenant_id"): row for row in queryset.order_by().values("tenant_id").annotate(**figures)}
