"""The base serializer every resource uses, and the fields the kernel shares.

`PbxModelSerializer` gives each resource, once:
- `fields=` on reads, to choose the columns returned;
- secrets (Meta.secret_fields) written by anyone who may write the object but shown only
  to a credential whose scope may see secrets (docs/api.md);
- fields that would cost a query per row (Meta.detail_only_fields) left out of lists,
  as destinations are;
- input aliases (Meta.aliases), so that payloads written for the systems our users
  come from (MiRTA PBX and DjangoPBX) are understood: `{"ex_number": "100"}` or
  `{"ps_auths": {"password": "..."}}` mean `number` and `password`;
- PUT semantics: fields left out return to their defaults (docs/api.md);
- the tenant of a tenant-owned object: set once at creation, never moved.
"""

import functools
from collections.abc import Mapping

from django.db import models
from django.db.models.fields import NOT_PROVIDED
from django.urls import reverse as django_reverse
from django.utils import timezone
from django.utils.functional import cached_property
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.permissions import SAFE_METHODS
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import ISO_8601

from pbx import destinations
from pbx.api import tags
from pbx.api.destinations import DestinationsField, ReferencedByField
from pbx.api.exceptions import Conflict, InvalidDestination, NumberInUse
from pbx.api.scope import scope_of
from pbx.api.strict import OTHER_SYSTEMS_TENANT_FIELDS, refuse_unknown_fields
from pbx.api.uuids import has_uuid
from pbx.models import DialplanNumber

_MISSING = object()

# Serializer fields whose to_representation returns a model column's value unchanged.
PLAIN_FIELD_TYPES = frozenset(
    [
        serializers.CharField,
        serializers.IntegerField,
        serializers.BooleanField,
        serializers.ChoiceField,
        serializers.EmailField,
        serializers.SlugField,
        serializers.ReadOnlyField,
    ]
)


def _lookup(data, dotted):
    value = data
    for part in dotted.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return _MISSING
        value = value[part]
    return value


def apply_aliases(data, aliases):
    """Rename alias keys (dotted for nested ones) to the canonical field names."""
    data = data.dict() if hasattr(data, "dict") else dict(data)
    errors = {}
    for alias, canonical in aliases.items():
        value = _lookup(data, alias)
        if value is _MISSING:
            continue
        if canonical in data and data[canonical] != value:
            errors[alias] = [f"Conflicts with {canonical!r}: send only one of them."]
            continue
        data[canonical] = value
    for alias in aliases:
        data.pop(alias.split(".")[0], None)
    if errors:
        raise serializers.ValidationError(errors)
    return data


def _direct_reader(field):
    """(readable straight from the model?, converter or None) for one serializer field."""
    if len(field.source_attrs) != 1:
        return False, None
    if not type(field).get_attribute.__module__.startswith("rest_framework"):
        return False, None  # the field reads its value its own way
    kind = type(field)
    if kind in PLAIN_FIELD_TYPES:
        return True, None
    if kind is serializers.DateTimeField and getattr(field, "format", ISO_8601) in (ISO_8601, None):
        zone = field.timezone if hasattr(field, "timezone") else field.default_timezone()
        return True, functools.partial(_iso_datetime, zone=zone)
    if isinstance(field, serializers.ListField) and type(field.child) in PLAIN_FIELD_TYPES:
        return True, list
    return False, None


def _iso_datetime(value, zone):
    """DRF's DateTimeField output: in the current time zone, ISO 8601, UTC as Z."""
    if zone is not None and timezone.is_aware(value):
        value = value.astimezone(zone)
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


@extend_schema_field({"type": "string", "format": "uri", "readOnly": True})
class HistoryField(serializers.Field):
    """The object's change log: `/api/changes/?object_type=extension&object_id=101`."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, instance):
        if not hasattr(self, "_base"):
            request = self.context.get("request")
            path = django_reverse("change-list")
            self._base = request.build_absolute_uri(path) if request is not None else path
            self._type = instance._meta.model_name
        return f"{self._base}?object_type={self._type}&object_id={instance.pk}"


class TenantField(serializers.Field):
    """A tenant, read as its code and written as code, id or name within the caller's reach."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", "Tenant code (or id). Defaults to ?tenant= or the key's tenant.")
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        # Lists annotate the code (pbx.api.viewsets), so no Tenant is built per row.
        code = getattr(instance, "scope_tenant_code", None)
        return code if code is not None else super().get_attribute(instance)

    def to_representation(self, tenant):
        return tenant if isinstance(tenant, str) else tenant.code

    def to_internal_value(self, value):
        if not isinstance(value, str | int) or isinstance(value, bool) or str(value).strip() == "":
            raise serializers.ValidationError("Give a tenant code such as ACME.")
        return scope_of(self.context["request"]).tenant(value)


def _after_id(fields, name, field):
    """`fields` with `name` inserted after `id` (first when there is no id)."""
    items = list(fields.items())
    at = next((i + 1 for i, (key, _) in enumerate(items) if key == "id"), 0)
    return dict([*items[:at], (name, field), *items[at:]])


def _relations(instance):
    """Values kept in rows of their own (destinations, tags) that the change log's
    snapshots should show: the serializer records what it read before and wrote after."""
    return instance.__dict__.setdefault("_pbx_relations", {})


class PbxModelSerializer(serializers.ModelSerializer):
    """Base of every resource's serializer (see the module docstring)."""

    def get_fields(self):
        fields = super().get_fields()
        if has_uuid(self.Meta.model) and "uuid" not in fields:
            # Right after the id, which it can stand in for (pbx.api.uuids).
            fields = _after_id(fields, "uuid", serializers.UUIDField(read_only=True))
        if getattr(self.Meta, "change_logged", True):
            fields["history"] = HistoryField()
        if getattr(self.Meta, "taggable", True):
            fields["tags"] = tags.TagsField()
        if not self._in_list:
            if destinations.owner_slots(self.Meta.model) is not None:
                fields["destinations"] = DestinationsField()
            if destinations.is_target(self.Meta.model):
                fields["referenced_by"] = ReferencedByField()
        else:
            for name in getattr(self.Meta, "detail_only_fields", ()):
                fields.pop(name, None)
        request = self.context.get("request")
        if request is not None and request.method in SAFE_METHODS and self._is_root:
            wanted = request.query_params.get("fields")
            if wanted is not None:
                fields = self._chosen_fields(fields, wanted)
        return fields

    def _chosen_fields(self, fields, wanted):
        """`fields=id,number`: those columns, in the resource's order. An alias names its
        field (`ex_number`); a name the resource does not have answers 400 unknown_field."""
        aliases = {
            alias: name for alias, name in getattr(self.Meta, "aliases", {}).items() if "." not in alias
        }
        sent = [name.strip() for name in wanted.split(",") if name.strip()]
        refuse_unknown_fields(dict.fromkeys(sent), set(fields) | set(aliases), where=" in fields=")
        names = {aliases.get(name, name) for name in sent}
        return {name: field for name, field in fields.items() if name in names} or fields

    @property
    def _is_root(self):
        """The serializer of the request's objects, not one nested in another."""
        parent = self.parent
        return parent is None or (isinstance(parent, serializers.ListSerializer) and parent.parent is None)

    def accepted_fields(self):
        """The names a body may carry: every field (those a GET shows too, so that an
        object read and sent back is accepted), the aliases and the destination shorthands."""
        aliases = {alias.split(".")[0] for alias in getattr(self.Meta, "aliases", {})}
        owner = destinations.owner_slots(self.Meta.model)
        shorthands = set(owner.shorthands or ()) if owner is not None else set()
        return set(self.fields) | aliases | shorthands

    @property
    def _in_list(self):
        """Serializing a list (JSON page or CSV), where per-row extras cost queries per row."""
        view = self.context.get("view")
        return isinstance(self.parent, serializers.ListSerializer) or getattr(view, "action", None) == "list"

    @property
    def _may_see_secrets(self):
        request = self.context.get("request")
        return request is not None and scope_of(request).may_see_secrets

    @cached_property
    def _read_plan(self):
        """How to read each field, built once per serializer (so once per list page):
        (name, attribute, convert, field). Columns that DRF would only copy, or turn into
        ISO text or a list, are read straight from the model (`convert` None for a copy);
        the rest, and any missing attribute, go through DRF. The output is the same; a
        page of rows just skips DRF's per-field dispatch where it does nothing."""
        hidden = set() if self._may_see_secrets else set(getattr(self.Meta, "secret_fields", ()))
        plan = []
        for field in self._readable_fields:
            if field.field_name in hidden:
                continue
            direct, convert = _direct_reader(field)
            plan.append((field.field_name, field.source_attrs[0] if direct else None, convert, field))
        return plan

    def to_representation(self, instance):
        data = {}
        for name, attribute, convert, field in self._read_plan:
            if attribute is not None:
                value = getattr(instance, attribute, _MISSING)
                if value is not _MISSING:
                    data[name] = value if convert is None or value is None else convert(value)
                    continue
            try:
                value = field.get_attribute(instance)
            except SkipField:
                continue
            is_none = (value.pk if isinstance(value, PKOnlyObject) else value) is None
            data[name] = None if is_none else field.to_representation(value)
        return data

    def to_internal_value(self, data):
        if self._is_root and isinstance(data, Mapping):
            # After a subclass has translated other systems' payloads (it calls this last).
            if any(name in data for name in OTHER_SYSTEMS_TENANT_FIELDS):
                data = self._tenant_from_domain(data)
            refuse_unknown_fields(data, self.accepted_fields() | {"id"})
        aliases = getattr(self.Meta, "aliases", None)
        if aliases and isinstance(data, Mapping):
            data = apply_aliases(data, aliases)
        owner = destinations.owner_slots(self.Meta.model)
        if owner is not None and owner.shorthands and isinstance(data, Mapping):
            data = self._expand_shorthands(data, owner.shorthands)
        return super().to_internal_value(data)

    def _tenant_from_domain(self, data):
        """FusionPBX's `domain_uuid` and DjangoPBX's `domain_id` name the tenant (their
        domain) by its UUID: on a tenant-owned object they are its `tenant`; elsewhere the
        tenant they name must still be within the caller's reach, and is otherwise unused."""
        data = data.copy()  # a form's QueryDict stays one, with its lists
        named = {name: data.pop(name) for name in OTHER_SYSTEMS_TENANT_FIELDS if name in data}
        request = self.context.get("request")
        scope = scope_of(request) if request is not None else None
        tenants = {}
        for name, value in named.items():
            if not isinstance(value, str | int) or isinstance(value, bool) or str(value).strip() == "":
                raise serializers.ValidationError({name: ["Give the domain's UUID."]})
            if scope is not None:
                tenants[name] = scope.tenant(value)
        if "tenant" in self.fields and tenants:
            codes = {tenant.code for tenant in tenants.values()}
            sent = data.get("tenant")
            if len(codes) > 1 or (
                sent not in (None, "")
                and str(sent).upper() not in codes | {str(t.pk) for t in tenants.values()}
            ):
                raise serializers.ValidationError(
                    {next(iter(named)): ["Names another tenant than `tenant`: send one of them."]}
                )
            data["tenant"] = next(iter(codes))
        return data

    @staticmethod
    def _expand_shorthands(data, shorthands):
        """`{"onbusy": [...]}` means `{"destinations": {"EXT-BUSY": [...]}}` (MiRTA PBX)."""
        data = data.dict() if hasattr(data, "dict") else dict(data)
        sent = {name: data.pop(name) for name in list(data) if name in shorthands}
        if not sent:
            return data
        slots = data.get("destinations")
        slots = dict(slots) if isinstance(slots, Mapping) else {}
        errors = {}
        for name, value in sent.items():
            slot = shorthands[name]
            if slot in slots and slots[slot] != value:
                errors[name] = [f"Conflicts with destinations.{slot}: send only one of them."]
            slots[slot] = value
        if errors:
            raise serializers.ValidationError(errors)
        data["destinations"] = slots
        return data

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if "tenant" in self.fields:
            if self.instance is None:
                attrs["tenant"] = self.context["view"].tenant_for_create(attrs.get("tenant"))
            elif "tenant" in attrs and getattr(attrs["tenant"], "pk", None) != self.instance.tenant_id:
                raise serializers.ValidationError(
                    {"tenant": ["An object cannot move to another tenant: delete and recreate it."]}
                )
        self._validate_unique_per_tenant(attrs)
        self._validate_unique_platform_wide(attrs)
        if "destinations" in self.fields and not self.fields["destinations"].read_only:
            self._validate_destinations(attrs)
        if "tags" in self.fields:
            self._validate_tags(attrs)
        return attrs

    def _validate_unique_per_tenant(self, attrs):
        """Meta.unique_per_tenant: fields unique within the object's tenant (or among global
        objects), checked here so the caller hears which value is taken; the database's
        constraint still decides races (409 conflict)."""
        names = getattr(self.Meta, "unique_per_tenant", ())
        if not names:
            return
        model = self.Meta.model
        tenant = attrs["tenant"] if "tenant" in attrs else getattr(self.instance, "tenant", None)
        errors = {}
        for name in names:
            value = attrs.get(name, getattr(self.instance, name, None))
            if value in (None, ""):
                continue
            taken = model._default_manager.filter(**{name: value, "tenant": tenant})
            if self.instance is not None:
                taken = taken.exclude(pk=self.instance.pk)
            if taken.exists():
                where = f"tenant {tenant.code}" if tenant is not None else "the global objects"
                errors[name] = [f"{model._meta.verbose_name.capitalize()} {value} already exists in {where}."]
        if errors:
            raise serializers.ValidationError(errors)

    def _validate_unique_platform_wide(self, attrs):
        """Meta.unique_platform_wide: {field: message} for values that belong to one tenant
        on the whole platform (a DID's number, a phone's MAC). A clash is 409 conflict with
        the message (formatted with `value`, or called with it), which never says which
        tenant holds the value."""
        for name, message in getattr(self.Meta, "unique_platform_wide", {}).items():
            value = attrs.get(name)
            if value in (None, ""):
                continue
            taken = self.Meta.model._default_manager.filter(**{name: value})
            if self.instance is not None:
                taken = taken.exclude(pk=self.instance.pk)
            if taken.exists():
                raise Conflict(message(value) if callable(message) else message.format(value=value))

    def _validate_tags(self, attrs):
        """PATCH replaces the tags only when sent; PUT (and creation) also when left out."""
        names = attrs.pop("_tags", None)
        if names is None and (self.instance is None or self.partial):
            return
        if self.instance is not None:
            _relations(self.instance)["tags"] = tags.names_of(self.instance)
        attrs["_tags"] = names or []

    def _validate_destinations(self, attrs):
        """Check the slots sent against the owner's tenant; 400 invalid_destination names
        each bad item. The current values ride on the instance for the change log."""
        sent = attrs.pop("_destinations", None)
        replace_all = self.instance is not None and not self.partial
        if sent is None and not replace_all:
            return
        tenant = attrs.get("tenant") or getattr(self.instance, "tenant", None)
        cleaned, errors = destinations.clean(self.Meta.model, getattr(tenant, "pk", None), sent or {})
        if errors:
            raise InvalidDestination(
                "Some destinations are invalid: "
                + "; ".join(f"{slot}: {' '.join(e)}" for slot, e in errors.items()),
                fields={"destinations": errors},
            )
        if self.instance is not None:
            current = destinations.current(self.instance, None if replace_all else cleaned)
            _relations(self.instance)["destinations"] = current
        attrs["_destinations"] = (cleaned, replace_all)

    def would_change(self):
        """After is_valid() on an update: whether saving would change the object. Each
        validated value is compared with the stored one (fields, destinations, tags and
        child rows), so that a CSV import of an unchanged row writes nothing at all."""
        instance, relations = self.instance, _relations(self.instance)
        for name, value in self.validated_data.items():
            if name == "_destinations":
                cleaned, _replace_all = value
                sent = destinations.texts(cleaned)
                if sent is None or any(
                    relations.get("destinations", {}).get(s) != t for s, t in sent.items()
                ):
                    return True
            elif name == "_tags":
                if sorted(value) != tags.names_of(instance):
                    return True
            elif hasattr(self.fields.get(name), "related_name"):  # a ChildRowsField
                field = self.fields[name]
                model = getattr(instance, field.related_name).model
                if field.to_representation([model(**row) for row in value]) != relations.get(name):
                    return True
            elif self._value_changes(name, value):
                return True
        return False

    def _value_changes(self, name, value):
        """Whether a validated value differs from the stored one: compared with the model's
        attribute, or, for what the serializer keeps elsewhere (a user's role and tenants),
        with the object's own representation validated the same way."""
        stored = getattr(self.instance, name, _MISSING)
        if stored is not _MISSING and not isinstance(value, Mapping):
            if hasattr(stored, "all"):  # many-to-many: the same set of objects
                stored, value = {o.pk for o in stored.all()}, {getattr(o, "pk", o) for o in value}
            return stored != value
        field = next(
            (f for f in self.fields.values() if f.source_attrs[:1] == [name] and not f.read_only), None
        )
        if field is None:
            return True
        for attribute in field.source_attrs[1:]:  # a dotted source arrives nested
            value = value.get(attribute) if isinstance(value, Mapping) else None
        try:
            current = field.run_validation(self._current_representation[field.field_name])
            validator = getattr(self, f"validate_{field.field_name}", None)
            current = validator(current) if validator is not None else current
        except (serializers.ValidationError, KeyError, TypeError, ValueError):
            return True
        return current != value

    @cached_property
    def _current_representation(self):
        return self.to_representation(self.instance)

    def save(self, **kwargs):
        # Destinations and tags are rows of their own, written once the object is saved,
        # whatever create() or update() a subclass brings.
        sent = self._validated_data.pop("_destinations", None)
        tag_names = self._validated_data.pop("_tags", None)
        creating = self.instance is None
        instance = super().save(**kwargs)
        if sent is not None:
            cleaned, replace_all = sent
            written = destinations.write(instance, cleaned, replace_all=replace_all, created=creating)
            _relations(instance)["destinations"] = written
        if tag_names is not None and (tag_names or not creating):
            _relations(instance)["tags"] = tags.assign(instance, tag_names, created=creating)
        return instance

    def update(self, instance, validated_data):
        if not self.partial:
            validated_data = {**self._defaults_for_omitted(validated_data), **validated_data}
        return super().update(instance, validated_data)

    def _defaults_for_omitted(self, validated_data):
        """PUT replaces the whole object: writable fields it leaves out go back to their
        model defaults. Secrets are kept, since most callers can never read them back."""
        keep = set(getattr(self.Meta, "secret_fields", ())) | {"tenant"}
        defaults = {}
        for name, field in self.fields.items():
            if field.read_only or name in validated_data or name in keep:
                continue
            source = field.source
            try:
                model_field = self.Meta.model._meta.get_field(source)
            except Exception:
                continue
            if not isinstance(model_field, models.Field) or model_field.primary_key:
                continue
            if model_field.default is not NOT_PROVIDED:
                defaults[source] = model_field.get_default()
            elif model_field.null:
                defaults[source] = None
            elif model_field.blank and isinstance(model_field, models.CharField | models.TextField):
                defaults[source] = ""
        return defaults


class NumberedSerializer(PbxModelSerializer):
    """Base of the serializers of dial-plan number holders: a number already held by
    another object of the tenant answers 409 number_in_use, naming the holder."""

    def validate(self, attrs):
        attrs = super().validate(attrs)
        self.check_number_free(attrs)
        return attrs

    def check_number_free(self, attrs):
        """409 number_in_use when the object's number is held by another. A subclass that
        finds another clash that a concurrent create of the same number explains calls it
        again, so that the answer does not depend on which check saw the twin first."""
        number = attrs.get("number", getattr(self.instance, "number", None))
        tenant = attrs.get("tenant") or getattr(self.instance, "tenant", None)
        if number and tenant is not None:
            holder = DialplanNumber.holder_of(tenant.pk, number, exclude=self.instance)
            if holder is not None:
                raise NumberInUse(
                    f"Number {number} is already used by {holder.label}.", holder=holder.as_holder()
                )


class UpperCaseCharField(serializers.CharField):
    """Text upper-cased on the way in, before the model's validators see it (codes such as
    setting codes and ISO country codes, which callers send in any case)."""

    def to_internal_value(self, data):
        return super().to_internal_value(data).upper()


class DetailUrlField(serializers.HyperlinkedIdentityField):
    """The object's absolute detail URL. Unlike DRF's, it does not carry the request's
    `?format=` over (a CSV cell would otherwise link to a CSV)."""

    SENTINEL = "987654321987654321"

    def get_url(self, obj, view_name, request, format):
        if obj.pk is None:
            return None
        # Reverse once per serializer, then splice each pk in: a page of 100 rows would
        # otherwise resolve the same URL pattern 100 times.
        if not hasattr(self, "_url_parts"):
            self._url_parts = self.url_parts(view_name, request)
        head, tail = self._url_parts
        return f"{head}{obj.pk}{tail}"

    @classmethod
    def url_parts(cls, view_name, request):
        """(head, tail): an object's URL is head + its pk + tail (relative without a request)."""
        path = django_reverse(view_name, kwargs={"pk": cls.SENTINEL})
        base = request.build_absolute_uri(path) if request is not None else path
        head, tail = base.split(cls.SENTINEL, 1)
        return head, tail
