"""Call statistics computed in SQL: one GROUP BY for the distribution, whose buckets also
carry the sums and maxima the totals are added up from, so the calls are read once
whatever their number (DjangoPBX's basic statistics)."""

from django.db.models import Count, F, IntegerField, Max, Q, Sum, Value
from django.db.models.functions import Coalesce, ExtractHour, Greatest, TruncDate

ANSWERED = Q(disposition="ANSWERED")
GROUPINGS = ("hour", "day", "extension")


def call_stats(calls, group_by, tz):
    """Totals and the distribution of `calls` (a filtered CallRecord queryset) by hour of
    day or by day in `tz`, or by extension."""
    buckets = _buckets(calls, group_by, tz)
    count = sum(bucket["calls"] for bucket in buckets)
    answered = sum(bucket["answered"] for bucket in buckets)
    ring_total = sum(bucket["ring_total"] for bucket in buckets)
    talk_total = sum(bucket["talk_total"] for bucket in buckets)
    distribution = [
        {
            "key": bucket["key"],
            "calls": bucket["calls"],
            "answered": bucket["answered"],
            "missed": bucket["calls"] - bucket["answered"],
        }
        for bucket in buckets
    ]
    if group_by == "hour":
        # Every hour of the day, quiet ones too, so a chart needs no gap-filling.
        by_hour = {bucket["key"]: bucket for bucket in distribution}
        distribution = [
            by_hour.get(hour, {"key": hour, "calls": 0, "answered": 0, "missed": 0}) for hour in range(24)
        ]
    return {
        "calls": count,
        "answered": answered,
        "missed": count - answered,
        "answer_seizure_ratio": round(answered / count, 4) if count else None,
        "ring_seconds": {
            "average": round(ring_total / count, 1) if count else 0.0,
            "longest": max((bucket["ring_longest"] for bucket in buckets), default=0),
        },
        "talk_seconds": {
            "average": round(talk_total / answered, 1) if answered else 0.0,
            "longest": max((bucket["talk_longest"] for bucket in buckets), default=0),
        },
        "group_by": group_by,
        "distribution": distribution,
    }


def _buckets(calls, group_by, tz):
    if group_by == "hour":
        key = ExtractHour("start", tzinfo=tz)
    elif group_by == "day":
        key = TruncDate("start", tzinfo=tz)
    else:
        key = F("extension_id")
    # Seconds it rang: from start to answer, or to the end of an unanswered call.
    ring = Greatest(F("duration") - F("billsec"), Value(0), output_field=IntegerField())
    return list(
        calls.order_by()
        .annotate(key=key)
        .values("key")
        .annotate(
            calls=Count("id"),
            answered=Count("id", filter=ANSWERED),
            ring_total=Coalesce(Sum(ring), 0),
            ring_longest=Coalesce(Max(ring), 0),
            talk_total=Coalesce(Sum("billsec", filter=ANSWERED), 0),
            talk_longest=Coalesce(Max("billsec", filter=ANSWERED), 0),
        )
        .order_by("key")
    )
