"""The viewsets every resource is made of (the NetBox-style base layer).

A concrete resource declares a queryset, a serializer class and a filterset class; this
module gives it, once for all:
- the caller's reach: tenant-owned rows outside it do not exist (404), `?tenant=` narrows;
- the user_api role's limits: its own objects, only the fields the resource lists;
- writes in a transaction, one object at a time, each logged in the change log, and
  bulk writes that are all or none;
- lists streamed as CSV (`?format=csv`, `Accept: text/csv`, `?page_size=all`);
- `import/` and `export/` of CSV files (pbx.api.spreadsheets);
- `/<resource>/number/<number>/` for numbered objects.
"""

from django.db import InterfaceError, OperationalError, transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils.functional import cached_property
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apikeys import roles
from pbx import changelog, destinations, replicas
from pbx.api import tags
from pbx.api.concurrency import check_if_match, etag_of, idempotent, not_modified
from pbx.api.exceptions import (
    ApiError,
    InUse,
    MissingTenant,
    MultipleObjectsFound,
    NotFound,
    NumberInUse,
    PermissionDenied,
    UnknownField,
)
from pbx.api.pagination import every_row
from pbx.api.renderers import CSVRenderer, JsonErrorsMixin, stream_csv
from pbx.api.scope import scope_of
from pbx.api.serializers import apply_aliases
from pbx.api.spreadsheets import SpreadsheetMixin
from pbx.api.strict import OTHER_SYSTEMS_TENANT_FIELDS, StrictQueryMixin
from pbx.api.uuids import UUID_REGEX, as_uuid, has_uuid
from pbx.models import NumberInUseError
from tenants.models import Tenant

MAX_BULK_ITEMS = 1000
ID_REGEX = r"[0-9]{1,18}"  # ids past 18 digits cannot exist; they 404 instead of overflowing
# Objects with a stable UUID (pbx.models.stable_uuid_field) are also addressed by it, as
# FusionPBX and DjangoPBX scripts do: `/api/extensions/550e8400-e29b-41d4-a716-446655440000/`.
ID_OR_UUID_REGEX = ID_REGEX + "|" + UUID_REGEX


def record_api_actor(request):
    """Tell the change log who acts and with which key: called by a view's initial(),
    once the request is authenticated."""
    changelog.set_context(
        actor=request.user,
        api_key_prefix=getattr(request.auth, "prefix", ""),
        api_key_name=getattr(request.auth, "name", ""),
        source="api",
    )


class PbxViewSet(JsonErrorsMixin, StrictQueryMixin, SpreadsheetMixin, viewsets.ModelViewSet):
    """Base of every resource: scope, role limits, atomic and bulk writes, CSV lists,
    CSV import and export (pbx.api.spreadsheets), strict input."""

    lookup_value_regex = ID_REGEX
    # The tenant foreign key of the model; None for platform objects that have no tenant.
    tenant_field = "tenant"
    # user_api callers may change the objects whose `owner_field` is themselves, and only
    # the fields listed here; they read the rest of their tenant and write nothing else.
    # It may follow relations (`voicemail__user`: a message's owner is its box's).
    owner_field = None
    owner_editable_fields = ()
    # True where a user_api caller reads only its own objects (its voicemail, its devices)
    # rather than the whole tenant's.
    owner_only_reads = False
    # True where `?format=csv` is every matching row unless a page is asked for (CDRs: the
    # CSV is an export, not a page).
    csv_streams_all_rows = False
    # RFC 4180's line end; CDRs end lines as PostgreSQL's COPY does, whichever path serves.
    csv_line_end = "\r\n"
    # Query parameters beyond the kernel's (pbx.api.strict); an extra action names its own
    # with @action(query_parameters=[...]), and one that reads the list's filters, pages
    # and `fields=` (a CSV download, statistics) says @action(list_query=True).
    query_parameters = ()
    list_query = False
    # The actions whose safe requests read from a replica when one is configured
    # (pbx.replicas): large reads that may trail the primary by a moment.
    replica_actions = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        queryset = cls.__dict__.get("queryset")
        if queryset is not None and "lookup_value_regex" not in cls.__dict__ and has_uuid(queryset.model):
            cls.lookup_value_regex = ID_OR_UUID_REGEX

    @cached_property
    def scope(self):
        return scope_of(self.request)

    def get_object(self):
        # A UUID in the path names the object as its id does (same reach, same 404).
        value = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
        uuid = as_uuid(value) if value is not None else None
        if uuid is not None and has_uuid(self.queryset.model):
            queryset = self.filter_queryset(self.get_queryset())
            instance = queryset.filter(uuid=uuid).first()
            if instance is None:
                raise NotFound(f"No {self.queryset.model._meta.verbose_name} {uuid}.")
            self.check_object_permissions(self.request, instance)
            return instance
        return super().get_object()

    def tenant_param(self):
        """`?tenant=` (code, id, UUID or name), or FusionPBX's and DjangoPBX's name for it."""
        params = self.request.query_params
        for name in ("tenant", *sorted(OTHER_SYSTEMS_TENANT_FIELDS)):
            if params.get(name):
                return params[name]
        return None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        record_api_actor(request)
        # After authentication, whose reads (a key just created) belong to the primary.
        if self.action in self.replica_actions and request.method in ("GET", "HEAD"):
            replicas.read_from_replica()

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except (OperationalError, InterfaceError) as error:
            if request.method not in ("GET", "HEAD") or not replicas.retry_on_primary(error):
                raise
        # The replica failed this read, which wrote nothing: the same request again, on
        # the primary, so that the caller gets its answer rather than a 500.
        return super().dispatch(request, *args, **kwargs)

    # --- strict input ---------------------------------------------------------------------

    def accepted_query_parameters(self):
        """The query parameters this request's route takes: the kernel's, the tenant, the
        list's filters, pages and columns on lists, `fields=` on a read, `force` on a
        delete that destinations may block, and what the view or action declares."""
        names = set(super().accepted_query_parameters())
        if self.tenant_field is not None:
            names |= {"tenant", *OTHER_SYSTEMS_TENANT_FIELDS}
        method = self.request.method
        if self.action == "list" or self.list_query:
            names |= self.list_query_parameters()
        elif self.action == "export_rows":
            names |= self.filter_query_parameters()  # the list's filters choose the rows
        elif self.action == "import_rows":
            names |= set(self.import_query_fields)
        if self.action in ("export_rows", "import_rows"):
            # What the resource's own views all take (a CDR's ?nojson=, a tenant's users)
            # reaches its serializer here too: the action's own list replaced the class's.
            names |= set(type(self).query_parameters)
        elif method in ("GET", "HEAD") and self.action in ("retrieve", "by_number"):
            names.add("fields")
        if method == "DELETE" and destinations.is_target(self.queryset.model):
            names.add("force")
        return names

    def list_query_parameters(self):
        names = {"fields"} | self.filter_query_parameters()
        paginator = self.paginator
        for attribute in ("page_query_param", "page_size_query_param", "cursor_query_param"):
            if getattr(paginator, attribute, None):
                names.add(getattr(paginator, attribute))
        return names

    def filter_query_parameters(self):
        """The filters', search's and ordering's parameters of this resource's list."""
        names = set()
        for backend in self.filter_backends:
            reads = getattr(backend(), "query_parameters", None)
            if reads is not None:
                names |= reads(self)
        return names

    # --- reading ------------------------------------------------------------------------

    def get_queryset(self):
        queryset = self.scope_queryset(super().get_queryset())
        if self.owner_only_reads and self.scope.role == roles.USER:
            queryset = queryset.filter(**{self.owner_field: self.scope.user})
        if getattr(self.get_serializer_class().Meta, "taggable", True):
            # The tag names ride along with each row: no query per row, none per page.
            queryset = queryset.annotate(scope_tags=tags.names_subquery(queryset.model))
        return queryset

    def scope_queryset(self, queryset):
        if self.tenant_field is None:
            return queryset
        # The tenant's code rides along with each row (TenantField reads it), so no Tenant
        # is built per row. A subquery, not a join: count() drops an unused subquery but
        # must keep an inner join, which made a 100,000-row count ten times slower.
        queryset = queryset.annotate(
            scope_tenant_code=Subquery(
                Tenant.objects.filter(pk=OuterRef(f"{self.tenant_field}_id")).values("code")[:1]
            )
        )
        narrowed = self.tenant_param()
        if narrowed:
            return queryset.filter(**{f"{self.tenant_field}_id": self.scope.tenant(narrowed).pk})
        reach = self.reach_filter()
        return queryset if reach is None else queryset.filter(reach)

    def reach_filter(self):
        """The rows the caller reaches when it names no tenant (None: all of them)."""
        if self.scope.tenant_ids is None:
            return None
        return Q(**{f"{self.tenant_field}_id__in": self.scope.tenant_ids})

    def list(self, request, *args, **kwargs):
        if isinstance(request.accepted_renderer, CSVRenderer):
            return self.list_csv(request)
        return super().list(request, *args, **kwargs)

    def list_csv(self, request):
        """Stream the list as CSV; `?page_size=all` streams every matching row."""
        queryset = self.filter_queryset(self.get_queryset())
        params = request.query_params
        asked_a_page = "page" in params or "cursor" in params
        if params.get("page_size") == "all" or (self.csv_streams_all_rows and not asked_a_page):
            rows = every_row(queryset)
        else:
            rows = self.paginate_queryset(queryset)
            rows = queryset if rows is None else rows
        serializer = self.get_serializer()
        records = (serializer.to_representation(row) for row in rows)
        return stream_csv(self.csv_columns(serializer), records, self.basename, self.csv_line_end)

    def csv_columns(self, serializer):
        """The CSV's columns: the fields the JSON shows this caller, in the same order."""
        hidden = set() if serializer._may_see_secrets else set(getattr(serializer.Meta, "secret_fields", ()))
        return [
            name for name, field in serializer.fields.items() if not field.write_only and name not in hidden
        ]

    # --- tenant of new objects ----------------------------------------------------------

    def tenant_for_create(self, body_tenant):
        """The tenant a new object goes to: the body's `tenant`, else `?tenant=`, else the
        key's tenant, else the caller's only tenant; otherwise 400 missing_tenant."""
        param = self.tenant_param()
        narrowed = self.scope.tenant(param) if param else None
        if body_tenant is not None and narrowed is not None and body_tenant.pk != narrowed.pk:
            raise ApiError(fields={"tenant": ["Differs from ?tenant=: send one tenant."]})
        tenant = body_tenant or narrowed or self.implied_tenant()
        if tenant is None:
            raise MissingTenant()
        return tenant

    def implied_tenant(self):
        """The tenant a caller means without naming one: its key's, else its only one."""
        if self.scope.key_tenant_id is not None:
            return self.scope.key.tenant
        if self.scope.tenant_ids is not None and len(self.scope.tenant_ids) == 1:
            return self.scope.tenant(next(iter(self.scope.tenant_ids)))
        return None

    # --- the user_api role --------------------------------------------------------------

    def check_role_write(self, instance, data):
        """Refuse what a user_api caller may not write; other roles pass through."""
        if self.scope.role != roles.USER:
            return
        noun = self.queryset.model._meta.verbose_name_plural
        if self.owner_field is None or instance is None:
            raise PermissionDenied(f"Your role (user_api) may not create or delete {noun}.")
        if self.owner_id_of(instance) != self.scope.user.pk:
            raise PermissionDenied(f"Your role (user_api) may change only your own {noun}.")
        if self.request.method == "PUT":
            raise PermissionDenied("Your role (user_api) may change fields with PATCH only.")
        aliases = getattr(self.get_serializer_class().Meta, "aliases", {})
        sent = set(apply_aliases(data, aliases)) if isinstance(data, dict) else set()
        refused = sorted(sent - set(self.owner_editable_fields))
        if refused:
            raise PermissionDenied(
                "Your role (user_api) may change only: " + ", ".join(self.owner_editable_fields) + ".",
                fields={name: ["You may not change this field."] for name in refused},
            )

    def owner_id_of(self, instance):
        """The id of the user in `owner_field`, following `__` relations."""
        *path, last = self.owner_field.split("__")
        for name in path:
            instance = getattr(instance, name)
            if instance is None:
                return None
        return getattr(instance, f"{last}_id")

    # --- writing one object -------------------------------------------------------------

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        etag = etag_of(response.data)
        if not_modified(request, etag):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        response["ETag"] = etag
        return response

    def create(self, request, *args, **kwargs):
        return idempotent(request, lambda: self._create(request, *args, **kwargs))

    def _create(self, request, *args, **kwargs):
        if isinstance(request.data, list):
            return self.bulk_create(request)
        self.check_role_write(None, request.data)
        return super().create(request, *args, **kwargs)

    def get_object_for_write(self):
        """The object a PUT, PATCH or DELETE acts on, locked against concurrent writers
        when the caller sent If-Match (so that the check and the write are one step)."""
        instance = self.get_object()
        if self.request.headers.get("If-Match"):
            locked = type(instance)._default_manager.select_for_update().get(pk=instance.pk)
            check_if_match(self.request, self.get_serializer(locked).data)
            return locked
        return instance

    @transaction.atomic
    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        instance = self.get_object_for_write()
        self.check_role_write(instance, request.data)
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        self.perform_update(serializer)
        return Response(serializer.data, headers={"ETag": etag_of(serializer.data)})

    @transaction.atomic
    def destroy(self, request, *args, **kwargs):
        self.check_role_write(None, None)
        self.perform_destroy(self.get_object_for_write())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def perform_create(self, serializer):
        self.save_object(serializer)

    def perform_update(self, serializer):
        self.save_object(serializer)

    def perform_destroy(self, instance):
        with transaction.atomic():
            self.delete_object(instance)

    def save_object(self, serializer, index=None, *, savepoint=True):
        """Save one validated object and log the change; every write of the kernel passes here.

        `savepoint=False`: the caller holds a savepoint of its own around this save and
        ends it when the save fails (a CSV import's row), so this one would be a second
        pair of round trips for nothing."""
        before = changelog.snapshot(serializer.instance) if serializer.instance is not None else None
        try:
            with transaction.atomic(savepoint=savepoint):
                saved = serializer.save()
                changelog.record(saved, changelog.UPDATE if before else changelog.CREATE, before)
                return saved
        except NumberInUseError as error:
            extra = {"index": index} if index is not None else {}
            raise NumberInUse(str(error), holder=error.holder.as_holder(), **extra) from None

    def delete_object(self, instance):
        """Delete one object and log it; every delete of the kernel passes here."""
        with transaction.atomic():
            self.release_referrers(instance)
            changelog.record(instance, changelog.DELETE, changelog.snapshot(instance))
            tags.forget(instance)
            instance.delete()

    def release_referrers(self, instance):
        """An object that destinations or member lists point at is not deleted from under
        them: 409 in_use, listing the referrers, unless `?force=true`, which removes those
        references in the same transaction (docs/api.md)."""
        if not destinations.is_target(type(instance)):
            return
        referrers = destinations.referrers_of(instance)
        if not referrers:
            return
        if self.request.query_params.get("force", "").lower() not in ("true", "1", "yes"):
            listed = ", ".join(f"{r['label']} ({r['slot']})" for r in referrers[:10])
            more = f" and {len(referrers) - 10} more" if len(referrers) > 10 else ""
            raise InUse(
                f"{instance._meta.verbose_name.capitalize()} {instance} is used by {listed}{more}: "
                "change those first, or add ?force=true to remove the references.",
                referrers=referrers,
            )
        for owner, before, after in destinations.release(instance):
            # The owners' slots changed too: their history says so.
            owner._pbx_relations = {"destinations": before}
            snapshot_before = changelog.snapshot(owner)
            owner._pbx_relations = {"destinations": after}
            changelog.record(owner, changelog.UPDATE, snapshot_before)

    # --- bulk ---------------------------------------------------------------------------

    def _bulk_items(self, request, need_id):
        items = request.data
        if not isinstance(items, list) or not items:
            shape = "objects, each with its id" if need_id else "objects"
            raise ApiError(f"Send a non-empty JSON array of {shape}.")
        if len(items) > MAX_BULK_ITEMS:
            raise ApiError(f"At most {MAX_BULK_ITEMS} objects per request; split the batch.")
        bad = [i for i, item in enumerate(items) if not isinstance(item, dict)]
        if bad:
            raise ApiError("Every element must be a JSON object.", items=[{"index": i} for i in bad])
        if not need_id:
            return items
        ids = []
        for i, item in enumerate(items):
            value = item.get("id")
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ApiError(f"Element {i} needs an integer id.", index=i)
            ids.append(value)
        if len(set(ids)) != len(ids):
            raise ApiError("An id appears twice in the array.")
        found = self.get_queryset().in_bulk(ids)
        missing = [i for i, pk in enumerate(ids) if pk not in found]
        if missing:
            raise NotFound(
                "Some objects were not found: " + ", ".join(str(ids[i]) for i in missing) + ".",
                items=[{"index": i, "id": ids[i]} for i in missing],
            )
        return [(found[pk], item) for pk, item in zip(ids, items, strict=True)]

    def _validate_all(self, serializers):
        errors = []
        for i, serializer in enumerate(serializers):
            try:
                valid = serializer.is_valid()
            except UnknownField as error:
                raise error.at_index(i) from None
            if not valid:
                errors.append({"index": i, "fields": serializer.errors})
        if errors:
            raise ApiError(
                f"{len(errors)} of {len(serializers)} objects are invalid; nothing was written.",
                items=errors,
            )

    def bulk_create(self, request):
        """POST an array: all objects are created, or none."""
        items = self._bulk_items(request, need_id=False)
        for item in items:
            self.check_role_write(None, item)
        serializers = [self.get_serializer(data=item) for item in items]
        self._validate_all(serializers)
        with transaction.atomic():
            for i, serializer in enumerate(serializers):
                self.save_object(serializer, index=i)
        return Response([s.data for s in serializers], status=status.HTTP_201_CREATED)

    def bulk_update(self, request, *args, **kwargs):
        """PATCH an array of objects with their ids: all are updated, or none."""
        pairs = self._bulk_items(request, need_id=True)
        for instance, item in pairs:
            self.check_role_write(instance, {k: v for k, v in item.items() if k != "id"})
        serializers = [
            self.get_serializer(instance, data={k: v for k, v in item.items() if k != "id"}, partial=True)
            for instance, item in pairs
        ]
        self._validate_all(serializers)
        with transaction.atomic():
            for i, serializer in enumerate(serializers):
                self.save_object(serializer, index=i)
        return Response([s.data for s in serializers])

    def bulk_destroy(self, request, *args, **kwargs):
        """DELETE an array of objects with their ids: all are deleted, or none."""
        pairs = self._bulk_items(request, need_id=True)
        for _instance, _item in pairs:
            self.check_role_write(None, None)
        with transaction.atomic():
            for instance, _item in pairs:
                self.delete_object(instance)
        return Response(status=status.HTTP_204_NO_CONTENT)


class NumberedViewSet(PbxViewSet):
    """A resource whose objects have a dial-plan number: `/<resource>/number/<number>/`."""

    number_field = "number"

    def get_object(self):
        if "number" not in self.kwargs:
            return super().get_object()
        number = self.kwargs["number"]
        matches = list(self.get_queryset().filter(**{self.number_field: number})[:2])
        if not matches:
            raise NotFound(f"No {self.queryset.model._meta.verbose_name} has number {number}.")
        if len(matches) > 1:
            raise MultipleObjectsFound(
                f"Number {number} exists in several tenants: add ?tenant=CODE or use the id."
            )
        self.check_object_permissions(self.request, matches[0])
        return matches[0]

    @action(
        detail=False,
        methods=["get", "put", "patch", "delete"],
        url_path=r"number/(?P<number>[^/]{1,32})",
        url_name="by-number",
    )
    def by_number(self, request, number=None):
        """Read, replace, change or delete the object holding this number."""
        handler = {
            "GET": self.retrieve,
            "HEAD": self.retrieve,
            "PUT": self.update,
            "PATCH": self.partial_update,
            "DELETE": self.destroy,
        }[request.method]
        return handler(request, number=number)
