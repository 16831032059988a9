"""Destinations: where a call goes next (docs/api.md).

An owner (a DID, an extension, an IVR ...) has named slots (`DID`, `EXT-BUSY`, `IVR_1`
...), each an ordered list of targets written `TYPE-ID` (`EXT-101`, `VOICEMAIL-12`) or
`TYPE` alone for targets without an object (`HANGUP`). One `Destination` table holds
them all. The kernel knows no app: each app registers, in its AppConfig.ready(),

- its target types: `register_target("EXT", Extension)`;
- the slots of its owners: `register_slots(Extension, ["EXT-BUSY", ...])`, with
  shorthands (`onbusy` for `EXT-BUSY`) and macros (`SAMENUMBERVM`: a target the owner
  computes, here its same-number voicemail, created when missing);
- other rows that point at a target and so keep it in use (a paging group's member, a
  device's line): `register_reference(PagingGroupMember, "extension", "paging_group")`;
  with no owner field the row is itself the referrer (an extension's routing profile),
  and forcing the deletion empties its field instead of deleting it.

Deleting a target that something refers to is refused (409 `in_use`, with the
referrers) unless forced; forced or not, and whichever way an object is deleted, no
destination is left pointing at nothing (a post_delete handler removes them).
"""

import re
from dataclasses import dataclass, field

from django.db.models.signals import post_delete

from pbx import changelog
from pbx.models import Destination


@dataclass(frozen=True)
class TargetType:
    """A kind of object a call can be sent to: `EXT` -> Extension."""

    code: str
    model: type | None  # None: a target without an object, such as HANGUP
    label: object = None  # callable(instance) -> str; str(instance) when None

    def describe(self, instance=None):
        if self.label:
            return self.label(instance)
        return f"{self.model._meta.verbose_name} {instance}"


@dataclass
class OwnerSlots:
    """The slots an owner model has, and the shorthand fields and macros it accepts."""

    model: type
    slots: tuple = ()
    prefixes: tuple = ()  # open-ended families such as CUSTOMIVR_<name>
    shorthands: dict = field(default_factory=dict)  # field name -> slot ("onbusy" -> "EXT-BUSY")
    macros: dict = field(default_factory=dict)  # "SAMENUMBERVM" -> callable(owner) -> target instance
    allowed_types: dict = field(default_factory=dict)  # slot -> target codes it takes (all when absent)
    bare_ids: dict = field(default_factory=dict)  # slot -> target code a plain number means

    def has_slot(self, slot):
        return slot in self.slots or any(slot.startswith(prefix) for prefix in self.prefixes)


@dataclass(frozen=True)
class Reference:
    """Rows of `model` whose `target_field` points at a target and that belong to the
    object in `owner_field`: they keep the target in use, like a destination does."""

    model: type
    target_field: str
    owner_field: str | None  # None: the row itself refers (a nullable foreign key)


_targets = {}  # code -> TargetType
_targets_by_model = {}  # model label -> TargetType
_owners = {}  # model label -> OwnerSlots
_references = {}  # target model label -> [Reference]

TYPE_ID = re.compile(r"^(?P<type>[A-Z][A-Z0-9_]*?)(?:-(?P<id>[0-9]{1,18}))?$")


def register_target(code, model=None, *, label=None):
    """`code` names `model`'s objects as destinations (`EXT-<id>`); without a model it
    is a target of its own (`HANGUP`)."""
    target = TargetType(code, model, label)
    _targets[code] = target
    if model is not None:
        _targets_by_model[model._meta.label_lower] = target
        post_delete.connect(
            _forget_target, sender=model, dispatch_uid=f"destinations-target-{model._meta.label_lower}"
        )


def register_slots(
    model, slots=(), *, prefixes=(), shorthands=None, macros=None, allowed_types=None, bare_ids=None
):
    """Give `model` destination slots; its serializer then reads and writes them."""
    _owners[model._meta.label_lower] = OwnerSlots(
        model,
        tuple(slots),
        tuple(prefixes),
        dict(shorthands or {}),
        dict(macros or {}),
        dict(allowed_types or {}),
        dict(bare_ids or {}),
    )
    post_delete.connect(
        _forget_owner, sender=model, dispatch_uid=f"destinations-owner-{model._meta.label_lower}"
    )


def register_reference(model, target_field, owner_field):
    """Rows of `model` pointing at a target through `target_field` keep it in use."""
    target_model = model._meta.get_field(target_field).related_model
    _references.setdefault(target_model._meta.label_lower, []).append(
        Reference(model, target_field, owner_field)
    )


def target_type(code):
    return _targets.get(code)


def target_type_of(model):
    return _targets_by_model.get(model._meta.label_lower)


def owner_slots(model):
    return _owners.get(model._meta.label_lower)


def is_target(model):
    label = model._meta.label_lower
    return label in _targets_by_model or label in _references


def target_types():
    return dict(_targets)


def _forget_target(sender, instance, **kwargs):
    target = _targets_by_model[sender._meta.label_lower]
    Destination.objects.filter(target_type=target.code, target_id=instance.pk).delete()


def _forget_owner(sender, instance, **kwargs):
    Destination.objects.filter(owner_type=sender._meta.label_lower, owner_id=instance.pk).delete()


def owner_label(instance):
    return f"{instance._meta.verbose_name} {instance}"


def referrers_of(instance, tenant_ids=None):
    """Who points at `instance`: destinations in other objects' slots, and registered
    references. Each is {"type", "id", "label", "slot"} (slot: the destination slot or
    the reference's field). With `tenant_ids`, only referrers of those tenants (and
    global ones): a global object's referrers in other tenants are not the caller's to see."""
    found = []
    target = target_type_of(type(instance))
    if target is not None:
        rows = list(
            Destination.objects.filter(target_type=target.code, target_id=instance.pk).order_by(
                "owner_type", "owner_id", "slot", "position"
            )
        )
        found += _describe_owners([(row.owner_type, row.owner_id, row.slot) for row in rows], tenant_ids)
    for reference in _references.get(instance._meta.label_lower, ()):
        rows = reference.model._default_manager.filter(**{reference.target_field: instance})
        if reference.owner_field:
            rows = rows.select_related(reference.owner_field)
        for row in rows:
            owner = getattr(row, reference.owner_field) if reference.owner_field else row
            if not _within(owner, tenant_ids):
                continue
            found.append(
                {
                    "type": owner._meta.model_name,
                    "id": owner.pk,
                    "label": owner_label(owner),
                    "slot": reference.model._meta.verbose_name
                    if reference.owner_field
                    else reference.model._meta.get_field(reference.target_field).verbose_name,
                }
            )
    return found


def _within(owner, tenant_ids):
    tenant_id = getattr(owner, "tenant_id", None)
    return tenant_ids is None or tenant_id is None or tenant_id in tenant_ids


def _describe_owners(triples, tenant_ids=None):
    """[(owner label_lower, id, slot)] -> referrer dicts, one query per owner model."""
    by_model = {}
    for owner_type, owner_id, _slot in triples:
        by_model.setdefault(owner_type, set()).add(owner_id)
    objects = {}
    for owner_type, ids in by_model.items():
        owner = _owners.get(owner_type)
        if owner is None:
            continue
        for obj in owner.model._default_manager.filter(pk__in=ids):
            objects[(owner_type, obj.pk)] = obj
    described, seen = [], set()
    for owner_type, owner_id, slot in triples:
        obj = objects.get((owner_type, owner_id))
        if obj is None or (owner_type, owner_id, slot) in seen or not _within(obj, tenant_ids):
            continue
        seen.add((owner_type, owner_id, slot))
        described.append(
            {"type": obj._meta.model_name, "id": obj.pk, "label": owner_label(obj), "slot": slot}
        )
    return described


def release(instance):
    """Forced deletion: drop every destination and reference row that points at
    `instance`, in the caller's transaction. Returns the owners whose slots lost a
    destination, each as (owner, slots before, slots after), for the change log."""
    changed = []
    target = target_type_of(type(instance))
    if target is not None:
        pointing = Destination.objects.filter(target_type=target.code, target_id=instance.pk)
        owners = {}
        for owner_type, owner_id, slot in pointing.values_list("owner_type", "owner_id", "slot"):
            owners.setdefault((owner_type, owner_id), set()).add(slot)
        befores = {}
        for (owner_type, owner_id), slots in owners.items():
            owner = _owners.get(owner_type)
            obj = owner and owner.model._default_manager.filter(pk=owner_id).first()
            if obj is not None:
                befores[obj] = (slots, current(obj, slots))
        pointing.delete()
        changed = [(obj, before, current(obj, slots)) for obj, (slots, before) in befores.items()]
    for reference in _references.get(instance._meta.label_lower, ()):
        rows = reference.model._default_manager.filter(**{reference.target_field: instance})
        if reference.owner_field:
            rows.delete()
            continue
        for row in rows:
            before = changelog.snapshot(row)
            setattr(row, reference.target_field, None)
            row.save()
            changelog.record(row, changelog.UPDATE, before)
    return changed


# --- reading and writing an owner's slots ---------------------------------------------


def _target_text(code, target_id):
    return code if target_id is None else f"{code}-{target_id}"


def parse_item(item, owner, slot):
    """One destination as sent: `"EXT-101"`, `"HANGUP"`, `{"type": "EXT", "id": 101}`,
    a macro name (`"SAMENUMBERVM"`), or a plain id where the slot says what it means.
    Returns (code, id or None, macro or None); raises ValueError with the reason."""
    if isinstance(item, bool):
        raise ValueError("a destination is a TYPE-ID string or an object with type and id")
    if isinstance(item, int) or (isinstance(item, str) and item.isascii() and item.isdigit()):
        code = owner.bare_ids.get(slot)
        if code is None:
            raise ValueError(f"{item!r} has no type: write it as TYPE-ID, e.g. EXT-{item}")
        return code, int(item), None
    if isinstance(item, dict):
        code, target_id = item.get("type"), item.get("id")
        if not isinstance(code, str) or not code:
            raise ValueError("an object destination needs a type, e.g. {'type': 'EXT', 'id': 101}")
        if target_id is not None and (isinstance(target_id, bool) or not isinstance(target_id, int | str)):
            raise ValueError("id must be an integer")
        if isinstance(target_id, str):
            if not (target_id.isascii() and target_id.isdigit()):
                raise ValueError("id must be an integer")
            target_id = int(target_id)
        code = code.upper()
    elif isinstance(item, str):
        text = item.strip().upper()
        if text in owner.macros:
            return None, None, text
        match = TYPE_ID.match(text)
        if not match:
            raise ValueError(f"{item!r} is not TYPE-ID (such as EXT-101 or HANGUP)")
        code, target_id = match["type"], match["id"] and int(match["id"])
    else:
        raise ValueError("a destination is a TYPE-ID string or an object with type and id")
    target = _targets.get(code)
    if target is None:
        raise ValueError(f"unknown destination type {code}; known: {', '.join(sorted(_targets))}")
    allowed = owner.allowed_types.get(slot)
    if allowed and code not in allowed:
        raise ValueError(f"slot {slot} takes only {', '.join(allowed)}")
    if target.model is None and target_id is not None:
        raise ValueError(f"{code} takes no id")
    if target.model is not None and target_id is None:
        raise ValueError(f"{code} needs an id, e.g. {code}-12")
    return code, target_id, None


def clean(owner_model, tenant_id, slots):
    """Check the destinations sent for an owner of `tenant_id`: `slots` maps slot names
    to lists. Returns ({slot: [(code, id, macro)]}, errors {slot: [message]}). A target
    must exist in the owner's tenant or be global; one query per target type."""
    owner = owner_slots(owner_model)
    cleaned, errors, wanted = {}, {}, {}
    if not isinstance(slots, dict):
        return {}, {"destinations": ["Send an object mapping slot names to lists of destinations."]}
    for slot, items in slots.items():
        if not owner.has_slot(slot):
            known = ", ".join(owner.slots) or "none"
            errors[slot] = [f"{owner_model._meta.verbose_name} has no slot {slot}; its slots: {known}."]
            continue
        if items is None:
            items = []
        if not isinstance(items, list):
            items = [items]
        parsed = []
        for index, item in enumerate(items):
            try:
                code, target_id, macro = parse_item(item, owner, slot)
            except ValueError as error:
                errors.setdefault(slot, []).append(f"Item {index}: {error}.")
                continue
            parsed.append((code, target_id, macro))
            if target_id is not None:
                wanted.setdefault(code, set()).add(target_id)
        cleaned[slot] = parsed
    found = {}
    for code, ids in wanted.items():
        model = _targets[code].model
        queryset = model._default_manager.filter(pk__in=ids)
        if any(f.name == "tenant" for f in model._meta.concrete_fields):
            queryset = queryset.filter(_same_tenant_or_global(tenant_id))
        found[code] = set(queryset.values_list("pk", flat=True))
    for slot, parsed in cleaned.items():
        for index, (code, target_id, _macro) in enumerate(parsed):
            if target_id is not None and target_id not in found[code]:
                errors.setdefault(slot, []).append(
                    f"Item {index}: {_target_text(code, target_id)} does not exist in this tenant."
                )
    return cleaned, errors


def texts(cleaned):
    """clean()'s slots as {slot: ["EXT-101", ...]}, as current() reads them; None when a
    macro is among them (its target is known only once written)."""
    if any(macro is not None for parsed in cleaned.values() for _code, _id, macro in parsed):
        return None
    return {
        slot: [_target_text(code, target_id) for code, target_id, _macro in parsed]
        for slot, parsed in cleaned.items()
    }


def _same_tenant_or_global(tenant_id):
    from django.db.models import Q

    return Q(tenant_id=tenant_id) | Q(tenant__isnull=True)


def write(owner_instance, cleaned, *, replace_all=False, created=False):
    """Replace the slots in `cleaned` (from clean()) on a saved owner; macros are
    resolved now that the owner exists. Other slots are kept, or with `replace_all`
    (a PUT) emptied. `created`: the owner was inserted in this transaction and has no
    slots yet, so there is nothing to delete first (a query less per imported row).
    Returns the slots written as {slot: ["EXT-101", ...]}."""
    owner = owner_slots(type(owner_instance))
    owner_type = owner_instance._meta.label_lower
    if not created:
        existing = Destination.objects.filter(owner_type=owner_type, owner_id=owner_instance.pk)
        if not replace_all:
            existing = existing.filter(slot__in=list(cleaned))
        existing.delete()
    rows, written = [], {}
    for slot, parsed in cleaned.items():
        written[slot] = []
        for position, (code, target_id, macro) in enumerate(parsed):
            if macro is not None:
                target = owner.macros[macro](owner_instance)
                code, target_id = target_type_of(type(target)).code, target.pk
            rows.append(
                Destination(
                    tenant_id=getattr(owner_instance, "tenant_id", None),
                    owner_type=owner_type,
                    owner_id=owner_instance.pk,
                    slot=slot,
                    position=position,
                    target_type=code,
                    target_id=target_id,
                )
            )
            written[slot].append(_target_text(code, target_id))
    Destination.objects.bulk_create(rows)
    return written


def _idless_label(code):
    target = _targets.get(code)
    return target.describe() if target is not None and target.model is None else code


def current(owner_instance, slots=None):
    """The owner's destinations as {slot: ["EXT-101", ...]} (for change-log snapshots)."""
    rows = Destination.objects.filter(owner_type=owner_instance._meta.label_lower, owner_id=owner_instance.pk)
    if slots is not None:
        rows = rows.filter(slot__in=list(slots))
    found = {slot: [] for slot in slots or ()}
    for row in rows.order_by("slot", "position"):
        found.setdefault(row.slot, []).append(_target_text(row.target_type, row.target_id))
    return found


def read(owner_instance):
    """The owner's slots for the API: every fixed slot (empty ones too) and any open
    one in use, each a list of {"destination", "type", "id", "label"}; one query for the
    rows and one per target type for the labels."""
    owner = owner_slots(type(owner_instance))
    rows = list(
        Destination.objects.filter(owner_type=owner_instance._meta.label_lower, owner_id=owner_instance.pk)
    )
    ids = {}
    for row in rows:
        if row.target_id is not None:
            ids.setdefault(row.target_type, set()).add(row.target_id)
    labels = {}
    for code, wanted in ids.items():
        target = _targets.get(code)
        if target is None or target.model is None:
            continue  # id-less targets are labelled below
        for obj in target.model._default_manager.filter(pk__in=wanted):
            labels[(code, obj.pk)] = target.describe(obj)
    slots = {slot: [] for slot in owner.slots}
    for row in sorted(rows, key=lambda r: (r.slot, r.position)):
        slots.setdefault(row.slot, []).append(
            {
                "destination": _target_text(row.target_type, row.target_id),
                "type": row.target_type,
                "id": row.target_id,
                "label": labels.get((row.target_type, row.target_id)) or _idless_label(row.target_type),
            }
        )
    return slots
