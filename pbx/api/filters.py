"""Filtering shared by every list: a base FilterSet, `search=` and `ordering=`.

Apps declare a FilterSet per resource; `TenantFilterSet` gives the lookups every
tenant-owned resource shares. `?tenant=` is not a filter: it narrows the caller's
scope (pbx.api.viewsets) and answers 404 for a tenant out of reach.
"""

import django_filters
from rest_framework import filters

STRING_LOOKUPS = ["exact", "iexact", "startswith", "istartswith", "contains", "icontains"]
NUMBER_LOOKUPS = ["exact", "gt", "gte", "lt", "lte"]
TIME_LOOKUPS = ["gt", "gte", "lt", "lte"]


class PbxFilterSet(django_filters.FilterSet):
    """Base FilterSet: `id` (one or several, `?id=1&id=2`) and the timestamps' ranges.

    Subclasses list their fields with lookups in Meta.fields, e.g.
    `{"number": STRING_LOOKUPS, "enabled": ["exact"], **TIMESTAMP_FIELDS}`.
    """

    id = django_filters.BaseInFilter(field_name="id", lookup_expr="in", label="ids, comma-separated")


TIMESTAMP_FIELDS = {"created_at": TIME_LOOKUPS, "updated_at": TIME_LOOKUPS}


class SearchFilter(filters.SearchFilter):
    """`?search=` over the viewset's `search_fields`."""


class OrderingFilter(filters.OrderingFilter):
    """`?ordering=field,-other` over the viewset's `ordering_fields`."""
