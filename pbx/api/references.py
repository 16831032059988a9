"""References from one object to others of its tenant (a DID's schedule, a route's
trunks, an extension's routing profile), written as ids and checked in one query. An id
outside the writer's tenant reads exactly like an id that does not exist, so nothing is
learned about other tenants."""

from django.db.models import Q
from rest_framework import serializers

from pbx.api.scope import scope_of
from pbx.api.uuids import id_of


def check_ids(model, ids, tenant, field_name, *, allow_global=True, extra=None):
    """Raise a 400 on `field_name` unless every id names an object of `model` in `tenant`
    (or a global one when `allow_global`); `extra` narrows further (a Q). Returns the
    objects by id."""
    ids = [pk for pk in ids if pk is not None]
    if not ids:
        return {}
    if len(set(ids)) != len(ids):
        raise serializers.ValidationError({field_name: ["An id appears twice."]})
    reach = Q(tenant=tenant)
    if allow_global:
        reach |= Q(tenant__isnull=True)
    if tenant is None:
        reach = Q(tenant__isnull=True)
    if not any(f.name == "tenant" for f in model._meta.concrete_fields):
        reach = Q()  # a platform object (a routing profile): anyone's to point at
    queryset = model._default_manager.filter(reach, pk__in=ids)
    if extra is not None:
        queryset = queryset.filter(extra)
    found = {obj.pk: obj for obj in queryset}
    missing = [str(pk) for pk in ids if pk not in found]
    if missing:
        where = "this tenant" + (" or among the global ones" if allow_global and tenant is not None else "")
        if tenant is None:
            where = "the global objects"
        if not reach:
            where = "the platform"
        noun = model._meta.verbose_name
        raise serializers.ValidationError({field_name: [f"No {noun} {', '.join(missing)} in {where}."]})
    return found


class ObjectIdField(serializers.IntegerField):
    """An object's id (the serializer checks the object is within reach); with `model`,
    also the UUID of that model's object, as FusionPBX and DjangoPBX scripts send it."""

    def __init__(self, model=None, **kwargs):
        kwargs.setdefault("min_value", 1)
        self.model = model
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if self.model is not None:
            request = self.context.get("request")
            data = id_of(self.model, data, scope_of(request) if request is not None else None)
        return super().to_internal_value(data)
