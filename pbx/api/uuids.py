"""Stable UUIDs as ids: objects that have one (pbx.models.stable_uuid_field) are named by
it wherever their id is taken -- in a path, a body's reference or a filter -- because
FusionPBX and DjangoPBX scripts name tenants, extensions and trunks that way."""

import functools
import re
import uuid

from rest_framework import serializers

UUID_REGEX = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_UUID = re.compile(UUID_REGEX)


def as_uuid(value):
    """The UUID that `value` spells (hyphenated, any case), or None."""
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, str) and _UUID.fullmatch(value.strip()):
        return uuid.UUID(value.strip())
    return None


@functools.cache
def has_uuid(model):
    return any(field.name == "uuid" for field in model._meta.concrete_fields)


def id_of(model, value, scope=None):
    """The id of the `model` object named by `value` when it is a UUID, within `scope`'s
    tenants for a tenant-owned model; otherwise `value` unchanged, for the caller's own
    checks. An unknown or out-of-reach UUID is a 400 worded as for an id that does not
    exist."""
    uuid_value = as_uuid(value)
    if uuid_value is None or not has_uuid(model):
        return value
    rows = model._default_manager.filter(uuid=uuid_value)
    tenant_ids = getattr(scope, "tenant_ids", None)
    if tenant_ids is not None and any(field.name == "tenant" for field in model._meta.concrete_fields):
        rows = rows.filter(tenant_id__in=tenant_ids)
    found = rows.values_list("pk", flat=True).first()
    if found is None:
        raise serializers.ValidationError([f"No {model._meta.verbose_name} {uuid_value}."])
    return found
