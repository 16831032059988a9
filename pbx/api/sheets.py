"""A resource as a spreadsheet: the columns its CSV export writes and its import reads,
derived from the resource's serializer (docs/csv.md), so a new resource has them the
moment it is registered and the two can never disagree.

- Every writable field is a column, under the name its JSON uses; its documented
  aliases (MiRTA PBX's `ex_number`, DjangoPBX's `effective_caller_id_name` ...) name it
  too on import.
- Lists of plain values (tags, codecs) are one cell, items separated by `;` (a JSON
  list is read too); lists of objects (a hunt list's members, a route's patterns) are
  one cell of JSON, or `;`-separated items where the resource takes plain items
  (`EXT-101;EXT-102` for members).
- Destinations are one column per slot, `destinations.EXT-BUSY`, each cell the slot's
  `TYPE-ID` list (`VOICEMAIL-12;HANGUP`); the bare slot name and the resource's
  shorthands (`onbusy`) name the column too. Slots opened by prefix (an IVR's
  `CUSTOMIVR_…`) travel as a JSON object in a `destinations` column.
- The other fields a GET shows (`id`, `url`, `created_at` ...) are accepted and ignored,
  so that a list's own `?format=csv` imports too; any other column is an error.
"""

import json
import re
from dataclasses import dataclass

from rest_framework import serializers

from pbx import destinations
from pbx.api.destinations import DestinationsField
from pbx.api.tags import TagsField

SLOT_PREFIX = "destinations."
LIST_SEPARATOR = ";"
LIST_SPLIT = re.compile(r"\s*[;,\n]\s*")

PLAIN, LIST, OBJECT, SLOT, OPEN_SLOTS = "plain", "list", "object", "slot", "open slots"


@dataclass(frozen=True)
class Column:
    """One column: its header, the serializer field it fills and how a cell is read."""

    name: str
    field: str
    kind: str
    slot: str | None = None


def _kind_of(field):
    if isinstance(field, DestinationsField):
        return OPEN_SLOTS
    if isinstance(field, serializers.ListField | serializers.ListSerializer | TagsField):
        return LIST
    if isinstance(field, serializers.ManyRelatedField | serializers.MultipleChoiceField):
        return LIST
    if isinstance(field, serializers.DictField | serializers.JSONField | serializers.HStoreField):
        return OBJECT
    return PLAIN


def _plain_items(field):
    """True where the list's items are plain values (tags, codecs), written `a;b`."""
    if isinstance(field, TagsField | serializers.ManyRelatedField | serializers.MultipleChoiceField):
        return True
    child = getattr(field, "child", None)
    return child is not None and not isinstance(child, serializers.BaseSerializer)


class Sheet:
    """The columns of one resource for one caller (whose reach decides whether secrets
    are columns of the export)."""

    def __init__(self, serializer):
        self.serializer = serializer
        self.fields = serializer.fields
        model = serializer.Meta.model
        secrets = set(getattr(serializer.Meta, "secret_fields", ()))
        not_in_csv = set(getattr(serializer.Meta, "not_in_csv", ()))
        self.secrets_shown = serializer._may_see_secrets
        self.columns = []  # the export's, in the JSON's order
        self.accept_only = []  # write-only fields and hidden secrets: imported, never exported
        self.ignored = set()
        if "id" in self.fields:
            # Informative where a natural key names the object; where none does (a contact),
            # the id is what an import finds the object to update by.
            self.columns.append(Column("id", "id", PLAIN))
        for name, field in self.fields.items():
            if name == "id":
                continue
            kind = _kind_of(field)
            if kind == OPEN_SLOTS:
                if field.read_only:
                    continue
                owner = destinations.owner_slots(model)
                self.columns += [Column(SLOT_PREFIX + slot, name, SLOT, slot) for slot in owner.slots]
                if owner.prefixes:
                    self.columns.append(Column("destinations", name, OPEN_SLOTS))
                continue
            if name in not_in_csv or isinstance(field, serializers.FileField):
                continue  # files travel through the API's uploads, not in a cell
            if field.read_only:
                self.ignored.add(name)
                continue
            if field.write_only or (name in secrets and not self.secrets_shown):
                self.accept_only.append(Column(name, name, kind))
                continue
            self.columns.append(Column(name, name, kind))
        self._names = self._accepted_names(model)

    def _accepted_names(self, model):
        """Header (lower-cased) -> Column, for every name an import may use: the export's
        names first, then aliases, bare slot names and shorthands where no field has the name
        (a feature code's `feature` field is no `FEATURE` slot)."""
        names = {column.name.lower(): column for column in [*self.columns, *self.accept_only]}
        if "destinations" in self.fields and "destinations" not in names:
            names["destinations"] = Column("destinations", "destinations", OPEN_SLOTS)
        by_field = {column.field: column for column in names.values() if column.kind != SLOT}
        for alias, canonical in getattr(self.serializer.Meta, "aliases", {}).items():
            if canonical in by_field:
                names.setdefault(alias.lower(), Column(alias, canonical, by_field[canonical].kind))
        for column in self.columns:
            if column.kind == SLOT:
                names.setdefault(column.slot.lower(), column)
        owner = destinations.owner_slots(model)
        for shorthand, slot in (owner.shorthands if owner is not None else {}).items():
            names.setdefault(shorthand.lower(), Column(shorthand, "destinations", SLOT, slot))
        return names

    @property
    def accepted(self):
        """The column names an import takes, for messages: the export's and the ignored."""
        return [column.name for column in self.columns] + sorted(self.ignored)

    def column(self, header):
        """The Column a header names, None for an ignored one; KeyError for an unknown one."""
        name = str(header).strip()
        if name.lower() in self.ignored or name.lower() == "id":
            return None  # the id is read by the import itself, to find the object
        return self._names[name.lower()]

    # --- reading a row ------------------------------------------------------------------

    def data_of(self, columns, cells):
        """The JSON body a row means: (data, errors by column). Empty cells leave a field
        out, but where a field can be emptied (a blank text, a null, an empty list or
        slot), which is what the export writes for those values."""
        data, slots, errors = {}, {}, {}
        for column, cell in zip(columns, cells, strict=False):
            if column is None:
                continue
            try:
                value = self._value(column, cell.strip())
            except ValueError as error:
                errors[column.name] = str(error)
                continue
            if value is _OMIT:
                continue
            if column.kind == SLOT:
                slots[column.slot] = value
            elif column.kind == OPEN_SLOTS:
                slots.update(value)
            else:
                data[column.field] = value
        if slots:
            data["destinations"] = slots
        return data, errors

    def _value(self, column, cell):
        if column.kind == SLOT:
            return [item for item in LIST_SPLIT.split(cell) if item] if cell else []
        if column.kind == OPEN_SLOTS:
            return (
                _json(cell, dict, 'a JSON object of slots, e.g. {"CUSTOMIVR_1": ["EXT-101"]}') if cell else {}
            )
        field = self.fields[column.field]
        if column.kind == LIST:
            if not cell:
                return []
            if cell.startswith("["):
                return _json(cell, list, "a JSON list, or items separated by ;")
            return [item for item in LIST_SPLIT.split(cell) if item]
        if column.kind == OBJECT:
            if not cell:
                return None if field.allow_null else _OMIT
            return _json(cell, (dict, list), "JSON")
        if cell:
            return cell
        if isinstance(field, serializers.CharField) and field.allow_blank:
            return ""
        return None if field.allow_null else _OMIT

    # --- writing a row ------------------------------------------------------------------

    def cells_of(self, record):
        """The export's cells of one object, from its JSON representation."""
        slots = record.get("destinations") or {}
        cells = []
        for column in self.columns:
            if column.kind == SLOT:
                items = slots.get(column.slot) or []
                cells.append(LIST_SEPARATOR.join(_destination_text(item) for item in items))
            elif column.kind == OPEN_SLOTS:
                owner_fixed = {c.slot for c in self.columns if c.kind == SLOT}
                other = {
                    slot: [_destination_text(item) for item in items]
                    for slot, items in slots.items()
                    if slot not in owner_fixed and items
                }
                cells.append(json.dumps(other, separators=(",", ":")) if other else "")
            else:
                cells.append(self._cell(column, record.get(column.field)))
        return cells

    def _cell(self, column, value):
        if value is None:
            return ""
        if column.kind == LIST:
            field = self.fields[column.field]
            if not value:
                return ""
            if _plain_items(field) and all(_is_plain_item(item) for item in value):
                return LIST_SEPARATOR.join(str(item) for item in value)
            return json.dumps(value, separators=(",", ":"), default=str)
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, list | dict):
            return json.dumps(value, separators=(",", ":"), default=str)
        return str(value)


_OMIT = object()


def _json(cell, kinds, what):
    try:
        value = json.loads(cell)
    except ValueError:
        raise ValueError(f"Write {what}.") from None
    if not isinstance(value, kinds):
        raise ValueError(f"Write {what}.")
    return value


def _is_plain_item(item):
    return isinstance(item, str | int) and not isinstance(item, bool) and not LIST_SPLIT.search(str(item))


def _destination_text(item):
    return item.get("destination", "") if isinstance(item, dict) else str(item)
