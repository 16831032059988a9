"""Request bodies as the switches send them, bytes that are not UTF-8 included.

Asterisk writes a caller name with the bytes it got; FreeSWITCH with `encode-values=false`
does the same. The kernel's parsers refuse such a body whole; for call records that
would lose a file of calls for one name, so these read it with cdrs.formats.decode_text.
"""

import io
from urllib.parse import unquote_to_bytes

from django.http import QueryDict
from rest_framework.exceptions import ParseError
from rest_framework.parsers import FormParser, get_encoding

from cdrs.formats import decode_text
from pbx.api.csv_import import CSVTextParser
from pbx.api.exceptions import InvalidCsv
from pbx.api.parsers import JSONParser


def _text(stream, parser_context):
    """The body as text, in the charset its Content-Type names (checked to be a text
    encoding), else UTF-8 with the legacy fallback."""
    data = stream.read() if stream is not None else b""
    charset = (parser_context or {}).get("encoding") and get_encoding(parser_context)
    return decode_text(data, charset)


class MasterCsvParser(CSVTextParser):
    """Asterisk's Master.csv: UTF-8, or the legacy encoding where a field is not."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return _text(stream, parser_context)
        except ParseError as error:  # an unknown charset: still a CSV's fault, not JSON's
            raise InvalidCsv(str(error.detail)) from None


class SwitchJSONParser(JSONParser):
    """A FreeSWITCH JSON body, its text read as Master.csv's is; then parsed as any JSON
    (the kernel's parser: a body nested too deep is 400 invalid_json)."""

    def parse(self, stream, media_type=None, parser_context=None):
        text = _text(stream, parser_context)
        context = {**(parser_context or {}), "encoding": "utf-8"}
        return super().parse(io.BytesIO(text.encode()), media_type, context)


class SwitchFormParser(FormParser):
    """mod_json_cdr's `cdr=` form post, each field's bytes read as Master.csv's are."""

    def parse(self, stream, media_type=None, parser_context=None):
        form = QueryDict(mutable=True)
        data = stream.read() if stream is not None else b""
        for pair in data.split(b"&"):
            if pair:
                name, _, value = pair.partition(b"=")
                form.appendlist(_form_text(name), _form_text(value))
        return form


def _form_text(part):
    return decode_text(unquote_to_bytes(part.replace(b"+", b" ")))
