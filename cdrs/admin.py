"""The CDR admin: a read-only list with filters and a CSV export action, and one
tenant's last 24 hours with a chart of calls per hour, drawn on the server (no script).

Records are history: nobody adds, changes or deletes them here (retention does).
The list never counts a whole table: on PostgreSQL, an unfiltered list takes the
planner's estimate, and the filters' counts are left out.
"""

import datetime as dt

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Q
from django.db.models.functions import TruncHour
from django.http import Http404
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html

from cdrs import export
from cdrs.api import CallRecordSerializer
from cdrs.models import CallRecord
from cdrs.stats import call_stats
from pbx.admin import TenantScopedAdmin, tenant_ids_of
from pbx.api.renderers import csv_download
from pbx.api.serializers import DetailUrlField
from tenants.models import Tenant


class EstimatedCountPaginator(Paginator):
    """Counts a filtered list; takes PostgreSQL's estimate for the whole table."""

    @cached_property
    def count(self):
        query = getattr(self.object_list, "query", None)
        if connection.vendor == "postgresql" and query is not None and not query.where:
            with connection.cursor() as cursor:
                # The sum of the partitions' estimates: autovacuum analyzes each month,
                # never the partitioned parent (whose own figure stays -1).
                table = CallRecord._meta.db_table
                cursor.execute(
                    "SELECT coalesce(sum(greatest(reltuples, 0)), 0)::bigint FROM pg_class "
                    "WHERE relkind = 'r' AND (oid = to_regclass(%s) OR oid IN "
                    "(SELECT inhrelid FROM pg_inherits WHERE inhparent = to_regclass(%s)))",
                    [table, table],
                )
                row = cursor.fetchone()
            if row and row[0] > 10_000:
                return row[0]
        return super().count


class StartedFilter(admin.SimpleListFilter):
    """Recent periods, instead of a date hierarchy that scans every row for its dates."""

    title = "started"
    parameter_name = "started"
    PERIODS = {"24h": ("Last 24 hours", dt.timedelta(hours=24)), "7d": ("Last 7 days", dt.timedelta(days=7)),
               "30d": ("Last 30 days", dt.timedelta(days=30))}  # fmt: skip

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _) in self.PERIODS.items()]

    def queryset(self, request, queryset):
        period = self.PERIODS.get(self.value())
        return queryset if period is None else queryset.filter(start__gte=timezone.now() - period[1])


@admin.register(CallRecord)
class CallRecordAdmin(TenantScopedAdmin):
    """Call detail records, read only, newest first."""

    list_display = ["start", "tenant_link", "direction", "caller_number", "destination_number",
                    "disposition", "duration", "billsec"]  # fmt: skip
    list_filter = [StartedFilter, "direction", "disposition"]
    # Prefix and exact searches only: they use the indexes; `contains` would scan.
    search_fields = ["=call_id", "^caller_number", "^destination_number"]
    ordering = ["-start", "-id"]
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    list_per_page = 50
    actions = ["export_csv"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in CallRecord._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="tenant", ordering="tenant__code")
    def tenant_link(self, record):
        url = reverse("admin:cdrs_callrecord_last_24_hours", args=[record.tenant.code])
        return format_html('<a href="{}" title="last 24 hours">{}</a>', url, record.tenant.code)

    @admin.action(description="Export the selected calls as CSV")
    def export_csv(self, request, queryset):
        """The selected calls as the API's CSV export writes them (cdrs.export)."""
        serializer = CallRecordSerializer(context={"request": None})  # url: set by the export
        columns = [name for name, field in serializer.fields.items() if not field.write_only]
        head, tail = DetailUrlField.url_parts("callrecord-detail", request)
        calls = queryset.order_by("-start", "-id")
        return csv_download(export.csv_chunks(calls, columns, serializer, head, tail), "cdrs")

    def get_urls(self):
        view = self.admin_site.admin_view(self.last_24_hours)
        return [
            path("tenant/<str:code>/last-24-hours/", view, name="cdrs_callrecord_last_24_hours"),
            *super().get_urls(),
        ]

    def last_24_hours(self, request, code):
        """One tenant's last 24 hours: totals and calls per hour, as bars."""
        tenant = Tenant.objects.filter(code=code.upper()).first()
        allowed = tenant_ids_of(request.user)
        if (
            tenant is None
            or (allowed is not None and tenant.pk not in allowed)
            or not self.has_view_permission(request)
        ):
            raise Http404("No such tenant.")
        # 24 bars of whole UTC hours, the last one the hour now running.
        first_hour = timezone.now().replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=23)
        calls = CallRecord.objects.filter(tenant=tenant, start__gte=first_hour)
        stats = call_stats(calls, "hour", dt.UTC)
        per_hour = {
            row["hour"]: row
            for row in calls.order_by()
            .annotate(hour=TruncHour("start", tzinfo=dt.UTC))
            .values("hour")
            .annotate(calls=Count("id"), answered=Count("id", filter=Q(disposition="ANSWERED")))
        }
        peak = max((row["calls"] for row in per_hour.values()), default=0) or 1
        bars = []
        for index in range(24):
            hour = first_hour + dt.timedelta(hours=index)
            row = per_hour.get(hour, {"calls": 0, "answered": 0})
            bars.append({
                "hour": hour, "x": index * 30, "calls": row["calls"], "answered": row["answered"],
                "height": round(160 * row["calls"] / peak), "answered_height": round(160 * row["answered"] / peak),
            })  # fmt: skip
        since = first_hour
        context = {
            **self.admin_site.each_context(request),
            "title": f"{tenant.code}: calls in the last 24 hours",
            "tenant": tenant,
            "stats": stats,
            "bars": bars,
            "since": since,
            "opts": self.model._meta,
            "list_url": reverse("admin:cdrs_callrecord_changelist")
            + f"?tenant__id__exact={tenant.pk}&started=24h",
        }
        return render(request, "admin/cdrs/last_24_hours.html", context)
