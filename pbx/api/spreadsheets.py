"""`/api/<resource>/import/` and `/api/<resource>/export/` on every writable resource
(docs/csv.md): mixed into PbxViewSet, so a resource has them the moment it is registered.
The import runs `pbx.api.imports.CsvImport`, the export writes `pbx.api.sheets.Sheet`'s
columns, so that what one writes the other takes back unchanged."""

import importlib

from django.utils.functional import cached_property
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.response import Response

from pbx.api.exceptions import InvalidCsv, UnknownField
from pbx.api.imports import ON_DUPLICATE, CsvImport
from pbx.api.pagination import every_row
from pbx.api.renderers import cell_lines, csv_chunks, csv_download
from pbx.api.sheets import Sheet

TRUE = ("true", "1", "yes", "on")
SPREADSHEET_ACTIONS = ("import_rows", "export_rows")


class CSVBytesParser(BaseParser):
    """A CSV body, kept as bytes: the import decides its encoding (UTF-8, UTF-16 or the
    Windows-1252 that spreadsheet programs save)."""

    media_type = "text/csv"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read() if stream is not None else b""


class ApplicationCSVParser(CSVBytesParser):
    media_type = "application/csv"


class PlainTextCSVParser(CSVBytesParser):
    media_type = "text/plain"


_row_error = inline_serializer(
    "ImportRowError",
    {
        "line": serializers.IntegerField(),
        "column": serializers.CharField(),
        "code": serializers.CharField(),
        "message": serializers.CharField(),
    },
    many=True,
)
_row_result = inline_serializer(
    "ImportRowResult",
    {
        "line": serializers.IntegerField(),
        "action": serializers.ChoiceField(["created", "updated", "unchanged", "skipped", "refused"]),
        "id": serializers.IntegerField(allow_null=True),
        "key": serializers.CharField(allow_null=True),
    },
    many=True,
)
ImportReport = inline_serializer(
    "ImportReport",
    {
        "dry_run": serializers.BooleanField(),
        "on_duplicate": serializers.ChoiceField(list(ON_DUPLICATE)),
        "rows": serializers.IntegerField(),
        "created": serializers.IntegerField(),
        "updated": serializers.IntegerField(),
        "unchanged": serializers.IntegerField(),
        "skipped": serializers.IntegerField(),
        "refused": serializers.IntegerField(),
        "errors": _row_error,
        "results": _row_result,
    },
)


def upload_of(request):
    """The CSV of an import request: the body, or the one file of a multipart upload."""
    data = request.data
    if isinstance(data, bytes | str):
        raw = data
    else:
        files = list(request.FILES.values())
        others = [name for name in data if name not in request.FILES]
        if others:
            raise UnknownField(
                f"Unknown form field {', '.join(sorted(others))}: send the CSV as the one file "
                "(dry_run and on_duplicate go in the query).",
                fields={name: ["Unknown field."] for name in others},
            )
        if len(files) != 1:
            raise InvalidCsv(
                "Send one CSV: the body (Content-Type: text/csv) or one file of a multipart upload."
            )
        raw = files[0].read()
    if not raw:
        raise InvalidCsv("The body is empty: send the CSV, its first line naming the columns.")
    return raw


class SpreadsheetMixin:
    """The import and export actions of a resource. `importable = False` leaves them out
    (a resource whose objects no CSV can recreate, such as API keys, whose secrets are
    shown once)."""

    importable = True
    # Query parameters that fill a column of every imported row: {parameter: field}.
    import_query_fields = {}

    @classmethod
    def get_extra_actions(cls):
        actions = super().get_extra_actions()
        if cls.is_importable():
            return actions
        return [a for a in actions if a.__name__ not in SPREADSHEET_ACTIONS]

    @classmethod
    def is_importable(cls):
        # A resource whose create is taken away (webhook deliveries) has no import either.
        writable = "post" in cls.http_method_names and callable(getattr(cls, "create", None))
        return cls.importable and writable

    @cached_property
    def dry_run(self):
        return self.request.query_params.get("dry_run", "").lower() in TRUE

    @extend_schema(
        request={
            "text/csv": OpenApiTypes.STR,
            "multipart/form-data": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
            },
        },
        responses={200: ImportReport, 201: ImportReport},
        parameters=[
            OpenApiParameter("dry_run", bool, description="Check every row and report, writing nothing."),
            OpenApiParameter(
                "on_duplicate",
                str,
                enum=list(ON_DUPLICATE),
                description="An object that exists (same natural key): refuse the row (fail, the "
                "default), leave it (skip) or change the columns given (update).",
            ),
        ],
        description="Import a CSV of this resource's columns (docs/csv.md): every row is checked "
        "as a JSON write of the same values; all are written, or none.",
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        url_name="import",
        query_parameters=["dry_run", "on_duplicate"],
        parser_classes=[CSVBytesParser, ApplicationCSVParser, PlainTextCSVParser, MultiPartParser],
        filter_backends=[],
        pagination_class=None,
    )
    def import_rows(self, request):
        """Create or change this resource's objects from a CSV."""
        on_duplicate = request.query_params.get("on_duplicate", "fail").lower()
        run = CsvImport(self, dry_run=self.dry_run, on_duplicate=on_duplicate)
        report = run.run(upload_of(request))
        created = report["created"] and not report["dry_run"]
        return Response(report, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        filters=True,
        responses={(200, "text/csv"): OpenApiTypes.STR},
        description="Every object within reach (the list's filters apply) as a CSV that import/ takes back.",
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="export",
        url_name="export",
        query_parameters=["fields"],
        pagination_class=None,
    )
    def export_rows(self, request):
        """This resource's objects as the CSV its import reads."""
        return self.export_response(self.filter_queryset(self.get_queryset()))

    def export_response(self, queryset):
        """A streamed CSV of `queryset`'s objects in the export's columns, for this caller
        (the admin's export action hands the rows it selected)."""
        serializer = self.get_serializer()
        sheet = Sheet(serializer)
        needed = {column.field for column in sheet.columns}
        for name in list(serializer.fields):
            if name not in needed:
                serializer.fields.pop(name)  # nothing computed that the CSV leaves out
        header = [column.name for column in sheet.columns]
        rows = (sheet.cells_of(serializer.to_representation(row)) for row in every_row(queryset))
        return csv_download(csv_chunks(cell_lines(header, rows)), f"{self.basename}-export")


# --- the same import and export outside an API request -----------------------------------


def _registry():
    """The router's resources; the URLs are loaded first, since a command, a shell or a
    worker has not loaded them (each app's api/urls.py registers on import)."""
    from django.conf import settings

    from pbx.api.routers import router

    importlib.import_module(settings.ROOT_URLCONF)
    return [
        (prefix, viewset, basename)
        for prefix, viewset, basename in router.registry
        if hasattr(viewset, "is_importable")
    ]


def viewset_of(model):
    """The registered resource of `model` (its viewset class), or None."""
    for _prefix, viewset, _basename in _registry():
        queryset = getattr(viewset, "queryset", None)
        if queryset is not None and queryset.model is model:
            return viewset
    return None


def resource_of(name):
    """(viewset class, route prefix) of a resource named as in its URL (`extensions`,
    `hunt-lists`) or by its model (`extension`, `huntlist`); None for none."""
    wanted = name.strip().lower().strip("/")
    for prefix, viewset, basename in _registry():
        if wanted in (prefix, basename, prefix.replace("-", "_")):
            return viewset, prefix
    return None


def resource_view(viewset_class, django_request, *, action="import_rows", scope=None):
    """An instance of a resource's viewset bound to `django_request` (its user, its query
    string), as the router would make it and with the API's permission checks passed, so
    that the admin's import page and the commands run an import or export by the API's
    own rules. `scope`: a Scope to act with instead of the request user's (the commands
    act as the platform). PermissionDenied (403) when the user may not use the resource."""
    from rest_framework.request import Request

    if scope is not None:
        django_request.pbx_scope = scope  # what scope_of() reads first
    request = Request(django_request, parsers=[], authenticators=[])
    request.user = getattr(django_request, "user", None)
    request.auth = None  # a session's user, no key: else DRF would authenticate it away
    basename = next((b for _p, v, b in _registry() if v is viewset_class), None)
    view = viewset_class(
        request=request, args=(), kwargs={}, action=action, format_kwarg=None, basename=basename
    )
    view.headers = {}
    if scope is None:
        view.check_permissions(request)  # a platform resource stays the platform's
    return view
