"""CSV output for every list and detail (`?format=csv` or `Accept: text/csv`).

Lists do not go through `CSVRenderer.render`: the viewset streams them row by row
(`stream_csv`), so that `?page_size=all` over a large table costs constant memory.
The renderer covers the rest (one object, or an already-built page).
"""

import csv
import io
import json

from django.http import StreamingHttpResponse
from rest_framework.renderers import BaseRenderer, JSONRenderer


def csv_value(value):
    """One cell: empty for null, true/false, JSON for lists and objects, else text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, separators=(",", ":"), default=str)
    return str(value)


class _Line:
    """A file-like sink that hands back what csv.writer wrote for one row."""

    def __init__(self, line_end):
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator=line_end)

    def row(self, cells):
        self.writer.writerow(cells)
        text = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return text


def csv_lines(columns, records, line_end="\r\n"):
    """Yield the header line, then one line per record (a dict keyed by column)."""
    rows = ([csv_value(record.get(column)) for column in columns] for record in records)
    return cell_lines(columns, rows, line_end)


def cell_lines(header, rows, line_end="\r\n"):
    """Yield the header line, then one line per row of cells (text)."""
    line = _Line(line_end)
    yield line.row(header)
    for cells in rows:
        yield line.row(cells)


def csv_chunks(lines, size=64 * 1024):
    """Lines joined into chunks of about `size` characters: a million one-line writes
    cost the server more than the rows themselves."""
    buffer, length = [], 0
    for line in lines:
        buffer.append(line)
        length += len(line)
        if length >= size:
            yield "".join(buffer).encode()
            buffer, length = [], 0
    if buffer:
        yield "".join(buffer).encode()


def stream_csv(columns, records, filename, line_end="\r\n"):
    """A streamed CSV download of the records (dicts keyed by column)."""
    return csv_download(csv_chunks(csv_lines(columns, records, line_end)), filename)


def csv_download(chunks, filename):
    """A streamed CSV download of already-encoded chunks."""
    response = StreamingHttpResponse(chunks, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


class CSVRenderer(BaseRenderer):
    """Renders a result list, a page of results or one object as CSV."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if isinstance(data, dict) and isinstance(data.get("results"), list):
            data = data["results"]
        records = data if isinstance(data, list) else [data]
        columns = []
        for record in records:
            for column in record:
                if column not in columns:
                    columns.append(column)
        return "".join(csv_lines(columns, records)).encode()


class JsonErrorsMixin:
    """For every API view: errors are JSON even where CSV was asked for (`?format=csv`,
    `Accept: text/csv`): a CSV error body helps no one, and the schema documents errors
    as the JSON envelope."""

    def finalize_response(self, request, response, *args, **kwargs):
        if response.status_code >= 400 and isinstance(
            getattr(request, "accepted_renderer", None), CSVRenderer
        ):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = request.accepted_renderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)
