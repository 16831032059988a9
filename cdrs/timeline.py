"""A call's events in order (DjangoPBX's call timeline), from what its record holds.

Every record gives its start, answer and end. A FreeSWITCH record's raw payload gives
more: each call-flow step's ringing, early media, answer, bridge, transfer and hangup
times (epoch microseconds), and the dial-plan applications it ran. Asterisk's CSV has
nothing finer than its three times.
"""

from cdrs.formats import from_microseconds

# FreeSWITCH call-flow `times` fields, by the event they mark.
FREESWITCH_TIMES = {
    "progress_time": "ringing",
    "progress_media_time": "early_media",
    "answered_time": "answered",
    "bridged_time": "bridged",
    "transfer_time": "transferred",
    "hangup_time": "hangup",
}


def timeline(call):
    """The call's events, earliest first: `{"at", "event", "detail"}` each."""
    events = [
        _event(call.start, "started", {"caller": call.caller_number, "destination": call.destination_number})
    ]
    if call.answer:
        events.append(_event(call.answer, "answered", {}))
    if call.end:
        events.append(
            _event(call.end, "ended", {"disposition": call.disposition, "hangup_cause": call.hangup_cause})
        )
    if isinstance(call.raw, dict):
        events += _freeswitch_events(call.raw)
    order = {"started": 0, "ended": 2}
    events.sort(key=lambda event: (event["at"], order.get(event["event"], 1)))
    return events


def _event(at, name, detail):
    return {"at": at, "event": name, "detail": detail}


def _freeswitch_events(raw):
    events = []
    callflow = raw.get("callflow")
    steps = callflow if isinstance(callflow, list) else [callflow] if isinstance(callflow, dict) else []
    for step in steps:
        if not isinstance(step, dict) or not isinstance(step.get("times"), dict):
            continue
        profile = step.get("caller_profile") if isinstance(step.get("caller_profile"), dict) else {}
        detail = {"destination": profile.get("destination_number", ""), "dialplan": step.get("dialplan", "")}
        for field, name in FREESWITCH_TIMES.items():
            at = from_microseconds(step["times"].get(field))
            if at is not None:
                events.append(_event(at, name, {key: value for key, value in detail.items() if value}))
    applications = (
        (raw.get("app_log") or {}).get("applications") if isinstance(raw.get("app_log"), dict) else None
    )
    for application in applications if isinstance(applications, list) else []:
        at = from_microseconds(application.get("app_stamp")) if isinstance(application, dict) else None
        if at is not None:
            detail = {"application": application.get("app_name", ""), "data": application.get("app_data", "")}
            events.append(_event(at, "application", detail))
    return events
