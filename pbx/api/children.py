"""Lists of objects inside a resource: a contact's numbers, a phone's keys (kept as JSON),
a route's dial patterns, a schedule's time ranges, a queue's members (kept as rows of a
child model). The parent's body carries them as a list of objects; sending the list
replaces them all (PUT also when left out), in the parent's transaction, and the change
log shows them in the parent's snapshots.

    class OutboundRouteSerializer(WithChildRowsSerializer, PbxModelSerializer):
        patterns = ChildRowsField(DialPatternSerializer(), related_name="patterns")

    class ContactSerializer(PbxModelSerializer):
        numbers = ItemsField(ContactNumberSerializer())

Each item is validated on its own as a whole object, whatever the write method: a PATCH
replaces the list, so its items are new objects, never partial ones (DRF would otherwise
skip the items' required fields and defaults under PATCH, and store `[{}]`). A key the
item does not know answers 400 naming the accepted ones. Reading never fails on a stored
item, whatever it holds.

The child serializer is a plain (Model)Serializer of one item, without the parent and
position fields (position is the index in the list); `input_names` on it lists the other
keys it understands (aliases it renames itself). Lists read the prefetched rows, so a page
costs one query per child field whatever its size.
"""

from collections.abc import Mapping

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from pbx.api.serializers import _relations


class ItemsField(serializers.ListField):
    """A list of objects, each validated by `child` (a Serializer) as a whole object."""

    def __init__(self, child, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(child=child, **kwargs)

    def get_attribute(self, instance):
        value = super().get_attribute(instance)
        return value.all() if hasattr(value, "all") else value  # rows of a related manager

    def to_representation(self, items):
        return [self._represent(item) for item in items or ()]

    def _represent(self, item):
        try:
            return self.child.to_representation(item)
        except (KeyError, AttributeError, TypeError, ValueError):
            # A JSON item stored before its shape was checked: show what it holds.
            if not isinstance(item, Mapping):
                return item
            return {f.field_name: item[f.source] for f in self.child._readable_fields if f.source in item}

    def to_internal_value(self, data):
        if not isinstance(data, list):
            raise serializers.ValidationError(f"Send a list of {self.field_name or 'items'}, even of one.")
        return super().to_internal_value(data)

    def run_child_validation(self, data):
        result, errors = [], {}
        for index, item in enumerate(data):
            try:
                result.append(self.validate_item(item))
            except serializers.ValidationError as error:
                errors[index] = error.detail
        if errors:
            raise serializers.ValidationError(errors)
        return result

    def accepted_names(self):
        """The keys an item may carry: the child's fields and the other names it knows."""
        return [*self.child.fields, *getattr(self.child, "input_names", ())]

    def validate_item(self, item):
        """One item, validated by a fresh copy of the child that belongs to no partial
        update: required fields are required and defaults apply on every write method."""
        if not isinstance(self.child, serializers.BaseSerializer):
            return self.child.run_validation(item)  # a list of plain values (ids)
        if isinstance(item, Mapping):
            accepted = self.accepted_names()
            unknown = sorted(str(key) for key in item if key not in accepted)
            if unknown:
                writable = ", ".join(name for name, f in self.child.fields.items() if not f.read_only)
                raise serializers.ValidationError(
                    {key: [f"Unknown field. Accepted: {writable}."] for key in unknown}
                )
        child = type(self.child)(*self.child._args, **{**self.child._kwargs, "context": self.context})
        return child.run_validation(item)


def clean_items(instance, **children):
    """For a model's clean(): check JSON lists of objects (`numbers=ContactNumberSerializer`)
    the way the API does, so that the admin never stores what the API would refuse, and
    store them as the API would (defaults filled in)."""
    errors = {}
    for name, child_class in children.items():
        field = ItemsField(child_class())
        field.bind(name, serializers.Serializer())
        try:
            items = field.run_validation(getattr(instance, name))
        except serializers.ValidationError as error:
            errors[name] = _messages(error.detail)
        else:
            setattr(instance, name, [dict(item) for item in items])
    if errors:
        raise DjangoValidationError(errors)


def _messages(detail, where=""):
    """DRF's nested error detail as flat lines: `item 1: number: This field is required.`"""
    if isinstance(detail, Mapping):
        lines = []
        for key, value in detail.items():
            label = f"item {key + 1}" if isinstance(key, int) else str(key)
            lines += _messages(value, f"{where}{label}: ")
        return lines
    if isinstance(detail, list):
        return [line for value in detail for line in _messages(value, where)]
    return [f"{where}{detail}"]


class ChildRowsField(ItemsField):
    """The rows of `related_name` on the parent, in order, through `child`."""

    def __init__(self, child, *, related_name, **kwargs):
        self.related_name = related_name
        super().__init__(child=child, **kwargs)

    def get_attribute(self, instance):
        return list(getattr(instance, self.related_name).all()) if instance.pk else []


class WithChildRowsSerializer(serializers.ModelSerializer):
    """Mix in before PbxModelSerializer: writes every ChildRowsField after the parent."""

    def _child_fields(self):
        return {
            name: f for name, f in self.fields.items() if isinstance(f, ChildRowsField) and not f.read_only
        }

    def validate(self, attrs):
        attrs = super().validate(attrs)
        for name, field in self._child_fields().items():
            if name not in attrs and self.instance is not None and not self.partial:
                attrs[name] = []  # PUT replaces the whole object
            if name in attrs and self.instance is not None:
                _relations(self.instance)[name] = field.to_representation(field.get_attribute(self.instance))
        return attrs

    def save(self, **kwargs):
        sent = {
            name: self._validated_data.pop(name)
            for name in self._child_fields()
            if name in self._validated_data
        }
        parent = super().save(**kwargs)
        for name, rows in sent.items():
            field = self.fields[name]
            manager = getattr(parent, field.related_name)
            model, parent_field = manager.model, manager.field.name
            manager.all().delete()
            has_position = any(f.name == "position" for f in model._meta.concrete_fields)
            model.objects.bulk_create(
                [
                    model(**{parent_field: parent}, **({"position": index} if has_position else {}), **row)
                    for index, row in enumerate(rows)
                ]
            )
            getattr(parent, "_prefetched_objects_cache", {}).pop(field.related_name, None)
            _relations(parent)[name] = field.to_representation(field.get_attribute(parent))
        return parent


class IdRowsField(ChildRowsField):
    """Ordered references kept as rows of a through model (a route's trunks, a profile's
    routes), read and written as a list of ids: `"trunks": [3, 1]`."""

    def __init__(self, *, related_name, id_field, **kwargs):
        self.id_field = id_field
        kwargs.setdefault("help_text", f"Ids, in order ({id_field}s).")
        super().__init__(serializers.IntegerField(min_value=1), related_name=related_name, **kwargs)

    def to_representation(self, rows):
        return [getattr(row, f"{self.id_field}_id") for row in rows]

    def to_internal_value(self, data):
        ids = super().to_internal_value(data)
        if len(set(ids)) != len(ids):
            raise serializers.ValidationError("An id appears twice.")
        return [{f"{self.id_field}_id": pk} for pk in ids]


def ids_of(rows, id_field):
    """The ids an IdRowsField received, in order."""
    return [row[f"{id_field}_id"] for row in rows]
