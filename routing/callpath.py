"""The path a call to a DID follows at a given moment (`GET /api/dids/<id>/route/`, and the
switch's `GET /api/switch/did/`, which walk with the same code).

A slot holds a list of destinations that the call tries in order. A terminal
destination (an extension, a voicemail box, a queue, a hunt list, a conference room,
HANGUP ...) takes the call, and the path ends there. The others decide and pass the call
on: a schedule (`CONDITION`) by the time in its own time zone, a flow (`FLOW`) by its
day/night state, an IVR by the keys the caller presses (`digits`, or none: its timeout
path). When the slot they choose is empty, the call goes on to the next destination of
the list that led to them. A destination reached twice in the same state is a loop: the
path stops there and says so.

The switch walks without keys: for it an IVR is where the media server takes over, so it
walks with `deciders=SWITCH_DECIDERS` and the IVR ends the path like any terminal.
"""

from django.db import connection

from pbx import destinations
from pbx.models import Destination
from routing.destinations import IVR_KEYS
from routing.models import CallerIdBlacklist

DECIDERS = ("CONDITION", "FLOW", "IVR")
SWITCH_DECIDERS = ("CONDITION", "FLOW")
MAX_STEPS = 100


class Loop(Exception):
    def __init__(self, step):
        self.step = step


class DestinationGraph:
    """The part of the destination graph a call can reach, read in a constant number of
    queries however long the chain (schedule -> flow -> schedule ...): one recursive query
    over `Destination` follows the slots of the roots and of every target whose type is in
    `follow`, then one query per target type reads the objects (schedules with their
    ranges and exceptions). Anything asked for that was not reached is read on demand, so
    the answers never depend on what was loaded, only the number of queries does.

    `owners` are objects whose slots are read (a DID); `targets` are `(code, id)` reached
    from outside the slots (a DID's own schedule)."""

    def __init__(self, owners=(), targets=(), follow=DECIDERS):
        self._slots = {}  # (owner label, owner id) -> {slot: [(code, id)]}
        self._objects = {}  # (code, id) -> instance, or None when it no longer exists
        self._read = set()  # owners whose slots are known
        if owners or targets:
            self._load(owners, targets, follow)

    def slot(self, owner, slot):
        """[(code, id)] of `owner`'s slot, in order."""
        key = (owner._meta.label_lower, owner.pk)
        if key not in self._read:
            rows = Destination.objects.filter(owner_type=key[0], owner_id=key[1]).order_by("slot", "position")
            for row in rows:
                self._add(key, row.slot, row.target_type, row.target_id)
            self._read.add(key)
        return self._slots.get(key, {}).get(slot, [])

    def target(self, code, target_id):
        """(TargetType or None, the instance or None)."""
        target = destinations.target_type(code)
        if target is None or target.model is None:
            return target, None
        if (code, target_id) not in self._objects:
            self._objects[(code, target_id)] = target.model._default_manager.filter(pk=target_id).first()
        return target, self._objects[(code, target_id)]

    def _add(self, owner, slot, code, target_id):
        self._slots.setdefault(owner, {}).setdefault(slot, []).append((code, target_id))

    def _load(self, owners, targets, follow):
        labels = {}  # followed code -> its objects' owner label in Destination
        for code in follow:
            target = destinations.target_type(code)
            if target is not None and target.model is not None:
                labels[code] = target.model._meta.label_lower
        roots = [(owner._meta.label_lower, owner.pk) for owner in owners]
        roots += [(labels[code], target_id) for code, target_id in targets if code in labels]
        wanted = {}  # code -> ids of the objects to read
        for code, target_id in targets:
            wanted.setdefault(code, set()).add(target_id)
        self._read.update(roots)
        for owner_type, owner_id, slot, code, target_id in _reachable_rows(roots, labels):
            self._add((owner_type, owner_id), slot, code, target_id)
            if target_id is not None:
                wanted.setdefault(code, set()).add(target_id)
                if code in labels:
                    self._read.add((labels[code], target_id))
        for code, ids in wanted.items():
            target = destinations.target_type(code)
            if target is None or target.model is None:
                continue
            found = {obj.pk: obj for obj in _rows(target.model, target.model._meta.pk.column, ids)}
            if code == "CONDITION":
                _read_hours(found)
            for target_id in ids:
                self._objects[(code, target_id)] = found.get(target_id)


def _rows(model, column, values, order=(), *, global_too=False):
    """The objects of `model` whose `column` is among `values` (or, `global_too`, NULL:
    the global ones), ordered by the columns in `order`, read with one plain query: on
    these lookups, made on every call the switch asks about, building the ORM's query
    cost more than the database's work."""
    quote = connection.ops.quote_name
    sql = (
        f"SELECT * FROM {quote(model._meta.db_table)} "
        f"WHERE {quote(column)} IN ({', '.join(['%s'] * len(values))})"
    )
    if global_too:
        sql += f" OR {quote(column)} IS NULL"
    if order:
        sql += " ORDER BY " + ", ".join(quote(name) for name in order)
    return model._default_manager.raw(sql, list(values))


def _read_hours(schedules):
    """Give each schedule (by id) its ranges and exceptions, one query each, where
    `schedule.ranges.all()` and `schedule.exceptions.all()` find them (Django's prefetch
    cache, which prefetch_related fills at several times the cost)."""
    from routing.models import ScheduleException, ScheduleRange

    for schedule in schedules.values():
        schedule._prefetched_objects_cache = {"ranges": [], "exceptions": []}
    for model, name, order in (
        (ScheduleRange, "ranges", ["schedule_id", "id"]),
        (ScheduleException, "exceptions", ["schedule_id", "start_date", "id"]),
    ):
        for row in _rows(model, "schedule_id", list(schedules), order):  # the first match wins
            schedules[row.schedule_id]._prefetched_objects_cache[name].append(row)


def _reachable_rows(roots, labels):
    """(owner type, owner id, slot, target code, target id) of every destination row
    reachable from `roots` through targets of the followed types, ordered by slot and
    position: one recursive query (PostgreSQL and SQLite alike). UNION, not UNION ALL,
    so a cycle of destinations ends the recursion."""
    if not roots:
        return []
    table = connection.ops.quote_name(Destination._meta.db_table)
    seeds = " UNION ".join(["SELECT CAST(%s AS VARCHAR(100)), CAST(%s AS BIGINT)"] * len(roots))
    params = [value for root in roots for value in root]
    if labels:
        cases = " ".join(["WHEN %s THEN %s"] * len(labels))
        params += [value for pair in labels.items() for value in pair]
        params += list(labels)
        recursion = (
            f" UNION SELECT CAST(CASE d.target_type {cases} END AS VARCHAR(100)), d.target_id"
            f" FROM {table} d JOIN reach r ON d.owner_type = r.owner_type AND d.owner_id = r.owner_id"
            f" WHERE d.target_id IS NOT NULL AND d.target_type IN ({', '.join(['%s'] * len(labels))})"
        )
    else:
        recursion = ""
    sql = (
        f"WITH RECURSIVE reach(owner_type, owner_id) AS ({seeds}{recursion}) "
        f"SELECT d.owner_type, d.owner_id, d.slot, d.target_type, d.target_id FROM {table} d "
        "JOIN reach r ON d.owner_type = r.owner_type AND d.owner_id = r.owner_id "
        "ORDER BY d.owner_type, d.owner_id, d.slot, d.position"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


class CallPath:
    """Walks one call; `steps` is the answer's chain. `origin` is the DID the call
    arrives on, or any object of its tenant (the extension whose busy slot the switch
    walks). `deciders` are the target types that pass the call on (the rest take it);
    `evaluated` the schedules read on the way (how long the switch may keep its answer)."""

    def __init__(self, origin, moment, digits="", *, graph=None, deciders=DECIDERS):
        self.origin, self.moment, self.digits = origin, moment, digits
        self.tenant_id = origin.tenant_id
        self.graph = graph if graph is not None else DestinationGraph()
        self.deciders = deciders
        self.steps, self.seen = [], set()
        self.evaluated = []

    # --- reading the configuration ----------------------------------------------------

    def _slot(self, owner, slot):
        return self.graph.slot(owner, slot)

    def _target(self, code, target_id):
        return self.graph.target(code, target_id)

    def evaluate(self, schedule):
        """The schedule's (open?, branch, why) at the path's moment, remembered."""
        self.evaluated.append(schedule)
        return schedule.evaluate(self.moment)

    def _step(self, code, target_id, obj, target, **extra):
        step = {
            "destination": code if target_id is None else f"{code}-{target_id}",
            "type": code,
            "id": target_id,
            "label": target.describe(obj)
            if target is not None and (obj is not None or target.model is None)
            else code,
        }
        step.update(extra)
        self.steps.append(step)
        if len(self.steps) > MAX_STEPS:
            raise Loop(step)
        return step

    # --- walking ------------------------------------------------------------------------

    def walk(self, items):
        """Try `items` in order; True once one of them took the call."""
        return any(self._visit(code, target_id) for code, target_id in items)

    def _visit(self, code, target_id):
        target, obj = self._target(code, target_id)
        if target is not None and target.model is not None and obj is None:
            self._step(
                code, target_id, None, target, terminal=False, reason="The destination no longer exists."
            )
            return False
        if code not in self.deciders:
            self._step(code, target_id, obj, target, terminal=True)
            return True
        state = (code, target_id, len(self.digits))
        if state in self.seen:
            step = self._step(code, target_id, obj, target, terminal=False, reason="Reached before: a loop.")
            raise Loop(step)
        self.seen.add(state)
        return getattr(self, f"_decide_{code.lower()}")(code, target_id, obj, target)

    def _follow(self, code, target_id, obj, target, slot, reason):
        items = self._slot(obj, slot)
        if not items:
            reason += f" {slot} is empty, so the call goes on to the next destination."
        self._step(code, target_id, obj, target, terminal=False, slot=slot, reason=reason)
        return self.walk(items)

    def _decide_condition(self, code, target_id, schedule, target):
        is_open, branch, why = self.evaluate(schedule)
        slot = "CONDITION" if is_open else "NOTCONDITION"
        if branch and self._slot(schedule, f"CONDITION{branch}"):
            slot = f"CONDITION{branch}"
        return self._follow(code, target_id, schedule, target, slot, why[0].upper() + why[1:] + ".")

    def _decide_flow(self, code, target_id, flow, target):
        slot = "FLOW" if flow.state == flow.State.NIGHT else "FLOW-DAY"
        return self._follow(code, target_id, flow, target, slot, f"The flow is in {flow.state} mode.")

    def _decide_ivr(self, code, target_id, ivr, target):
        while self.digits:
            if ivr.direct_dial:
                number = self.digits.split("#")[0]
                extension = self._extension(number) if len(number) > 1 else None
                if extension is not None:
                    self.digits = self.digits[len(number) + 1 :]
                    self._step(
                        code, target_id, ivr, target, terminal=False, reason=f"The caller dials {number}."
                    )
                    return self._visit("EXT", extension.pk)
            key, self.digits = self.digits[0], self.digits[1:]
            slot = IVR_KEYS.get(key)
            if slot and self._slot(ivr, slot):
                return self._follow(code, target_id, ivr, target, slot, f"The caller presses {key}.")
            if self._slot(ivr, "IVR_WRONG"):
                return self._follow(code, target_id, ivr, target, "IVR_WRONG", f"Key {key} is not an option.")
            self._step(
                code,
                target_id,
                ivr,
                target,
                terminal=False,
                reason=f"Key {key} is not an option: the menu repeats.",
            )
        wait = f"No key pressed: {ivr.retries + 1} x {ivr.timeout} s."
        slot = (
            "IVR_TIMEOUT"
            if self._slot(ivr, "IVR_TIMEOUT") or not self._slot(ivr, "IVR_HANGUP")
            else "IVR_HANGUP"
        )
        return self._follow(code, target_id, ivr, target, slot, wait)

    def _extension(self, number):
        from extensions.models import Extension

        return Extension.objects.filter(tenant_id=self.tenant_id, number=number).first()


def blacklist_entry(tenant_id, caller):
    """The enabled blacklist entry (the tenant's or a global one) that refuses `caller`."""
    entries = _rows(CallerIdBlacklist, "tenant_id", [tenant_id], ["tenant_id", "caller_id"], global_too=True)
    for entry in entries:
        if entry.enabled and entry.matches(caller):
            return entry
    return None


def did_graph(did, follow=DECIDERS):
    """The destination graph a call to `did` can reach: its slots, its own schedule's, and
    those of every decider on the way (plus, with `follow`, other owners such as the
    extensions whose busy and no-answer slots the switch needs)."""
    targets = [("CONDITION", did.schedule_id)] if did.schedule_id else []
    return DestinationGraph(owners=[did], targets=targets, follow=follow)


def route(did, moment, *, slot="DID", digits="", caller=None, path=None):
    """The answer of the route tool, as a dict. `path`: a CallPath prepared by the caller
    (the switch's, which walks with its own deciders and keeps the path afterwards)."""
    path = path if path is not None else CallPath(did, moment, digits, graph=did_graph(did))
    answer = {
        "did": {"id": did.pk, "number": did.number, "tenant": did.tenant.code},
        "at": moment.isoformat().replace("+00:00", "Z"),
        "slot": slot,
        "digits": digits,
        "caller": caller,
        "outcome": None,
        "chain": path.steps,
        "terminal": None,
        "message": "",
    }
    entry = blacklist_entry(did.tenant_id, caller) if caller else None
    if entry is not None:
        answer.update(
            outcome="blacklisted", message=f"Caller {caller} is blacklisted ({entry.caller_id}): refused."
        )
        return answer
    did_step = {"destination": f"DID-{did.pk}", "type": "DID", "id": did.pk, "label": f"DID {did.number}"}
    if not did.enabled:
        path.steps.append({**did_step, "terminal": False, "reason": "The DID is disabled."})
        answer.update(outcome="refused", message=f"DID {did.number} is disabled: its calls are refused.")
        return answer
    items = path._slot(did, slot)
    reason = f"The call arrives on {did.number}."
    closed_schedule = None
    if slot == "DID":
        unconditional = path._slot(did, "DID-UNCONDITIONAL")
        if unconditional:
            slot, items, reason = (
                "DID-UNCONDITIONAL",
                unconditional,
                reason + " It is forwarded unconditionally.",
            )
        elif did.schedule_id:
            _target, schedule = path._target("CONDITION", did.schedule_id)
            is_open, _branch, why = path.evaluate(schedule)
            reason += f" Its schedule {schedule} is {why.split(' at ')[0]}."
            if not is_open:
                closed_schedule = (schedule, why)
    path.steps.append({**did_step, "terminal": False, "slot": slot, "reason": reason})
    if closed_schedule is not None:
        schedule, why = closed_schedule
        items = path._slot(schedule, "NOTCONDITION")
        target = destinations.target_type("CONDITION")
        path._step(
            "CONDITION",
            schedule.pk,
            schedule,
            target,
            terminal=False,
            slot="NOTCONDITION",
            reason=why[0].upper() + why[1:] + ".",
        )
    try:
        taken = path.walk(items)
    except Loop as loop:
        answer.update(
            outcome="loop",
            message=f"The call loops: {loop.step['destination']} ({loop.step['label']}) is reached again.",
        )
        return answer
    if taken:
        answer.update(
            outcome="terminal",
            terminal=path.steps[-1],
            message=f"The call ends at {path.steps[-1]['label']}.",
        )
    else:
        answer.update(outcome="hangup", message="No destination takes the call: it is hung up.")
    return answer
