"""The parser of CSV bodies that are text in UTF-8 (Asterisk's Master.csv uploads).
The import of any resource reads its CSV as bytes instead (pbx.api.imports), since
spreadsheet programs save other encodings too."""

from rest_framework.parsers import BaseParser

from pbx.api.exceptions import InvalidCsv


class CSVTextParser(BaseParser):
    """A `text/csv` body, decoded as UTF-8 (a byte-order mark is dropped)."""

    media_type = "text/csv"

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise InvalidCsv(f"The CSV is not UTF-8 (byte {error.start}): save it as UTF-8.") from None
