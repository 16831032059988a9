"""The 27 objects of MiRTA PBX's openapi.php, each mapped onto one of pbx's resources.

An object names its pbx resource (the /api/ path the request is translated to), the
MiRTA PBX table it stands for and that table's id column, and the table's columns that
have a pbx field (`columns`: MiRTA column -> pbx field). Answers carry those columns
beside pbx's own fields, so that a script reading `ex_number` or `te_code` keeps
working; bodies may send them too (most are also the kernel serializers' aliases).

`TENANT_ID` in `columns` stands for the id of the object's tenant, which pbx answers as
the tenant's code: the door looks the id up.

docs/migrating.md's `## MiRTA PBX` section lists the same objects; a test keeps the two
in step.
"""

from dataclasses import dataclass, field

TENANT_ID = object()  # the id of the row's tenant (pbx answers its code)

CONDITION_TYPE = "pbx's conditions are schedules (time ranges and dates); for a state switch use a flow."
ALLOWED_MEMBERS = (
    "pbx's queues take members as they are sent; agents who log in are /api/agents/ with their queues."
)
RESTRICTIONS = "pbx limits a user by its role and its tenants: send role and tenants."


@dataclass(frozen=True)
class MirtaObject:
    """One object of openapi.php and the pbx resource it is translated to."""

    name: str  # singular path and `?object=` value: extension
    resource: str  # pbx's resource under /api/: extensions
    table: str  # MiRTA PBX's main table: ex_extensions
    id_column: str  # MiRTA PBX's id column: ex_id
    columns: dict = field(default_factory=dict)  # MiRTA column -> pbx field
    # Extra fields of MiRTA PBX's normalised answer (name -> pbx field), beside `id`.
    normalised: dict = field(default_factory=dict)
    numbered: bool = False  # `/<plural>/number/N` and `?number=N` select by number
    # List query parameters of MiRTA PBX -> pbx's filter of the same meaning.
    list_filters: dict = field(default_factory=dict)
    # Body fields of MiRTA PBX that pbx cannot honour -> what to use instead. The door
    # refuses them by name (never a silently ignored field).
    unsupported: dict = field(default_factory=dict)

    @property
    def plural(self):
        return f"{self.name}s"


def _object(name, resource, table, prefix, columns, *, tenant_owned=True, id_column=None, **kwargs):
    columns = {f"{prefix}_{column}": pbx_field for column, pbx_field in columns.items()}
    if tenant_owned:
        columns[f"{prefix}_te_id"] = TENANT_ID
    return MirtaObject(
        name=name,
        resource=resource,
        table=table,
        id_column=id_column or f"{prefix}_id",
        columns={id_column or f"{prefix}_id": "id", **columns},
        **kwargs,
    )


OBJECTS = [
    _object(
        "extension",
        "extensions",
        "ex_extensions",
        "ex",
        {"number": "number", "name": "name", "tech": "tech", "mailbox": "mailbox"},
        normalised={"number": "number", "name": "name", "tech": "tech", "username": "sip_username"},
        numbered=True,
    ),
    MirtaObject(
        name="voicemail",
        resource="voicemails",
        table="voicemail",
        id_column="uniqueid",
        columns={
            "uniqueid": "id",
            "mailbox": "mailbox",
            "fullname": "name",
            "email": "email",
            "password": "pin",
        },
    ),
    _object(
        "tenant",
        "tenants",
        "te_tenants",
        "te",
        {"code": "code", "name": "name", "enabled": "enabled", "payment_type": "payment_type"},
        tenant_owned=False,
    ),
    _object(
        "user",
        "users",
        "us_users",
        "us",
        {"username": "username", "up_id": "profile", "email": "email"},
        tenant_owned=False,
        unsupported={
            "routingprofiles": "pbx does not limit a user to routing profiles: a routing profile is set on the "
            "tenant (routing_profile_id) or on an extension (routing_profile).",
            "allowed_userprofiles": "pbx has no list of profiles a user may hand out: a user has one profile "
            "(profile_id), and what it may administer follows its role and tenants.",
            "clientrates": "pbx does not rate calls: leave client rates to the billing system.",
            **{
                name: RESTRICTIONS
                for name in ("queue_restrictions", "extension_restrictions", "provider_restrictions")
            },
        },
    ),
    _object(
        "userprofile",
        "user-profiles",
        "up_userprofiles",
        "up",
        {"name": "name", "description": "description", "reserved": "reserved"},
        tenant_owned=False,
    ),
    _object(
        "routingprofile",
        "routing-profiles",
        "rp_routingprofiles",
        "rp",
        {"name": "name", "type": "type", "description": "description"},
        tenant_owned=False,
    ),
    _object(
        "condition",
        "schedules",
        "co_conditions",
        "co",
        {"name": "name"},
        unsupported={
            "type": CONDITION_TYPE,
            "co_type": CONDITION_TYPE,
            "extended_infos": "pbx's schedules hold their time ranges in ranges and their dates in exceptions.",
        },
    ),
    _object("ivr", "ivrs", "iv_ivrs", "iv", {"name": "name"}),
    _object(
        "customdestination",
        "custom-destinations",
        "cu_customs",
        "cu",
        {"name": "name"},
        unsupported={
            "extended_infos": "pbx's custom destinations dial one dial_string; chain them with destinations.",
            "binary_files": "Store audio as media files (/openapi.php/mediafiles) and point at them.",
        },
    ),
    _object(
        "huntlist", "hunt-lists", "hu_huntlists", "hu", {"number": "number", "name": "name"}, numbered=True
    ),
    _object("did", "dids", "di_dids", "di", {"number": "number", "comment": "description"}),
    _object(
        "queue",
        "queues",
        "qu_queues",
        "qu",
        {"number": "number", "name": "name"},
        numbered=True,
        unsupported={
            name: ALLOWED_MEMBERS
            for name in ("allowed_members", "aq_allowed_queue_member", "allowed_queue_members")
        },
    ),
    _object("setting", "settings", "se_settings", "se", {"code": "code", "value": "value"}),
    _object(
        "mediafile", "media-files", "me_mediafiles", "me", {"name": "name", "description": "description"}
    ),
    _object(
        "musiconhold",
        "music-on-hold",
        "mu_musiconholds",
        "mu",
        {"name": "name", "custom": "custom", "default": "is_default"},
        unsupported={"entries": "pbx builds the playlist from mediafiles (media file ids): send mediafiles."},
    ),
    _object(
        "paginggroup",
        "paging-groups",
        "pa_paginggroups",
        "pa",
        {"number": "number", "name": "name"},
        numbered=True,
    ),
    _object(
        "conferenceroom",
        "conference-rooms",
        "cr_conferencerooms",
        "cr",
        {"number": "number", "name": "name", "pin": "pin", "adminpin": "admin_pin", "maxusers": "max_users"},
        numbered=True,
    ),
    _object("flow", "flows", "fl_flows", "fl", {"name": "name", "variable_name": "variable_name"}),
    _object(
        "tenantvariable", "tenant-variables", "tv_tenantvariables", "tv", {"al_id": "name", "value": "value"}
    ),
    _object("disa", "disas", "ds_disas", "ds", {"name": "name"}),
    _object(
        "calleridblacklist",
        "callerid-blacklist",
        "bl_blacklists",
        "bl",
        {"callerid": "caller_id", "comment": "description"},
    ),
    _object("campaign", "campaigns", "ca_campaigns", "ca", {"name": "name", "state": "state"}),
    _object(
        "campaignnumber",
        "campaign-numbers",
        "cn_campaignnumbers",
        "cn",
        {"ca_id": "campaign", "number": "number", "description": "description"},
        list_filters={"campaign_id": "campaign", "caid": "campaign"},
    ),
    _object("cronjob", "cron-jobs", "cr_cronjobs", "cr", {"name": "name"}),
    _object("featurecode", "feature-codes", "fe_features", "fe", {"code": "code", "comment": "name"}),
    _object("shortnumber", "short-numbers", "sn_shortnumbers", "sn", {"number": "number", "dial": "dial"}),
    _object("provisioningphone", "devices", "ph_phones", "ph", {"name": "name", "mac": "mac_address"}),
]

BY_NAME = {obj.name: obj for obj in OBJECTS}
BY_PLURAL = {obj.plural: obj for obj in OBJECTS}
