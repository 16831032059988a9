"""Tags on every object of every app: `tags` on every serializer, `?tag=` on every list.

A tag (tenants.Tag) belongs to a tenant, or is global; an object of a tenant carries
that tenant's tags, an object without a tenant (a tenant itself, a user, a global
setting) carries global ones. Writing `"tags": ["vip", "lobby"]` replaces the
object's tags, creating the tags the tenant does not have yet. Assignments live in
tenants.TaggedObject, keyed by the model's label and the object's id, so no app needs
a relation of its own.

Reading costs no query: the kernel's querysets carry the names as one correlated
subquery (`scope_tags`), comma-joined in SQL.
"""

from django.db.models import Aggregate, CharField, OuterRef, Subquery
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tenants.models import Tag, TaggedObject, tag_name_validator

MAX_TAGS = 50


class JoinedNames(Aggregate):
    """The names of a group, comma-joined: STRING_AGG on PostgreSQL, GROUP_CONCAT on
    SQLite (Django 5.2 has no portable string aggregate)."""

    template = "STRING_AGG(%(expressions)s, ',')"
    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, template="GROUP_CONCAT(%(expressions)s, ',')", **extra)


def object_type(model):
    return model._meta.label_lower


def names_subquery(model):
    """The comma-joined tag names of each row of `model`, for `.annotate(scope_tags=...)`."""
    return Subquery(
        TaggedObject.objects.filter(object_type=object_type(model), object_id=OuterRef("pk"))
        .order_by()
        .values("object_type")
        .annotate(names=JoinedNames("tag__name"))
        .values("names")[:1]
    )


def names_of(instance):
    """The object's tag names, sorted: from the annotation when the row has it."""
    joined = getattr(instance, "scope_tags", _MISSING)
    if joined is _MISSING:
        return sorted(
            TaggedObject.objects.filter(
                object_type=object_type(type(instance)), object_id=instance.pk
            ).values_list("tag__name", flat=True)
        )
    return sorted(joined.split(",")) if joined else []


_MISSING = object()


def assign(instance, names, *, created=False):
    """Make `names` the object's tags (creating missing tags in its tenant); returns them
    sorted. Call inside the write's transaction. `created`: the object was inserted in
    this transaction and carries no tags yet, so none are taken off first (a query less
    per imported row)."""
    tenant_id = getattr(instance, "tenant_id", None)
    kind = object_type(type(instance))
    tags = {tag.name: tag for tag in Tag.objects.filter(tenant_id=tenant_id, name__in=names)}
    for name in names:
        if name not in tags:
            tags[name] = Tag.objects.create(tenant_id=tenant_id, name=name)
    if not created:
        TaggedObject.objects.filter(object_type=kind, object_id=instance.pk).exclude(
            tag_id__in=[tag.pk for tag in tags.values()]
        ).delete()
    TaggedObject.objects.bulk_create(
        [TaggedObject(tag=tag, object_type=kind, object_id=instance.pk) for tag in tags.values()],
        ignore_conflicts=True,
    )
    instance.scope_tags = ",".join(sorted(names))
    return sorted(names)


def assign_new(names_by_instance, tenant_id):
    """Give freshly created objects of one tenant their tags, in a few queries whatever
    their number (bulk imports): {instance: [names]}, creating the tenant's missing tags."""
    wanted = {name for names in names_by_instance.values() for name in names}
    if not wanted:
        return
    tags = {tag.name: tag for tag in Tag.objects.filter(tenant_id=tenant_id, name__in=wanted)}
    missing = [Tag(tenant_id=tenant_id, name=name) for name in sorted(wanted - set(tags))]
    Tag.objects.bulk_create(missing, ignore_conflicts=True)
    if missing:
        tags = {tag.name: tag for tag in Tag.objects.filter(tenant_id=tenant_id, name__in=wanted)}
    TaggedObject.objects.bulk_create(
        [
            TaggedObject(tag=tags[name], object_type=object_type(type(instance)), object_id=instance.pk)
            for instance, names in names_by_instance.items()
            for name in names
        ],
        batch_size=2000,
        ignore_conflicts=True,
    )


def forget(instance):
    """Drop a deleted object's tag assignments (the kernel's delete paths call this; a
    post_delete receiver on every model would stop Django's fast cascades)."""
    TaggedObject.objects.filter(object_type=object_type(type(instance)), object_id=instance.pk).delete()


def filter_by_tags(queryset, names):
    """Rows carrying every one of `names`."""
    kind = object_type(queryset.model)
    for name in names:
        queryset = queryset.filter(
            pk__in=TaggedObject.objects.filter(object_type=kind, tag__name=name).values("object_id")
        )
    return queryset


@extend_schema_field(
    {
        "type": "array",
        "items": {"type": "string", "example": "vip"},
        "description": "Tag names; writing replaces them, creating tags the tenant lacks.",
    }
)
class TagsField(serializers.Field):
    """The object's tags as a sorted list of names."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(source="*", **kwargs)

    def to_representation(self, instance):
        return names_of(instance)

    def to_internal_value(self, data):
        if not isinstance(data, list) or not all(isinstance(name, str) for name in data):
            raise serializers.ValidationError('Send a list of tag names, e.g. ["vip", "lobby"].')
        names = sorted({name.strip().lower() for name in data})
        bad = [name for name in names if not tag_name_validator.regex.match(name)]
        if bad:
            raise serializers.ValidationError(f"Invalid tag name {bad[0]!r}. {tag_name_validator.message}")
        if len(names) > MAX_TAGS:
            raise serializers.ValidationError(f"At most {MAX_TAGS} tags per object.")
        return {"_tags": names}
