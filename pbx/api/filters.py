"""Filtering shared by every list: a base FilterSet, `search=` and `ordering=`.

Apps declare a FilterSet per resource; `TenantFilterSet` gives the lookups every
tenant-owned resource shares. `?tenant=` is not a filter: it narrows the caller's
scope (pbx.api.viewsets) and answers 404 for a tenant out of reach.
"""

import datetime
import uuid

import django_filters
import django_filters.rest_framework
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django_filters.widgets import QueryArrayWidget
from rest_framework import filters

from pbx.api import tags
from pbx.api.exceptions import ApiError, UnknownField
from pbx.api.uuids import as_uuid, has_uuid

STRING_LOOKUPS = ["exact", "iexact", "startswith", "istartswith", "contains", "icontains"]
NUMBER_LOOKUPS = ["exact", "gt", "gte", "lt", "lte"]
TIME_LOOKUPS = ["gt", "gte", "lt", "lte"]


class StrictBooleanField(forms.NullBooleanField):
    """true/false (or 1/0, yes/no, on/off); anything else is an error, not "no filter"."""

    TRUE, FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")
    widget = forms.TextInput  # the default select widget turns unknown values into "no filter"

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValidationError(f"{value!r} is not a boolean: use true or false.")

    def validate(self, value):
        pass


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class UtcDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 time, compared in UTC. Python reads any offset under a day
    (`2461-02-14T02:52:00-23:57`); PostgreSQL refuses those past 15:59, and a CSV export,
    already streaming when the database refuses, could only break off."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None or value.tzinfo is None:
            return value
        try:
            return value.astimezone(datetime.UTC)
        except OverflowError:
            raise ValidationError("Give a time between the years 1 and 9999.", code="invalid") from None


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcDateTimeField


class IdInFilter(django_filters.BaseInFilter, django_filters.NumberFilter):
    """`?id=1,2,3`."""


MAX_ID = 2**63 - 1  # the largest id a database column holds: past it, no row can match


class IdOrUuidField(forms.IntegerField):
    """An id, or the UUID of an object that has one (pbx.api.uuids)."""

    def to_python(self, value):
        return as_uuid(value) or super().to_python(value)

    def run_validators(self, value):
        if not isinstance(value, uuid.UUID):
            super().run_validators(value)


class ReferenceFilter(django_filters.NumberFilter):
    """`?extension=12`: rows pointing at the object with this id, for every foreign key.

    django-filter's default (a model choice) checks that the id exists among *all* rows of
    the related table, so an id of another tenant's object answered with an empty list
    where an unknown id answered 400 -- a way to probe which ids exist. This filter only
    compares ids: the list is already limited to the caller's reach, so another tenant's
    id and an id that does not exist both match nothing (200, empty list).

    An object that has a stable UUID is named by it too (`?extension_id=550e8400-...`,
    as DjangoPBX scripts do); the UUID is compared within the same list, so it reveals
    no more than the id.
    """

    field_class = IdOrUuidField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)

    def filter(self, queryset, value):
        if isinstance(value, uuid.UUID):
            relation = self.field_name.removesuffix("_id")
            related = queryset.model._meta.get_field(relation).related_model
            if not has_uuid(related):
                return queryset.none()
            return queryset.filter(**{f"{relation}__uuid": value})
        return super().filter(queryset, value)


class TagFilter(django_filters.Filter):
    """`?tag=vip` (repeatable: `?tag=vip&tag=lobby` keeps rows carrying both)."""

    field_class = forms.MultipleChoiceField

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", QueryArrayWidget)
        kwargs.setdefault("label", "tag names; repeat for objects carrying all of them")
        super().__init__(**kwargs)

    @property
    def field(self):
        field = super().field
        field.valid_value = lambda value: True  # any name: an unknown tag just matches nothing
        return field

    def filter(self, queryset, value):
        return tags.filter_by_tags(queryset, [name.strip().lower() for name in value]) if value else queryset


class PbxFilterSet(django_filters.rest_framework.FilterSet):
    """Base FilterSet: `id` (one or several, `?id=1,2`), `tag`, strict booleans, and timestamps.

    Subclasses list their fields with lookups in Meta.fields, e.g.
    `{"number": STRING_LOOKUPS, "enabled": ["exact"], **TIMESTAMP_FIELDS}`.
    """

    FILTER_DEFAULTS = {
        **django_filters.rest_framework.FilterSet.FILTER_DEFAULTS,
        models.BooleanField: {"filter_class": StrictBooleanFilter},
        models.DateTimeField: {"filter_class": UtcDateTimeFilter},
        # Ids, never a lookup among every tenant's rows (see ReferenceFilter).
        models.ForeignKey: {"filter_class": ReferenceFilter},
        models.OneToOneField: {"filter_class": ReferenceFilter},
        models.ManyToManyField: {"filter_class": ReferenceFilter},
        models.OneToOneRel: {"filter_class": ReferenceFilter},
        models.ManyToOneRel: {"filter_class": ReferenceFilter},
        models.ManyToManyRel: {"filter_class": ReferenceFilter},
    }

    id = IdInFilter(field_name="id", lookup_expr="in", label="ids, comma-separated")
    tag = TagFilter()


TIMESTAMP_FIELDS = {"created_at": TIME_LOOKUPS, "updated_at": TIME_LOOKUPS}


class FilterBackend(django_filters.rest_framework.DjangoFilterBackend):
    """django-filter, skipped when the query names none of the resource's filters:
    building a filter form with dozens of lookups costs milliseconds on every list."""

    def query_parameters(self, view):
        """The query parameters the resource's filters read (pbx.api.strict): each filter's
        name, or its suffixed names for a range (`created_at_after`, `created_at_before`)."""
        filterset_class = getattr(view, "filterset_class", None)
        if filterset_class is None:
            return set()
        names = set()
        for name, declared in filterset_class.base_filters.items():
            suffixes = getattr(declared.field_class.widget, "suffixes", None)
            if suffixes:
                names.update(f"{name}_{suffix}" if suffix else name for suffix in suffixes)
            else:
                names.add(name)
        return names | set(filter_aliases(view, names))

    def get_filterset_kwargs(self, request, queryset, view):
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        aliases = filter_aliases(view, self.get_filterset_class(view, queryset).base_filters)
        if any(name in aliases for name in kwargs["data"]):
            kwargs["data"] = _renamed(kwargs["data"], aliases)
        return kwargs

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None:
            names = [
                *filterset_class.base_filters.keys(),
                *filter_aliases(view, filterset_class.base_filters),
            ]
            # Range widgets add suffixes (created_at_after), hence the prefix test.
            if not any(param.startswith(name) for param in request.query_params for name in names):
                return queryset
        return super().filter_queryset(request, queryset, view)


def field_aliases(view):
    """{alias: field} of the view's serializer (Meta.aliases, nested ones left out): the
    names of other systems (DjangoPBX's `extension` for `number`) that its filters and
    `ordering=` take as well as its body does."""
    serializer_class = getattr(view, "serializer_class", None)
    aliases = getattr(getattr(serializer_class, "Meta", None), "aliases", {})
    return {alias: field for alias, field in aliases.items() if "." not in alias and "." not in field}


def filter_aliases(view, filter_names):
    """{alias filter name: filter name}: `extension__contains` for `number__contains` where
    the serializer's `extension` means `number`. A name that is a filter of its own stays one."""
    names = set(filter_names)
    found = {}
    for alias, field in field_aliases(view).items():
        for name in names:
            if name == field or name.startswith(field + "__"):
                aliased = alias + name[len(field) :]
                if aliased not in names:
                    found[aliased] = name
    return found


def _renamed(params, aliases):
    """The query with alias names turned into the filters' own; an alias sent with its
    filter and another value is a 400, never one of them silently."""
    data = params.copy()
    for alias, name in aliases.items():
        if alias not in data:
            continue
        values = data.pop(alias)
        if name in data and data.getlist(name) != values:
            raise ApiError(
                f"{alias} and {name} are the same filter: send one of them.",
                fields={alias: [f"Conflicts with {name}."]},
            )
        data.setlist(name, values)
    return data


class SearchFilter(filters.SearchFilter):
    """`?search=` over the viewset's `search_fields` (no such parameter without them)."""

    def query_parameters(self, view):
        return {self.search_param} if getattr(view, "search_fields", None) else set()

    def get_schema_operation_parameters(self, view):
        return super().get_schema_operation_parameters(view) if self.query_parameters(view) else []

    def filter_queryset(self, request, queryset, view):
        # Without search fields the route takes no `search` (pbx.api.strict): not even read.
        return super().filter_queryset(request, queryset, view) if self.query_parameters(view) else queryset


def _aliased_term(term, aliases, valid):
    name = term.lstrip("-")
    if name in valid or name not in aliases:
        return term
    return term[: len(term) - len(name)] + aliases[name]


class OrderingFilter(filters.OrderingFilter):
    """`?ordering=field,-other` over the viewset's `ordering_fields`; a name that is not one
    of them answers 400 unknown_field (DRF would drop it and return another order)."""

    def query_parameters(self, view):
        return set() if getattr(view, "ordering_fields", None) == [] else {self.ordering_param}

    def get_schema_operation_parameters(self, view):
        return super().get_schema_operation_parameters(view) if self.query_parameters(view) else []

    def get_ordering(self, request, queryset, view):
        # `ordering_fields = []` means the route takes no `ordering`: not even read (the
        # cursor paginator asks this too); the view's own order stands.
        if not self.query_parameters(view):
            return self.get_default_ordering(view)
        return super().get_ordering(request, queryset, view)

    def remove_invalid_fields(self, queryset, fields, view, request):
        valid = {item[0] for item in self.get_valid_fields(queryset, view, {"request": request})}
        # Other systems' names for a field order by it (DjangoPBX's `ordering=extension`).
        aliases = {alias: field for alias, field in field_aliases(view).items() if field in valid}
        fields = [_aliased_term(term, aliases, valid) for term in fields]
        unknown = sorted({term.lstrip("-") for term in fields} - valid)
        if unknown:
            raise UnknownField(
                f"ordering={','.join(fields)}: cannot order by {', '.join(unknown)}; "
                f"order by {', '.join(sorted(valid))} (a leading - for descending).",
                fields={"ordering": [f"Unknown field {name!r}." for name in unknown]},
                accepted=sorted(valid),
            )
        return super().remove_invalid_fields(queryset, fields, view, request)
