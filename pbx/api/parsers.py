"""JSON bodies, parsed once for every route.

A body nested deeper than any real document (`{"name": [[[[...]]]]}` a thousand levels
down) would exhaust Python's recursion while being parsed, or later while a serializer,
the change log or a renderer walks it. It is refused as it arrives: 400 `invalid_json`,
like any other body that is not usable JSON. Code that parses JSON text itself (a
FreeSWITCH form's `cdr=` field) uses `parse_json` for the same answer.
"""

import codecs

from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.settings import api_settings
from rest_framework.utils import json

# Deeper than any document the API or the switches send (a FreeSWITCH CDR is about 8).
MAX_JSON_DEPTH = 64


def _too_deep(value, limit):
    """True when `value` nests lists and objects more than `limit` levels (no recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, list):
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in item if isinstance(child, dict | list))
    return False


def parse_json(text, **options):
    """The JSON document in `text` (str, bytes or a text stream); ParseError (400
    `invalid_json`) when it is not JSON or is nested deeper than MAX_JSON_DEPTH."""
    try:
        value = json.load(text, **options) if hasattr(text, "read") else json.loads(text, **options)
    except RecursionError:
        value = None
        too_deep = True
    except ValueError as error:
        raise ParseError(f"JSON parse error - {error}") from None
    else:
        too_deep = _too_deep(value, MAX_JSON_DEPTH)
    if too_deep:
        raise ParseError(f"The JSON is nested deeper than {MAX_JSON_DEPTH} levels.")
    return value


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with bodies nested too deep refused as 400 invalid_json."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        options = {"parse_constant": json.strict_constant} if api_settings.STRICT_JSON else {}
        return parse_json(codecs.getreader(encoding)(stream), **options)
