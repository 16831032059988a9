"""CSV uploads to `/api/<resource>/import/` (docs/api.md): the request parser
and a reader that hands out each row with its line number, so that an import can report
every bad row by line before it writes anything. The same import also takes a JSON
array of objects keyed by the same columns (`read_objects`), numbered from 1."""

import csv
import io

from rest_framework.parsers import BaseParser

from pbx.api.exceptions import ApiError, InvalidCsv


class CSVTextParser(BaseParser):
    """A `text/csv` body, decoded as UTF-8 (a byte-order mark is dropped)."""

    media_type = "text/csv"

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise InvalidCsv(f"The CSV is not UTF-8 (byte {error.start}): save it as UTF-8.") from None


def read_rows(text, columns, *, required=(), aliases=None, ignored=(), max_rows=None):
    """Yield (line number, {column: value}) for each row of a CSV whose first line names
    its columns. Names are matched case-insensitively, through `aliases` (other systems' names);
    `ignored` columns (such as those a list's CSV adds) are dropped; any other unknown
    column, a missing `required` one or a malformed file is a 400 naming the line."""
    aliases = aliases or {}
    reader = csv.reader(io.StringIO(text if isinstance(text, str) else ""))
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise ApiError(f"Line 1: {error}.") from None
    if not header or not any(cell.strip() for cell in header):
        raise ApiError("The CSV is empty: its first line must name the columns (" + ", ".join(columns) + ").")
    names = _column_names(header, columns, required, aliases, ignored, where="Line 1")
    count = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise ApiError(f"Line {reader.line_num}: {error}.") from None
        if not any(cell.strip() for cell in cells):
            continue  # blank lines, such as a trailing one, are no rows
        count += 1
        if max_rows is not None and count > max_rows:
            raise ApiError(f"At most {max_rows} rows per file; split it.")
        if len(cells) > len(names):
            raise ApiError(f"Line {reader.line_num}: {len(cells)} cells for {len(names)} columns.")
        row = {name: cell.strip() for name, cell in zip(names, cells, strict=False) if name is not None}
        yield reader.line_num, row


def _column_names(header, columns, required, aliases, ignored, where):
    """The column each header cell names (None for an ignored one); 400 on an unknown
    or a missing required column."""
    names = []
    for cell in header:
        name = str(cell).strip().lower()
        name = aliases.get(name, name)
        if name not in columns and name not in ignored:
            raise ApiError(
                f"{where}: unknown column {str(cell).strip()!r}; the columns are " + ", ".join(columns) + "."
            )
        names.append(name if name in columns else None)
    missing = [name for name in required if name not in names]
    if missing:
        raise ApiError(f"{where}: missing column " + ", ".join(missing) + ".")
    return names


def read_objects(data, columns, *, required=(), aliases=None, ignored=(), max_rows=None):
    """read_rows() for a JSON object or array of objects: (number from 1, {column: text})."""
    items = data if isinstance(data, list) else [data]
    if max_rows is not None and len(items) > max_rows:
        raise ApiError(f"At most {max_rows} rows per request; split it.")
    for index, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise ApiError(f"Row {index}: send an object of columns ({', '.join(columns)}).")
        names = _column_names(list(item), columns, required, aliases or {}, ignored, where=f"Row {index}")
        yield (
            index,
            {
                name: "" if value is None else str(value).strip()
                for name, value in zip(names, item.values(), strict=True)
                if name is not None
            },
        )
