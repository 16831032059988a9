"""What the switches write, read into one shape: the call record of docs/cdrs.md.

Each reader turns one switch's record into a `SwitchRecord` (plain values, times aware,
nothing resolved yet) or raises `RecordError` saying what is wrong with it. Which tenant,
extension, DID and trunk a record belongs to is decided later, at ingest, against the
database (cdrs.ingest); these readers never touch it.

- Asterisk's cdr_csv `Master.csv`: no header, 16 to 21 columns depending on the site's
  `loguniqueid`, `loguserfield` and `newcdrcolumns`, dates in the switch's local time.
- FreeSWITCH's mod_json_cdr: raw JSON or a form field `cdr=`, every variable value
  URL-encoded by default (`encode-values=true`); epoch fields preferred to local stamps,
  the microsecond ones (`*_uepoch`) to the whole-second ones.

Switches write the bytes they were given: a caller name may come in a legacy 8-bit
encoding inside an otherwise UTF-8 file. `decode_text` reads such text without losing
the call (see LEGACY_ENCODING).
"""

import codecs
import contextlib
import csv
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass, field
from urllib.parse import unquote

from django.utils.dateparse import parse_datetime
from rest_framework.exceptions import ParseError

from pbx.api.parsers import parse_json

ANSWERED, NO_ANSWER, BUSY, FAILED, CONGESTION = "ANSWERED", "NO ANSWER", "BUSY", "FAILED", "CONGESTION"
DISPOSITIONS = (ANSWERED, NO_ANSWER, BUSY, FAILED, CONGESTION)


# What bytes that are not UTF-8 are read as. Windows-1252 rather than ISO 8859-1: the
# two agree on every letter, but where Latin-1 has invisible C1 control codes
# (0x80-0x9F), Windows-1252 has the characters people type (€, curly quotes, dashes),
# and Windows softphones and web forms are where such names come from. The five bytes
# Windows-1252 leaves undefined are read as Latin-1, so every byte reads as something.
LEGACY_ENCODING = "cp1252"
_LEGACY_CHARACTERS = [bytes([byte]).decode(LEGACY_ENCODING, "ignore") or chr(byte) for byte in range(256)]


def _legacy_fallback(error):
    bad = error.object[error.start : error.end]
    return "".join(_LEGACY_CHARACTERS[byte] for byte in bad), error.end


# The decoding error handler: UTF-8 where the bytes are UTF-8, Windows-1252 where not.
LEGACY_ERRORS = "pbx-cdr-legacy"
codecs.register_error(LEGACY_ERRORS, _legacy_fallback)


def decode_text(data, charset=None):
    """`data` (bytes) as text: UTF-8 where it is valid, each other byte read in the
    legacy encoding, so one caller name in Windows-1252 costs no call and no file.
    A UTF-8 byte-order mark is dropped. A `charset` other than UTF-8 (a site that
    names its own, such as windows-1251) is used instead, with replacement characters
    for what it cannot read."""
    if charset and codecs.lookup(charset).name != "utf-8":
        return data.decode(charset, "replace")
    return data.decode("utf-8-sig", LEGACY_ERRORS)


class RecordError(ValueError):
    """One record cannot be read; the message says why, in the user's terms, and
    `fields` (when given) which fields are wrong. `code` is the API's error code for a
    request that carried only this record."""

    def __init__(self, message, fields=None, code="validation_error"):
        super().__init__(message)
        self.fields = fields or {}
        self.code = code

    def as_dict(self):
        """The reason as the API reports a rejected record."""
        reason = {"code": self.code, "message": "Record " + str(self)}
        if self.fields:
            reason["fields"] = self.fields
        return reason

    def describe(self):
        """The reason on one line, each bad field named: what import_cdrs prints."""
        if not self.fields:
            return "record " + str(self)
        reasons = "; ".join(
            f"{name}: {' '.join(str(error).rstrip('.') for error in errors)}"
            for name, errors in self.fields.items()
        )
        return f"record {str(self).rstrip('.')}: {reasons}."


@dataclass
class SwitchRecord:
    """One call as a switch reported it, before the database is consulted."""

    call_id: str
    start: dt.datetime
    answer: dt.datetime | None = None
    end: dt.datetime | None = None
    duration: int | None = None  # None: not given, computed from the times
    billsec: int | None = None
    disposition: str = FAILED
    caller_name: str = ""
    caller_number: str = ""
    destination_number: str = ""
    hangup_cause: str = ""
    account_code: str = ""
    recording: str = ""
    # Hints for resolution at ingest: the SIP domain the switch named, its own idea of the
    # direction, and the channels (a trunk's name shows in them).
    domain: str = ""
    direction: str = ""
    tenant: str = ""  # the tenant the record itself names (our JSON's `tenant`)
    channels: tuple = ()
    raw: dict | None = field(default_factory=dict)

    def __post_init__(self):
        # Scripts and exports often give the three times and no durations: the stats
        # (ring time is duration - billsec) need them. Durations a switch gave are its
        # own count and are kept, even where they disagree with the times.
        if self.duration is None:
            self.duration = _seconds_between(self.start, self.end, "start")
        if self.billsec is None:
            self.billsec = _seconds_between(self.answer, self.end, "answer")


SECOND = dt.timedelta(seconds=1)


def _seconds_between(since, end, name):
    """Whole seconds from `since` to `end` (as switches count, the fraction dropped);
    0 when either did not happen."""
    if since is None or end is None:
        return 0
    seconds = (end - since) // SECOND
    if seconds < 0:
        raise RecordError(f"ends before its {name}.", fields={"end": [f"Must not be before {name}."]})
    if seconds > MAX_SECONDS:
        raise RecordError(
            "lasts too long.", fields={"end": [f"More than {MAX_SECONDS} seconds after {name}."]}
        )
    return seconds


# --- Asterisk cdr_csv ---------------------------------------------------------------------

ASTERISK_BASE_COLUMNS = (
    "accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel", "lastapp",
    "lastdata", "start", "answer", "end", "duration", "billsec", "disposition", "amaflags",
)  # fmt: skip
NEW_CDR_COLUMNS = ("peeraccount", "linkedid", "sequence")
# `uniqueid` is the switch's epoch.sequence id: it is what tells it from a userfield
# when only one of the two optional columns is there.
UNIQUEID = re.compile(r"^[0-9]{9,}\.[0-9]+$")
CLID = re.compile(r'^\s*"?(?P<name>[^"<]*?)"?\s*<(?P<number>[^>]*)>\s*$')
ASTERISK_TIME = "%Y-%m-%d %H:%M:%S"


def asterisk_columns(values):
    """The column names of one Master.csv row, from its length and its optional fields."""
    count = len(values)
    extra = count - len(ASTERISK_BASE_COLUMNS)
    if extra < 0 or extra > 5:
        raise RecordError(f"has {count} columns; Asterisk's Master.csv has 16 to 21.")
    # newcdrcolumns, when on, are always the last three; what is left is optional.
    optional = extra - 3 if extra >= 3 else extra
    tail = []
    if optional == 2:
        tail = ["uniqueid", "userfield"]
    elif optional == 1:
        candidate = values[len(ASTERISK_BASE_COLUMNS)].strip()
        tail = ["uniqueid"] if UNIQUEID.match(candidate) else ["userfield"]
    if extra >= 3:
        tail += list(NEW_CDR_COLUMNS)
    return ASTERISK_BASE_COLUMNS + tuple(tail)


def read_asterisk_csv(text, tz):
    """Yield `(line_number, SwitchRecord or RecordError)` for each row of a Master.csv.

    `tz` is the switch's time zone (Asterisk writes local time unless `usegmtime`). Blank
    lines are skipped; a bad row yields its error and reading goes on.
    """
    reader = csv.reader(io.StringIO(text), strict=True)
    while True:
        line_number = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield line_number, RecordError(f"is not valid CSV ({error}).")
            continue
        if not values or all(not value.strip() for value in values):
            continue
        try:
            yield line_number, asterisk_record(values, tz)
        except RecordError as error:
            yield line_number, error


def asterisk_record(values, tz):
    """One Master.csv row as a SwitchRecord."""
    row = dict(zip(asterisk_columns(values), (value.strip() for value in values), strict=True))
    start = _local_time(row["start"], tz, "start")
    if start is None:
        raise RecordError("has no start time.")
    disposition = row["disposition"].upper()
    if disposition not in DISPOSITIONS:
        raise RecordError(
            f"has disposition {row['disposition']!r}; expected one of {', '.join(DISPOSITIONS)}."
        )
    uniqueid = row.get("uniqueid", "")
    if uniqueid and row.get("sequence"):
        call_id = f"{uniqueid}-{row['sequence']}"  # uniqueid alone repeats across legs
    elif uniqueid:
        call_id = uniqueid
    else:
        # No id column at all: the row's own content is its identity, so importing the
        # same file twice still stores each call once.
        call_id = "ast-" + hashlib.sha1("\x1f".join(values).encode()).hexdigest()[:32]
    name, number = _split_clid(row["clid"])
    return SwitchRecord(
        call_id=call_id,
        start=start,
        answer=_local_time(row["answer"], tz, "answer"),
        end=_local_time(row["end"], tz, "end"),
        duration=_seconds(row["duration"], "duration"),
        billsec=_seconds(row["billsec"], "billsec"),
        disposition=disposition,
        caller_name=name,
        caller_number=row["src"] or number,
        destination_number=row["dst"],
        account_code=row["accountcode"],
        channels=(row["channel"], row["dstchannel"]),
        raw=row,
    )


def _split_clid(clid):
    match = CLID.match(clid)
    if match:
        return match["name"].strip(), match["number"].strip()
    return "", clid


def _local_time(value, tz, name):
    if not value:
        return None
    try:
        naive = dt.datetime.strptime(value, ASTERISK_TIME)
    except ValueError:
        raise RecordError(f"has {name} {value!r}; expected YYYY-MM-DD HH:MM:SS.") from None
    return naive.replace(tzinfo=tz)


MAX_SECONDS = 2_147_483_647  # the column's limit; no call lasts 68 years
DIGITS = re.compile(r"^[0-9]{1,10}$")


def _seconds(value, name):
    """Whole seconds as a switch wrote them; None when the field is absent or empty."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    if text.startswith("-") and DIGITS.match(text[1:]):
        raise RecordError(f"has a negative {name}.")
    if not DIGITS.match(text) or int(text) > MAX_SECONDS:
        raise RecordError(f"has {name} {str(value)[:20]!r}; expected whole seconds.")
    return int(text)


# --- FreeSWITCH mod_json_cdr ----------------------------------------------------------------

# Hangup causes of calls nobody answered, by what the caller experienced.
BUSY_CAUSES = {"USER_BUSY"}
NO_ANSWER_CAUSES = {"NO_ANSWER", "NO_USER_RESPONSE", "ORIGINATOR_CANCEL", "ALLOTTED_TIMEOUT"}
CONGESTION_CAUSES = {"NORMAL_CIRCUIT_CONGESTION", "SWITCH_CONGESTION"}


def read_freeswitch_json(body):
    """One mod_json_cdr document (a dict, or its JSON text) as a SwitchRecord."""
    if isinstance(body, str | bytes):
        try:
            body = parse_json(decode_text(body) if isinstance(body, bytes) else body)
        except ParseError as error:
            raise RecordError(f"is not JSON ({error.detail}).", code="invalid_json") from None
    if not isinstance(body, dict) or not isinstance(body.get("variables"), dict):
        raise RecordError("has no `variables` object; is it a mod_json_cdr document?")
    variables = {key: _decoded(value) for key, value in body["variables"].items()}
    profile = _caller_profile(body)
    call_id = variables.get("uuid") or profile.get("uuid", "")
    if not call_id:
        raise RecordError("has no `variables.uuid`.")
    start = _epoch(variables, "start")
    if start is None:
        raise RecordError("has no start time (`variables.start_uepoch` or `start_epoch`).")
    answer, end = _epoch(variables, "answer"), _epoch(variables, "end")
    billsec = _seconds(variables.get("billsec"), "billsec")
    cause = (variables.get("hangup_cause") or "").upper()
    return SwitchRecord(
        call_id=call_id,
        start=start,
        answer=answer,
        end=end,
        duration=_seconds(variables.get("duration"), "duration"),
        billsec=billsec,
        disposition=_freeswitch_disposition(answer, billsec or 0, cause),
        caller_name=variables.get("caller_id_name") or profile.get("caller_id_name", ""),
        caller_number=variables.get("caller_id_number") or profile.get("caller_id_number", ""),
        destination_number=(
            profile.get("destination_number")
            or variables.get("destination_number")
            or variables.get("dialed_user", "")
        ),
        hangup_cause=cause,
        account_code=variables.get("accountcode", ""),
        recording=variables.get("record_path") or variables.get("recording_file", ""),
        domain=(variables.get("domain_name") or variables.get("sip_req_host") or "").lower(),
        direction=variables.get("direction", ""),
        channels=(variables.get("sofia_profile_name", ""), variables.get("sip_gateway_name", "")),
        raw=body,
    )


def _decoded(value):
    # encode-values=true URL-encodes every value; a literal '%' in an unencoded one stays.
    # The encoded bytes are the caller's: read as UTF-8, or the legacy encoding where not.
    # NUL cannot be stored in a text column: an encoded %00 is dropped.
    return unquote(value, errors=LEGACY_ERRORS).replace("\x00", "") if isinstance(value, str) else value


def _caller_profile(body):
    callflow = body.get("callflow")
    if isinstance(callflow, list) and callflow:
        callflow = callflow[0]
    if isinstance(callflow, dict) and isinstance(callflow.get("caller_profile"), dict):
        return {key: _decoded(value) for key, value in callflow["caller_profile"].items()}
    return {}


# FreeSWITCH writes each time twice: `<name>_uepoch` in microseconds and `<name>_epoch`
# truncated to the second. The microseconds are preferred, so that a call's end is the
# call flow's hangup time and not up to a second before it.
EPOCH_FIELDS = (("_uepoch", "microseconds"), ("_epoch", "seconds"))
UNIX_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _epoch(variables, name):
    """`<name>_uepoch`, else `<name>_epoch`, as an aware UTC time; None when absent or 0
    (it did not happen)."""
    given = [
        (suffix, unit) for suffix, unit in EPOCH_FIELDS if variables.get(name + suffix) not in (None, "")
    ]
    if not given:
        return None
    suffix, unit = given[0]
    value = variables[name + suffix]
    try:
        count = int(value)
    except (TypeError, ValueError):
        raise RecordError(f"has {name}{suffix} {value!r}; expected whole {unit} since 1970.") from None
    if count <= 0:
        return None
    try:
        return UNIX_EPOCH + dt.timedelta(**{unit: count})
    except OverflowError:
        raise RecordError(f"has {name}{suffix} {value!r}, which is not a time.") from None


def from_microseconds(value):
    """FreeSWITCH's epoch microseconds (a string or a number) as an aware UTC time,
    exactly; None when it did not happen (0) or is not a number."""
    try:
        micros = int(value)
    except (TypeError, ValueError):
        return None
    if micros <= 0:
        return None
    try:
        return UNIX_EPOCH + dt.timedelta(microseconds=micros)
    except OverflowError:
        return None


def _freeswitch_disposition(answer, billsec, cause):
    if answer is not None or billsec > 0:
        return ANSWERED
    if cause in BUSY_CAUSES:
        return BUSY
    if cause in NO_ANSWER_CAUSES:
        return NO_ANSWER
    if cause in CONGESTION_CAUSES:
        return CONGESTION
    return FAILED


# --- our own JSON (POST /api/cdrs/) ------------------------------------------------------

# DjangoPBX's names (its xmlcdrs) and FreeSWITCH's, understood as ours.
JSON_ALIASES = {
    "call_uuid": "call_id", "uuid": "call_id",
    "caller_id_name": "caller_name", "caller_id_number": "caller_number",
    "start_stamp": "start", "answer_stamp": "answer", "end_stamp": "end",
    "record_path": "recording", "accountcode": "account_code", "domain_name": "domain",
}  # fmt: skip
JSON_TEXT_FIELDS = {
    "call_id": 128, "caller_name": 128, "caller_number": 64, "destination_number": 64,
    "hangup_cause": 64, "account_code": 32, "recording": 255, "domain": 253, "direction": 16,
}  # fmt: skip
JSON_FIELDS = {*JSON_TEXT_FIELDS, "start", "answer", "end", "duration", "billsec", "disposition", "tenant"}


def read_json_record(item):
    """One record of `POST /api/cdrs/` as a SwitchRecord.

    Hand-written rather than a DRF serializer: ingest runs at tens of thousands of rows a
    second, and a serializer per row costs more than the rest of the path together.
    Raises RecordError whose `fields` maps each bad field to its messages.
    """
    if not isinstance(item, dict):
        raise RecordError("is not a JSON object.")
    values = item if item.keys() <= JSON_FIELDS else {JSON_ALIASES.get(k, k): v for k, v in item.items()}
    errors = {}
    for name in sorted(values.keys() - JSON_FIELDS):
        errors[name] = ["Unknown field."]
    text = {}
    for name, limit in JSON_TEXT_FIELDS.items():
        value = values.get(name)
        if value is None:
            text[name] = ""
            continue
        if type(value) is not str:
            if not isinstance(value, int) or isinstance(value, bool):
                errors[name] = ["Must be a string."]
                continue
            value = str(value)
        if len(value) > limit:
            errors[name] = [f"At most {limit} characters."]
        elif "\x00" in value:
            errors[name] = ["Must not contain NUL characters."]
        else:
            text[name] = value.strip()
    if not text.get("call_id") and "call_id" not in errors:
        errors["call_id"] = ["This field is required: the switch's unique id of the call."]
    times = {}
    for name in ("start", "answer", "end"):
        try:
            times[name] = _json_time(values.get(name))
        except ValueError as error:
            errors[name] = [str(error)]
    if times.get("start") is None and "start" not in errors:
        errors["start"] = ["This field is required."]
    counts = {}
    for name in ("duration", "billsec"):
        value = values.get(name)
        if type(value) is int and 0 <= value <= MAX_SECONDS:  # what switches send, checked fast
            counts[name] = value
            continue
        if value is None or value == "":
            counts[name] = None  # computed from the times
            continue
        if (
            isinstance(value, bool)
            or not isinstance(value, int | str)
            or not DIGITS.match(str(value).strip())
        ):
            errors[name] = ["Must be a whole number of seconds, 0 or more."]
        elif int(value) > MAX_SECONDS:
            errors[name] = ["Too large."]
        else:
            counts[name] = int(str(value).strip())
    disposition = values.get("disposition")
    if disposition in (None, ""):
        disposition = ANSWERED if times.get("answer") else NO_ANSWER
    elif not isinstance(disposition, str) or disposition.upper() not in DISPOSITIONS:
        errors["disposition"] = [f"Must be one of {', '.join(DISPOSITIONS)}."]
    tenant = values.get("tenant")
    if tenant is None:
        tenant = ""
    elif isinstance(tenant, bool) or not isinstance(tenant, str | int) or len(str(tenant)) > 200:
        errors["tenant"] = ["Give a tenant code such as ACME."]
    if errors:
        raise RecordError("has invalid fields.", fields=errors)
    # SwitchRecord computes absent durations, and refuses times that end before they start.
    return SwitchRecord(
        call_id=text["call_id"],
        start=times["start"],
        answer=times["answer"],
        end=times["end"],
        duration=counts["duration"],
        billsec=counts["billsec"],
        disposition=disposition.upper(),
        caller_name=text["caller_name"],
        caller_number=text["caller_number"],
        destination_number=text["destination_number"],
        hangup_cause=text["hangup_cause"].upper(),
        account_code=text["account_code"],
        recording=text["recording"],
        domain=text["domain"].lower(),
        direction=text["direction"],
        tenant=str(tenant).strip(),
        raw=None,  # every field is in the record's own columns: nothing more to keep
    )


def _json_time(value):
    """An ISO 8601 time (UTC when no offset is given) or epoch seconds; None when absent."""
    if value in (None, ""):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not 0 < value < 32_503_680_000:
            raise ValueError("Epoch seconds out of range.")
        return dt.datetime.fromtimestamp(value, tz=dt.UTC)
    if not isinstance(value, str):
        raise ValueError("Must be an ISO 8601 time, such as 2026-03-10T08:00:00Z.")
    parsed = None
    if len(value) >= 19 and value[10] in "T ":
        # The C parser first, for the full date and time switches send.
        with contextlib.suppress(ValueError):
            parsed = dt.datetime.fromisoformat(value)
    if parsed is None:
        try:
            parsed = parse_datetime(value.strip())
        except ValueError:
            parsed = None
    if parsed is None:
        raise ValueError(f"{value[:40]!r} is not an ISO 8601 time, such as 2026-03-10T08:00:00Z.")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
