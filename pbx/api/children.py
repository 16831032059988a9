"""Ordered rows of a child model written inside their parent: a route's dial patterns, a
schedule's time ranges, a queue's members. The parent's body carries them as a list of
objects; sending the list replaces them all (PUT also when left out), in the parent's
transaction, and the change log shows them in the parent's snapshots.

    class OutboundRouteSerializer(WithChildRowsSerializer, PbxModelSerializer):
        patterns = ChildRowsField(DialPatternSerializer(), related_name="patterns")

The child serializer is a plain ModelSerializer of the child model, without the parent
and position fields (position is the index in the list). Lists read the prefetched rows,
so a page costs one query per child field whatever its size.
"""

from rest_framework import serializers

from pbx.api.serializers import _relations


class ChildRowsField(serializers.ListField):
    """The rows of `related_name` on the parent, in order, through `child`."""

    def __init__(self, child, *, related_name, **kwargs):
        kwargs.setdefault("required", False)
        self.related_name = related_name
        super().__init__(child=child, **kwargs)

    def get_attribute(self, instance):
        return list(getattr(instance, self.related_name).all()) if instance.pk else []

    def to_representation(self, rows):
        return [self.child.to_representation(row) for row in rows]

    def to_internal_value(self, data):
        if not isinstance(data, list):
            raise serializers.ValidationError(f"Send a list of {self.field_name}, even of one.")
        return super().to_internal_value(data)


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
