"""Call statistics computed in SQL: one aggregate query for the totals, one GROUP BY for
the distribution, whatever the number of calls (seed 004's basic statistics)."""

from django.db.models import Avg, Case, Count, F, IntegerField, Max, Q, Value, When
from django.db.models.functions import Coalesce, ExtractHour, TruncDate

ANSWERED = Q(disposition="ANSWERED")
GROUPINGS = ("hour", "day", "extension")


def call_stats(calls, group_by, tz):
    """Totals and the distribution of `calls` (a filtered CallRecord queryset) by hour of
    day or by day in `tz`, or by extension."""
    ring = Case(
        When(duration__gte=F("billsec"), then=F("duration") - F("billsec")),
        default=Value(0),
        output_field=IntegerField(),
    )
    totals = calls.aggregate(
        calls=Count("id"),
        answered=Count("id", filter=ANSWERED),
        average_ring=Coalesce(Avg(ring), Value(0.0)),
        longest_ring=Coalesce(Max(ring), Value(0)),
        average_talk=Coalesce(Avg("billsec", filter=ANSWERED), Value(0.0)),
        longest_talk=Coalesce(Max("billsec", filter=ANSWERED), Value(0)),
    )
    answered = totals["answered"]
    return {
        "calls": totals["calls"],
        "answered": answered,
        "missed": totals["calls"] - answered,
        "answer_seizure_ratio": round(answered / totals["calls"], 4) if totals["calls"] else None,
        "ring_seconds": {"average": round(totals["average_ring"], 1), "longest": totals["longest_ring"]},
        "talk_seconds": {"average": round(totals["average_talk"], 1), "longest": totals["longest_talk"]},
        "group_by": group_by,
        "distribution": _distribution(calls, group_by, tz),
    }


def _distribution(calls, group_by, tz):
    if group_by == "hour":
        key = ExtractHour("start", tzinfo=tz)
    elif group_by == "day":
        key = TruncDate("start", tzinfo=tz)
    else:
        key = F("extension_id")
    rows = (
        calls.order_by()
        .annotate(key=key)
        .values("key")
        .annotate(calls=Count("id"), answered=Count("id", filter=ANSWERED))
        .order_by("key")
    )
    buckets = [
        {
            "key": row["key"],
            "calls": row["calls"],
            "answered": row["answered"],
            "missed": row["calls"] - row["answered"],
        }
        for row in rows
    ]
    if group_by == "hour":
        # Every hour of the day, quiet ones too, so a chart needs no gap-filling.
        by_hour = {bucket["key"]: bucket for bucket in buckets}
        buckets = [
            by_hour.get(hour, {"key": hour, "calls": 0, "answered": 0, "missed": 0}) for hour in range(24)
        ]
    return buckets
