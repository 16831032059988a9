"""CSV import into any resource (docs/csv.md): `/api/<resource>/import/`, the admin's
import page and `manage.py import_csv` all run a `CsvImport` through the resource's own
viewset, so that a row obeys exactly what a JSON POST or PATCH of the same values
obeys: one serializer, one scope, one change log, the same webhooks.

Rows are taken in file order, each in a savepoint of one transaction: a row sees the
rows above it (two rows with one number clash, a hunt list may name the extension
created three lines up), a bad row is rolled back alone and reported with its line and
column, and the transaction is rolled back whole if any row is refused or the run is a
dry run. So a dry run reports exactly what the write would do.

An existing object is found by its natural key (a number, a MAC address, a name: see
`natural_key`), or by `id` for resources that have none; `on_duplicate` says whether it
is refused (`fail`), left alone (`skip`) or changed like a PATCH of the row's columns
(`update`). An update that would change nothing is not saved and is counted
`unchanged`, so that importing an export back writes and logs nothing.
"""

import csv
import io

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import UniqueConstraint
from rest_framework import serializers

from pbx import changelog
from pbx.api.exceptions import ApiError, InvalidCsv, MissingTenant, TenantNotFound, UnknownField
from pbx.api.sheets import Sheet

MAX_ROWS = 100_000
MAX_REPORTED = 1000
IN_CHUNK = 1000  # key values per IN (...) query: under every database's parameter limit  # errors and row results listed in one answer (the counts are complete)
ON_DUPLICATE = ("fail", "skip", "update")
CREATED, UPDATED, UNCHANGED, SKIPPED, REFUSED = "created", "updated", "unchanged", "skipped", "refused"


class RowsRefused(ApiError):
    status_code, default_code = 400, "rows_refused"


# --- the file -----------------------------------------------------------------------------


def decode(raw):
    """The text of an uploaded CSV: UTF-8 with or without a byte-order mark, UTF-16 with
    one (Excel's "Unicode text"), else Windows-1252, what spreadsheet programs on Windows
    save as "CSV"."""
    if isinstance(raw, str):
        return raw.removeprefix("\ufeff")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise InvalidCsv("The file starts as UTF-16 but is not: save it as UTF-8.") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError as error:
        raise InvalidCsv(
            f"The file is neither UTF-8 nor Windows-1252 (byte {error.start}): save it as UTF-8."
        ) from None


def delimiter_of(header_line):
    """`,`, or the `;` that spreadsheets write where the decimal mark is a comma, or a tab."""
    counts = {delimiter: header_line.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def read_table(text):
    """(header cells, iterator of (line number, cells)) of a CSV; blank lines are no rows."""
    if "\x00" in text:
        raise InvalidCsv("The file holds NUL characters: it is no CSV text.")
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    # strict: an unclosed quote is an error, not a cell that swallows the rest of the file
    reader = csv.reader(io.StringIO(text), delimiter=delimiter_of(first_line), strict=True)
    header = None
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                header = cells
                break
    except csv.Error as error:
        raise InvalidCsv(f"Line {reader.line_num}: {error}.") from None
    if header is None:
        raise InvalidCsv("The file is empty: its first line must name the columns.")

    def rows():
        line = reader.line_num
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                raise InvalidCsv(f"Line {reader.line_num}: {error}.") from None
            if any(cell.strip() for cell in cells):
                yield line + 1, cells
            line = reader.line_num

    return header, rows()


# --- which object a row is ----------------------------------------------------------------


def natural_key(serializer):
    """The serializer fields that name one object within its tenant: `Meta.natural_key`,
    else the platform-wide unique value (a DID's number, a phone's MAC), else the first
    unique constraint or unique field of the model (the tenant aside). Empty: none."""
    meta = serializer.Meta
    if hasattr(meta, "natural_key"):
        return tuple(meta.natural_key)
    platform_wide = list(getattr(meta, "unique_platform_wide", {}))
    if platform_wide:
        return (platform_wide[0],)
    model = meta.model
    by_source = {}
    for name, field in serializer.fields.items():
        if not field.read_only:
            by_source.setdefault(field.source, name)
            by_source.setdefault(field.source.removesuffix("_id"), name)
    candidates = [
        constraint.fields
        for constraint in model._meta.constraints
        if isinstance(constraint, UniqueConstraint) and constraint.fields
    ]
    candidates += [tuple(fields) for fields in model._meta.unique_together]
    candidates += [(f.name,) for f in model._meta.concrete_fields if f.unique and not f.primary_key]
    for fields in candidates:
        names = [by_source.get(name) for name in fields if name != "tenant"]
        if names and all(names):
            return tuple(names)
    return ()


class _Refused(Exception):
    def __init__(self, errors):
        self.errors = errors


# --- the run --------------------------------------------------------------------------------


class CsvImport:
    """One import of a CSV into the resource of `view` (a PbxViewSet with its request)."""

    def __init__(self, view, *, dry_run=False, on_duplicate="fail", progress=None):
        if on_duplicate not in ON_DUPLICATE:
            raise ApiError(fields={"on_duplicate": ["Use fail, skip or update."]})
        self.view, self.dry_run, self.on_duplicate = view, dry_run, on_duplicate
        self.progress = progress
        self.sheet = Sheet(view.get_serializer())
        self.key = natural_key(self.sheet.serializer)
        self.counts = dict.fromkeys((CREATED, UPDATED, UNCHANGED, SKIPPED, REFUSED), 0)
        self.errors, self.results = [], []
        self.seen = {}  # key -> line of the row that named it
        self._serializers = {}  # True: the one for new objects, False: for existing ones
        self.defaults = self._query_fields()

    def _query_fields(self):
        """{field: value} of the query parameters that fill a column of every row."""
        filled, named_by = {}, {}
        for param, field in self.view.import_query_fields.items():
            value = self.view.request.query_params.get(param)
            if not value:
                continue
            if field in filled and filled[field] != value:
                raise ApiError(f"?{named_by[field]}= and ?{param}= differ: send one.")
            filled[field], named_by[field] = value, param
        return filled

    def run(self, raw):
        """Import the file (bytes or text); the report, or 400 rows_refused when a row
        is refused (nothing is written then)."""
        header, lines = read_table(decode(raw))
        self._read_header(header)
        rows = []
        for line, cells in lines:
            if len(rows) == MAX_ROWS:
                raise InvalidCsv(f"At most {MAX_ROWS} rows per file; split it.")
            rows.append((line, cells))
        rows_read = len(rows)
        with transaction.atomic(), changelog.deferred() as log:
            if self.dry_run:
                log.discard()  # rolled back anyway: no snapshots, no webhooks to build
            self._load_existing(rows)
            for done, (line, cells) in enumerate(rows, 1):
                if not self._row(line, cells):
                    break  # the transaction is broken: the rows after it cannot be checked
                if self.progress is not None and done % 100 == 0:
                    self.progress(done)
            if self.dry_run or self.counts[REFUSED]:
                log.discard()
                transaction.set_rollback(True)
        if self.progress is not None:
            self.progress(rows_read)
        report = self.report(rows_read)
        if self.counts[REFUSED] and not self.dry_run:
            first = self.errors[0]
            raise RowsRefused(
                f"{self.counts[REFUSED]} of {rows_read} rows are refused, nothing was written. "
                f"Line {first['line']}" + (f", column {first['column']}" if first["column"] else "") + ": "
                f"{first['message']}",
                **report,
            )
        return report

    def report(self, rows):
        return {
            "dry_run": self.dry_run,
            "on_duplicate": self.on_duplicate,
            "rows": rows,
            **self.counts,
            "errors": self.errors[:MAX_REPORTED],
            "results": self.results[:MAX_REPORTED],
        }

    def _read_header(self, header):
        columns, unknown, by_target = [], [], {}
        for cell in header:
            try:
                column = self.sheet.column(cell)
            except KeyError:
                unknown.append(cell.strip())
                continue
            columns.append(column)
            if column is None:
                continue
            target = (column.field, column.slot)
            if target in by_target:
                raise InvalidCsv(
                    f"Line 1: columns {by_target[target]!r} and {cell.strip()!r} are the same field: keep one."
                )
            by_target[target] = cell.strip()
        if unknown:
            raise UnknownField(
                f"Line 1: unknown column{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; "
                f"the columns are {', '.join(self.sheet.accepted)}.",
                fields={name: ["Unknown column."] for name in unknown},
                accepted=self.sheet.accepted,
            )
        self.columns = columns
        self.header_of = {target: name for target, name in by_target.items()}
        fields_sent = {field for field, _slot in by_target} | set(self.defaults)
        self.id_column = next((i for i, cell in enumerate(header) if cell.strip().lower() == "id"), None)
        if self.key and not set(self.key) <= fields_sent:
            self.key = ()  # the file does not carry the key: every row is a new object
        self.width = len(header)

    def _row(self, line, cells):
        if len(cells) > self.width:
            self._refuse(line, [("", "invalid_csv", f"{len(cells)} cells for {self.width} columns.")])
            return
        data, cell_errors = self.sheet.data_of(self.columns, cells)
        data.update(self.defaults)
        if cell_errors:
            self._refuse(line, [(column, "invalid", message) for column, message in cell_errors.items()])
            return
        try:
            outcome, instance = self._write(line, data, cells)
        except _Refused as refused:
            self._refuse(line, refused.errors)
            return True
        except DatabaseError as error:
            # Outside a savepoint (a save has its own): the transaction is aborted.
            message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            self._refuse(line, [("", "database_error", f"{message}; the rows after it were not checked.")])
            return False
        self.counts[outcome] += 1
        if len(self.results) < MAX_REPORTED:
            keep_id = instance is not None and not (self.dry_run and outcome == CREATED)
            self.results.append(
                {
                    "line": line,
                    "action": outcome,
                    "id": instance.pk if keep_id else None,
                    "key": self._key_text(data),
                }
            )
        return True

    def _write(self, line, data, cells):
        """Validate and save one row inside its savepoint: (outcome, object)."""
        view = self.view
        try:
            instance = self._existing(line, data, cells)
            if instance is not None and self.on_duplicate == "fail":
                raise _Refused([(self._key_column(), "duplicate", self._exists_message(instance))])
            if instance is not None and self.on_duplicate == "skip":
                return SKIPPED, instance
            view.check_role_write(instance, data)
            serializer = self._serializer(instance, data)
            if not serializer.is_valid():
                raise _Refused(list(self._serializer_errors(serializer.errors)))
            if instance is None:
                return CREATED, view.save_object(serializer)
            if not serializer.would_change():
                return UNCHANGED, instance
            return UPDATED, view.save_object(serializer)
        except ApiError as error:
            raise _Refused(list(self._api_errors(error))) from None
        except (IntegrityError, DjangoValidationError) as error:
            message = "; ".join(getattr(error, "messages", None) or [str(error).splitlines()[0]])
            raise _Refused([("", "conflict", message)]) from None

    def _serializer(self, instance, data):
        """The resource's serializer for one row. One instance serves every row of its kind
        (new or existing): DRF builds a ModelSerializer's fields anew for each instance,
        which cost an import more than its rows' own checks. Its per-row state is reset."""
        creating = instance is None
        serializer = self._serializers.get(creating)
        if serializer is None:
            serializer = self.view.get_serializer(instance, data=data, partial=not creating)
            self._serializers[creating] = serializer
            return serializer
        serializer.instance, serializer.initial_data = instance, data
        for state in ("_validated_data", "_errors", "_data", "_current_representation"):
            serializer.__dict__.pop(state, None)
        return serializer

    # --- finding the existing object ----------------------------------------------------

    def _lookup_of(self, data, cells):
        """(tenant, {field: value}) naming the row's object, or None when the row names
        none (no key in the file, a key the serializer will refuse)."""
        if self.key:
            lookup = {}
            for name in self.key:
                field = self.sheet.fields[name]
                try:  # no validators: a value already taken is the point
                    value = field.to_internal_value(data.get(name))
                except (serializers.ValidationError, ApiError):
                    return None  # the serializer names what is wrong with it
                lookup[field.source] = value.pk if hasattr(value, "pk") else value
        elif self.id_column is not None and self.id_column < len(cells) and cells[self.id_column].strip():
            text = cells[self.id_column].strip()
            if not (text.isascii() and text.isdigit()) or len(text) > 18:
                raise _Refused([("id", "invalid", "An id is a whole number.")])
            lookup = {"pk": int(text)}
        else:
            return None
        return self._tenant_of(data), lookup

    def _load_existing(self, rows):
        """The objects the rows name, a chunk of keys per query: finding them then costs no
        query per row. {(tenant id or None, key values): [objects]}."""
        self.existing, wanted = {}, {}
        for _line, cells in rows:
            data, errors = self.sheet.data_of(self.columns, cells)
            if errors:
                continue
            data.update(self.defaults)
            try:
                named = self._lookup_of(data, cells)
            except (_Refused, ApiError):
                continue
            if named is not None:
                tenant, lookup = named
                wanted.setdefault((getattr(tenant, "pk", None), tuple(lookup)), set()).add(
                    tuple(lookup.values())
                )
        view = self.view
        for (tenant_id, names), keys in wanted.items():
            keys, first = sorted(keys, key=str), names[0]
            for start in range(0, len(keys), IN_CHUNK):
                chunk = keys[start : start + IN_CHUNK]
                queryset = view.get_queryset().filter(**{f"{first}__in": {key[0] for key in chunk}})
                if tenant_id is not None:
                    queryset = queryset.filter(**{f"{view.tenant_field}_id": tenant_id})
                chunk = set(chunk)
                for obj in queryset:
                    values = tuple(_plain(getattr(obj, name)) for name in names)
                    if values in chunk:
                        self.existing.setdefault((tenant_id, values), []).append(obj)

    def _existing(self, line, data, cells):
        named = self._lookup_of(data, cells)
        if named is None:
            return None
        tenant, lookup = named
        seen_key = (getattr(tenant, "pk", None), *sorted(lookup.items()))
        if seen_key in self.seen:
            raise _Refused(
                [
                    (
                        self._key_column(),
                        "duplicate",
                        f"Line {self.seen[seen_key]} names the same object: one row each.",
                    )
                ]
            )
        self.seen[seen_key] = line
        matches = self.existing.get((getattr(tenant, "pk", None), tuple(lookup.values())), [])
        if len(matches) > 1:
            raise _Refused(
                [
                    (
                        "tenant",
                        "multiple_objects_found",
                        "Exists in several tenants: add a tenant column or ?tenant=.",
                    )
                ]
            )
        if not matches and "pk" in lookup:
            raise _Refused(
                [
                    (
                        "id",
                        "not_found",
                        f"No object {lookup['pk']} in your reach: leave id empty to create one.",
                    )
                ]
            )
        return matches[0] if matches else None

    def _tenant_of(self, data):
        """The tenant the row's object is in, for the lookup (None: any in reach)."""
        view = self.view
        if view.tenant_field is None:
            return None
        if data.get("tenant"):
            return view.scope.tenant(data["tenant"])
        param = view.request.query_params.get("tenant")
        return view.scope.tenant(param) if param else view.implied_tenant()

    def _key_column(self):
        if self.key:
            return self.header_of.get((self.key[0], None), self.key[0])
        return "id"

    def _key_text(self, data):
        if self.key:
            return " ".join(str(data.get(name, "")) for name in self.key)
        return None

    def _exists_message(self, instance):
        noun = instance._meta.verbose_name
        return f"{noun.capitalize()} {instance} already exists: use on_duplicate=update or skip."

    # --- errors ---------------------------------------------------------------------------

    def _column_of(self, field, slot=None):
        if field in ("non_field_errors", "__all__"):
            return ""
        return self.header_of.get((field, slot)) or self.header_of.get((field, None)) or field

    def _serializer_errors(self, errors, code="invalid"):
        for field, detail in errors.items():
            if field == "destinations" and isinstance(detail, dict):
                for slot, messages in detail.items():
                    for message in _messages(messages):
                        yield self._column_of("destinations", slot), code, message
                continue
            for message in _messages(detail):
                yield self._column_of(field), code, message

    def _api_errors(self, error):
        code = error.default_code if hasattr(error, "default_code") else "invalid"
        fields = getattr(error, "fields", None)
        if fields:
            yield from self._serializer_errors(fields, code)
        elif isinstance(error, TenantNotFound | MissingTenant):
            yield self._column_of("tenant"), code, str(error.detail)
        else:
            yield "", code, str(error.detail)

    def _refuse(self, line, errors):
        self.counts[REFUSED] += 1
        for column, code, message in errors:
            if len(self.errors) < MAX_REPORTED:
                self.errors.append({"line": line, "column": column, "code": code, "message": str(message)})
        if len(self.results) < MAX_REPORTED:
            self.results.append({"line": line, "action": REFUSED, "id": None, "key": None})


def _plain(value):
    return value.pk if hasattr(value, "pk") else value


def _messages(detail, where=""):
    """Flat messages of a DRF error detail (lists of items are numbered from 1)."""
    if isinstance(detail, dict):
        return [m for key, value in detail.items() for m in _messages(value, f"{where}{key}: ")]
    if isinstance(detail, list):
        if detail and all(isinstance(item, dict | list) or not item for item in detail):
            return [
                m
                for index, item in enumerate(detail, 1)
                if item
                for m in _messages(item, f"{where}item {index}: ")
            ]
        return [m for item in detail for m in _messages(item, where)]
    return [f"{where}{detail}"]
