"""The path a call to a DID follows at a given moment (`GET /api/dids/<id>/route/`).

A slot holds a list of destinations that the call tries in order. A terminal
destination (an extension, a voicemail box, a queue, a hunt list, a conference room,
HANGUP ...) takes the call, and the path ends there. The others decide and pass the call
on: a schedule (`CONDITION`) by the time in its own time zone, a flow (`FLOW`) by its
day/night state, an IVR by the keys the caller presses (`digits`, or none: its timeout
path). When the slot they choose is empty, the call goes on to the next destination of
the list that led to them. A destination reached twice in the same state is a loop: the
path stops there and says so.
"""

from pbx import destinations
from pbx.models import Destination
from routing.destinations import IVR_KEYS
from routing.models import CallerIdBlacklist

DECIDERS = ("CONDITION", "FLOW", "IVR")
MAX_STEPS = 100


class Loop(Exception):
    def __init__(self, step):
        self.step = step


class CallPath:
    """Walks one call; `steps` is the answer's chain."""

    def __init__(self, did, moment, digits=""):
        self.did, self.moment, self.digits = did, moment, digits
        self.tenant_id = did.tenant_id
        self.steps, self.seen = [], set()

    # --- reading the configuration ----------------------------------------------------

    def _slot(self, owner, slot):
        rows = Destination.objects.filter(owner_type=owner._meta.label_lower, owner_id=owner.pk, slot=slot)
        return [(row.target_type, row.target_id) for row in rows.order_by("position")]

    def _target(self, code, target_id):
        target = destinations.target_type(code)
        if target is None or target.model is None:
            return target, None
        return target, target.model._default_manager.filter(pk=target_id).first()

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
        if code not in DECIDERS:
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
        is_open, branch, why = schedule.evaluate(self.moment)
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
    from django.db.models import Q

    entries = CallerIdBlacklist.objects.filter(Q(tenant_id=tenant_id) | Q(tenant__isnull=True), enabled=True)
    for entry in entries.order_by("tenant_id", "caller_id"):
        if entry.matches(caller):
            return entry
    return None


def route(did, moment, *, slot="DID", digits="", caller=None):
    """The answer of the route tool, as a dict."""
    path = CallPath(did, moment, digits)
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
            is_open, _branch, why = did.schedule.evaluate(moment)
            reason += f" Its schedule {did.schedule} is {why.split(' at ')[0]}."
            if not is_open:
                closed_schedule = (did.schedule, why)
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
