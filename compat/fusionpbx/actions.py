"""FusionPBX rest_api's actions, each a translation onto pbx's own API views.

The action names are the files of the project's `actions/` folder (`domain-details`,
`extension-create`, `extension-details`, `extension-list`, `destination-create`,
`destination-details`, `ringgroup-create`, `originate`, `cdr-list`); each takes the
parameters that action reads and answers the rows FusionPBX's tables would give
(`v_domains`, `v_extensions`, `v_destinations`, `v_ring_groups`, `v_xml_cdr`), named as
there. What a FusionPBX row has and pbx does not keep is `null`, never made up.
"""

import json
from dataclasses import dataclass, field

from extensions.models import Extension
from pbx.api.uuids import as_uuid
from tenants.models import Tenant


class ActionError(Exception):
    """An answer in FusionPBX's error shape: `{"error": message, ...}` with a status."""

    def __init__(self, message, status=400, **extra):
        super().__init__(message)
        self.status = status
        self.extra = extra


@dataclass
class Action:
    """One action: its handler, the parameters it requires and those it also takes."""

    handler: object
    required: tuple
    optional: tuple = field(default=())

    @property
    def accepted(self):
        return {"action", *self.required, *self.optional}


def kernel_failed(answer, not_found=None):
    """ActionError for a kernel answer that is an error: the kernel's own message and
    fields, with FusionPBX's wording for a missing object when it has one."""
    error = answer.error or {}
    if answer.status == 404 and not_found is not None and error.get("code") == "not_found":
        return ActionError(not_found, 404)
    extra = {"code": error.get("code")}
    if error.get("fields"):
        extra["fields"] = error["fields"]
    return ActionError(error.get("message", "The request was refused."), answer.status, **extra)


def create(ctx, url_name, tenant, sent, taken_message):
    """The kernel's answer to creating `sent` in `tenant`: the object's JSON; a number
    already held is FusionPBX's "... already exists"."""
    answer = ctx.call("POST", url_name, query={"tenant": tenant.code}, body=sent)
    if answer.ok:
        return answer.data
    if (answer.error or {}).get("code") == "number_in_use":
        raise ActionError(taken_message, 409, code="number_in_use", holder=answer.error.get("holder"))
    raise kernel_failed(answer)


# --- the domain (pbx's tenant) ------------------------------------------------------


def tenant_of(ctx, body, *, by_name=False):
    """The tenant `domain_uuid` (or, where the action allows it, `domain_name`: the SIP
    domain) names, within the key's reach; else FusionPBX's "domain not found", the same
    for a domain that exists out of reach."""
    value = body.get("domain_uuid")
    if value in (None, "") and by_name:
        name = str(body.get("domain_name") or "").strip().lower()
        tenant = Tenant.objects.filter(sip_domain=name).first() if name else None
        value = str(tenant.uuid) if tenant is not None else None
    if not isinstance(value, str) or as_uuid(value) is None:
        raise ActionError("domain not found", 404)
    try:
        return ctx.scope.tenant(value)
    except Exception:  # the kernel's tenant_not_found: out of reach reads as missing
        raise ActionError("domain not found", 404) from None


def domain_row(tenant):
    return {
        "domain_uuid": str(tenant.uuid),
        "domain_parent_uuid": None,
        "domain_name": tenant.sip_domain,
        "domain_enabled": tenant.enabled,
        "domain_description": tenant.name,
        "insert_date": _iso(tenant.created_at),
        "insert_user": None,
        "update_date": _iso(tenant.updated_at),
        "update_user": None,
    }


def domain_details(ctx, body):
    if not body.get("domain_uuid") and not body.get("domain_name"):
        raise ActionError("missing required parameter domain_uuid or domain_name")
    return domain_row(tenant_of(ctx, body, by_name=True))


# --- extensions ---------------------------------------------------------------------


def extension_row(data, tenant):
    """pbx's extension (its API's JSON) as a v_extensions row."""
    return {
        "extension_uuid": data.get("uuid"),
        "domain_uuid": str(tenant.uuid),
        "extension": data.get("number"),
        "number_alias": None,
        "password": data.get("password"),  # only to a key that may see secrets, as in /api/
        "accountcode": data.get("account_code") or None,
        "effective_caller_id_name": data.get("caller_id_name"),
        "effective_caller_id_number": data.get("caller_id_number"),
        "outbound_caller_id_name": data.get("outbound_caller_id_name"),
        "outbound_caller_id_number": data.get("outbound_caller_id_number"),
        "emergency_caller_id_name": None,
        "emergency_caller_id_number": None,
        "directory_first_name": data.get("name"),
        "directory_last_name": None,
        "limit_max": data.get("call_limit"),
        "user_context": tenant.sip_domain,
        "toll_allow": data.get("toll_allow"),
        "call_timeout": data.get("ring_timeout"),
        "max_registrations": data.get("max_contacts"),
        "do_not_disturb": data.get("do_not_disturb"),
        **{
            f"forward_{theirs}_{part}": data.get(f"forward_{ours}_{part}")
            for theirs, ours in (
                ("all", "all"),
                ("busy", "busy"),
                ("no_answer", "no_answer"),
                ("user_not_registered", "unavailable"),
            )
            for part in ("enabled", "destination")
        },
        "absolute_codec_string": ",".join(data["codecs"]) if data.get("codecs") else None,
        "enabled": data.get("enabled"),
        "description": data.get("description"),
        "insert_date": data.get("created_at"),
        "insert_user": None,
        "update_date": data.get("updated_at"),
        "update_user": None,
    }


def extension_create(ctx, body):
    tenant = tenant_of(ctx, body)
    sent = {"number": body["extension"]}
    for name in ("caller_id_name", "caller_id_number"):
        if body.get(name):
            # FusionPBX sets the same caller ID for internal and outbound calls.
            sent[name] = sent[f"outbound_{name}"] = body[name]
    return extension_row(create(ctx, "extension-list", tenant, sent, "extension already exists"), tenant)


def extension_uuid_of(body):
    """The extension's UUID: `extension_uuid`, or `extension` as the project's code reads it."""
    value = body.get("extension_uuid") or body.get("extension")
    if as_uuid(value) is None:
        raise ActionError("extension not found", 404)
    return value


def extension_details(ctx, body):
    tenant = tenant_of(ctx, body)
    answer = ctx.call(
        "GET", "extension-detail", kwargs={"pk": extension_uuid_of(body)}, query={"tenant": tenant.code}
    )
    if not answer.ok:
        raise kernel_failed(answer, not_found="extension not found")
    return extension_row(answer.data, tenant)


def extension_list(ctx, body):
    tenant = tenant_of(ctx, body)
    rows, page = [], 1
    while True:
        query = {"tenant": tenant.code, "page": page, "page_size": 1000, "ordering": "number"}
        query["fields"] = "uuid,number,outbound_caller_id_number"
        answer = ctx.call("GET", "extension-list", query=query)
        if not answer.ok:
            raise kernel_failed(answer)
        rows += [
            {"extension_uuid": row["uuid"], "extension": row["number"], "emergency_caller_id_number": None}
            for row in answer.data["results"]
        ]
        if not answer.data.get("next"):
            return rows
        page += 1


# --- destinations (pbx's DIDs) ------------------------------------------------------


def destination_row(data, tenant):
    """pbx's DID (its API's JSON, a detail's) as a v_destinations row: where its calls go
    (the `DID` slot) as FusionPBX's transfer actions."""
    slot = (data.get("destinations") or {}).get("DID") or []
    numbers = dict(
        Extension.objects.filter(
            tenant=tenant, pk__in=[d["id"] for d in slot if d.get("type") == "EXT"]
        ).values_list("pk", "number")
    )
    actions = [
        {"destination_app": "transfer", "destination_data": f"{numbers[d['id']]} XML {tenant.sip_domain}"}
        if d.get("type") == "EXT" and d.get("id") in numbers
        else {"destination_app": "pbx", "destination_data": d.get("destination")}
        for d in slot
    ]
    return {
        "destination_uuid": data.get("uuid"),
        "domain_uuid": str(tenant.uuid),
        "dialplan_uuid": None,
        "destination_type": "inbound",
        "destination_number": data.get("number"),
        "destination_caller_id_name": None,
        "destination_caller_id_number": None,
        "destination_context": "public",
        "destination_actions": actions or None,
        "destination_enabled": data.get("enabled"),
        "destination_description": data.get("description"),
        "insert_date": data.get("created_at"),
        "update_date": data.get("updated_at"),
    }


def destination_create(ctx, body):
    tenant = tenant_of(ctx, body)
    sent = {"number": body["number"], "extension": body["extension"]}
    answer = ctx.call("POST", "did-list", query={"tenant": tenant.code}, body=sent)
    if not answer.ok:
        if answer.status == 409:
            raise ActionError("number already routed", 400, code=(answer.error or {}).get("code"))
        raise kernel_failed(answer)
    return destination_row(answer.data, tenant)


def destination_details(ctx, body):
    answer = ctx.call("GET", "did-list", query={"number": str(body["number"])})
    if not answer.ok:
        raise kernel_failed(answer)
    if not answer.data["results"]:
        raise ActionError("no such destination", 404)
    found = answer.data["results"][0]
    detail = ctx.call("GET", "did-detail", kwargs={"pk": found["id"]})
    if not detail.ok:
        raise kernel_failed(detail)
    return destination_row(detail.data, ctx.scope.tenant(found["tenant"]))


# --- ring groups (pbx's hunt lists) -------------------------------------------------


def ring_group_row(data, tenant):
    return {
        "ring_group_uuid": data.get("uuid"),
        "domain_uuid": str(tenant.uuid),
        "ring_group_name": data.get("name"),
        "ring_group_extension": data.get("number"),
        "ring_group_strategy": data.get("strategy"),
        "ring_group_call_timeout": data.get("ring_time"),
        "ring_group_context": tenant.sip_domain,
        "ring_group_enabled": data.get("enabled"),
        "ring_group_description": None,
        "dialplan_uuid": None,
        "insert_date": data.get("created_at"),
        "update_date": data.get("updated_at"),
    }


def ringgroup_create(ctx, body):
    tenant = tenant_of(ctx, body)
    destinations = body["destinations"]
    if isinstance(destinations, str):
        # The project's README sends the array as a JSON string inside the JSON body.
        try:
            destinations = json.loads(destinations)
        except ValueError:
            destinations = None
    if not isinstance(destinations, list) or not destinations:
        raise ActionError("no destinations specified. Value must be a JSON array")
    sent = {
        "name": body["name"],
        "extension": body["extension"],
        "strategy": body["strategy"],
        "destinations": destinations,
    }
    return ring_group_row(create(ctx, "huntlist-list", tenant, sent, "ring group already exists"), tenant)


# --- calls --------------------------------------------------------------------------


def originate(ctx, body):
    tenant = tenant_of(ctx, body)
    sent = {
        "from": str(body["destination_a"]),
        "to": str(body["destination_b"]),
        "caller_id_number": str(body["caller_id_number"]),
    }
    if body.get("caller_id_name"):
        sent["caller_id_name"] = body["caller_id_name"]
    answer = ctx.call("POST", "call-list", query={"tenant": tenant.code}, body=sent)
    if not answer.ok:
        raise kernel_failed(answer)
    # FreeSWITCH's call UUID is not known to pbx; the call's id is (GET /api/calls/<id>/).
    return {
        "success": answer.data.get("state") == "placed",
        "call_uuid": None,
        "call_id": answer.data.get("id"),
    }


def cdr_row(data, extension_uuids):
    return {
        "xml_cdr_uuid": data.get("call_id"),
        "extension_uuid": extension_uuids.get(data.get("extension")),
        "direction": data.get("direction"),
        "start_stamp": data.get("start"),
        "end_stamp": data.get("end"),
        "hangup_cause": data.get("hangup_cause"),
        "duration": data.get("duration"),
        "missed_call": data.get("disposition") != "ANSWERED",
        "record_name": data.get("recording") or None,
        "bridge_uuid": None,
        "caller_id_name": data.get("caller_name"),
        "caller_id_number": data.get("caller_number"),
        "caller_destination": data.get("destination_number"),
        "source_number": data.get("caller_number"),
        "destination_number": data.get("destination_number"),
        "leg": "a",
    }


def cdr_list(ctx, body):
    tenant = tenant_of(ctx, body)
    answer = ctx.call("GET", "callrecord-list", query={"tenant": tenant.code, "page_size": 100, "nojson": ""})
    if not answer.ok:
        raise kernel_failed(answer)
    rows = answer.data["results"]
    ids = {row["extension"] for row in rows if row.get("extension")}
    uuids = {pk: str(uuid) for pk, uuid in Extension.objects.filter(pk__in=ids).values_list("pk", "uuid")}
    return [cdr_row(row, uuids) for row in rows]


ACTIONS = {
    "domain-details": Action(domain_details, (), ("domain_uuid", "domain_name")),
    "extension-create": Action(
        extension_create, ("domain_uuid", "extension"), ("caller_id_name", "caller_id_number")
    ),
    "extension-details": Action(extension_details, ("domain_uuid",), ("extension_uuid", "extension")),
    "extension-list": Action(extension_list, ("domain_uuid",)),
    "destination-create": Action(destination_create, ("domain_uuid", "number", "extension")),
    "destination-details": Action(destination_details, ("number",)),
    "ringgroup-create": Action(
        ringgroup_create, ("domain_uuid", "name", "extension", "destinations", "strategy")
    ),
    "originate": Action(
        originate, ("domain_uuid", "caller_id_number", "destination_a", "destination_b"), ("caller_id_name",)
    ),
    "cdr-list": Action(cdr_list, ("domain_uuid",)),
}
# Names that scripts and write-ups use for the same actions.
ACTION_ALIASES = {
    "extensions-list": "extension-list",
    "ring-group-create": "ringgroup-create",
    "cdrs": "cdr-list",
}


def _iso(value):
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
