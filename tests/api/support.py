"""What the matrices share: objects of any registered resource, request bodies for them,
the error envelope's shape, leak detection and a snapshot of the whole database."""

import csv
import io
import json
import re

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models

from tests.factories import FACTORIES

# --- objects of any resource ------------------------------------------------------------


def factory_for(model):
    factory = FACTORIES.get(model)
    assert factory is not None, (
        f"{model.__name__} is registered with the API router but tests/factories.py has no "
        "factory for it in FACTORIES: the generated matrices cannot make one."
    )
    return factory


def _user_fields(model):
    User = get_user_model()
    return [
        f.name
        for f in model._meta.concrete_fields
        if f.is_relation and f.many_to_one and f.related_model is User
    ]


def make(route, *, tenant=None, user=None, count=1):
    """`count` objects of the route's model made by its factory: in `tenant` when the
    resource is tenant-owned, with every reference to a user pointing at `user`. For an
    action set's route, what ACTION_OBJECTS makes (None for most: they address no object)."""
    if not route.is_resource:
        listed = ACTION_ROWS.get(route.key)
        if listed is not None and tenant is not None:
            rows = [listed(tenant) for _ in range(count)]
            return rows if count != 1 else rows[0]
        made = ACTION_OBJECTS.get(route.key)
        return made(tenant) if made is not None and tenant is not None else None
    kwargs = {}
    if route.tenant_field and tenant is not None:
        kwargs[route.tenant_field] = tenant
    if user is not None:
        kwargs.update(dict.fromkeys(_user_fields(route.model), user))
    objects = factory_for(route.model).create_batch(count, **kwargs)
    return objects if count != 1 else objects[0]


# Actions whose body is not the resource's own shape: a valid body for each, by URL name.
ACTION_BODIES = {
    "callrecord-asterisk": {"csv": ""},  # the lines of Asterisk's Master.csv, as a string
    # One mod_json_cdr document of a call in the tenant whose SIP domain it names (ACME's).
    "callrecord-freeswitch": {
        "variables": {"uuid": "matrix-call", "start_epoch": "1773129600", "domain_name": "acme.pbx.test"}
    },
    # FreeSWITCH's mod_xml_curl asking for a user of ACME's directory (as a JSON object).
    "switch-freeswitch": {
        "section": "directory",
        "action": "sip_auth",
        "user": "100",
        "domain": "acme.pbx.test",
    },
    # A call Kamailio saw end in ACME.
    "switch-calls": {
        "call_id": "matrix-call",
        "tenant": "ACME",
        "direction": "internal",
        "start": 1773129600,
        "end": 1773129660,
        "code": 200,
    },
    # Click-to-dial from ACME's registered extension 100 (made by ACTION_OBJECTS).
    "call-list": {"tenant": "ACME", "from": "100", "to": "101"},
    "clickdial-list": {"tenant": "ACME", "from": "100", "dest": "101"},
    # DjangoPBX's flush of directory caches takes no body.
    "djangopbx-flush-cache-list": {},
}


def _click_to_dial_world(tenant):
    """What a click-to-dial needs: the tenant's media server (an Asterisk AMI on a real
    socket, tests/switch/control_servers.py) and its extension 100 registered."""
    from tests.factories import ExtensionFactory, ServerFactory
    from tests.switch.control_servers import shared_ami_server
    from tests.switch.kamailio_rows import kamailio_registers

    tenant.server = ServerFactory(kind="asterisk", control_url=shared_ami_server().control_url)
    tenant.save()
    ExtensionFactory(tenant=tenant, number="100")
    kamailio_registers("100", tenant.sip_domain)


def _an_originate(tenant):
    from switch.models import Originate

    return Originate.objects.create(tenant=tenant, to="101", state=Originate.State.PLACED)


# Action routes that need something to exist: the object they address, or the world in
# which their request succeeds; by URL name, made in the tenant given to make().
ACTION_OBJECTS = {
    "call-list": _click_to_dial_world,
    "clickdial-list": _click_to_dial_world,
    "call-detail": _an_originate,
}


def _a_listed_originate(tenant):
    """A click-to-dial request listed by `GET /api/calls/`, in a tenant where a POST to the
    same route also succeeds (the world is made once per tenant)."""
    from extensions.models import Extension
    from switch.models import Originate

    extension = Extension.objects.filter(tenant=tenant, number="100").first()
    if extension is None:
        _click_to_dial_world(tenant)
        extension = Extension.objects.get(tenant=tenant, number="100")
    return Originate.objects.create(
        tenant=tenant, extension=extension, to="101", state=Originate.State.PLACED
    )


# Action sets' lists: one row of the list, by URL name, made `count` times by make().
ACTION_ROWS = {"call-list": _a_listed_originate}

# Actions that answer only a whole question: a valid query for each, by URL name.
ACTION_QUERIES = {
    "switch-dial": {"domain": "acme.pbx.test", "caller": "100", "number": "101"},
    "switch-did": {"number": "+15551234567", "source": "198.51.100.10", "caller": "+390611111111"},
}


def payload(route, tenant_code=None):
    """A valid body for creating or changing one object of the route's resource: the
    writable plain fields of an object built (not saved) by its factory, plus `tenant`."""
    if route.key in ACTION_BODIES:
        return dict(ACTION_BODIES[route.key])
    model = route.model
    relations = {f.name: None for f in model._meta.concrete_fields if f.is_relation}
    built = factory_for(model).build(**relations)
    serializer = route.viewset.serializer_class()
    body = {}
    for name, field in serializer.fields.items():
        if field.read_only or name == "tenant":
            continue
        try:
            model_field = model._meta.get_field(field.source)
        except Exception:
            continue
        if model_field.is_relation and field.required and model_field.many_to_one | model_field.one_to_one:
            body[name] = _related_object(model_field.related_model, tenant_code).pk
            continue
        if model_field.is_relation or not model_field.concrete or model_field.primary_key:
            continue
        if isinstance(model_field, models.FileField):
            continue  # files travel as the factory's api_payload() says
        value = getattr(built, model_field.attname)
        if value is None or value == "":
            continue
        body[name] = value
    if tenant_code is not None and "tenant" in serializer.fields:
        body["tenant"] = tenant_code
    body.update(getattr(factory_for(model), "api_payload", dict)())
    return json.loads(json.dumps(body, cls=DjangoJSONEncoder))


def _related_object(model, tenant_code):
    """A fresh object for a required reference (a follow-me's extension), in the body's
    tenant, else in ACME (the matrices' own tenant)."""
    from tenants.models import Tenant

    kwargs = {}
    if any(f.name == "tenant" for f in model._meta.concrete_fields):
        tenant = Tenant.objects.filter(code=tenant_code or "ACME").first() or Tenant.objects.first()
        kwargs["tenant"] = tenant
    return factory_for(model).create(**kwargs)


def row(obj):
    """The object's row as the database holds it now (None once deleted)."""
    return type(obj)._default_manager.filter(pk=obj.pk).values().first()


def body_for(route, method, json_text):
    """(body, content type) of a request to the route: the JSON given, or where the route
    reads CSV (an import) a CSV of no rows, which every resource's import takes."""
    if route.reads_json(method):
        return json_text, "application/json"
    return "id\r\n", "text/csv"


# --- responses --------------------------------------------------------------------------


def body_text(response):
    """The body as text, streamed or not (read once, then kept on the response)."""
    text = getattr(response, "_matrix_text", None)
    if text is None:
        raw = b"".join(response.streaming_content) if response.streaming else response.content
        text = response._matrix_text = raw.decode()
    return text


def rows_listed(response):
    """How many rows a JSON list answered: its `count` when it pages by number, the rows
    of the page when it pages by cursor (CDRs, which never pay for a count)."""
    body = response.json()
    return body["count"] if "count" in body else len(body["results"])


def total_rows(client, url):
    """Every row a list holds, following a cursor list's `next` links to the end."""
    body = client.get(url).json()
    if "count" in body:
        return body["count"]
    total = len(body["results"])
    while body["next"]:
        body = client.get(body["next"]).json()
        total += len(body["results"])
    return total


def csv_rows(response):
    """The CSV body as (header, list of row dicts)."""
    reader = csv.DictReader(io.StringIO(body_text(response)))
    rows = list(reader)
    return reader.fieldnames, rows


def assert_error(response, status, code):
    """An error answer: the status, JSON, and exactly {"error": {"code", "message", ...}}."""
    assert response.status_code == status, (response.status_code, body_text(response)[:500])
    if response.request["REQUEST_METHOD"] == "HEAD":
        return  # a HEAD answer has no body to check
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = json.loads(body_text(response))
    assert isinstance(body, dict) and set(body) == {"error"}, body
    error = body["error"]
    assert isinstance(error, dict), body
    assert isinstance(error.get("code"), str) and isinstance(error.get("message"), str), body
    assert error["message"], body
    assert error["code"] == code, body


# --- leaks ------------------------------------------------------------------------------


def identifying_values(route, obj):
    """The values that would tell a caller this object exists: its search fields, unique
    fields and secrets, where the value is text that no other row of the table has."""
    model = type(obj)
    names = {name.lstrip("^=@$") for name in getattr(route.viewset, "search_fields", ())}
    names.update(f.name for f in model._meta.concrete_fields if f.unique and not f.primary_key)
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint):
            names.update(constraint.fields)
    names.update(getattr(route.viewset.serializer_class.Meta, "secret_fields", ()))
    values = {}
    for name in names:
        try:
            field = model._meta.get_field(name)
        except Exception:
            continue
        if field.is_relation or not field.concrete:
            continue
        value = getattr(obj, field.attname)
        if not isinstance(value, str) or len(value) < 3:
            continue
        others = model._default_manager.exclude(pk=obj.pk).filter(**{field.attname: value})
        if not others.exists():
            values[name] = value
    assert values, f"{model.__name__}: no identifying value to look for"
    return values


def assert_no_leak(response, values, sent=""):
    """None of `values` appears in the body or the headers, except what the caller sent."""
    text = body_text(response) + "\n" + "\n".join(f"{k}: {v}" for k, v in response.items())
    for name, value in values.items():
        if value in sent:
            continue  # echoing the caller's own input reveals nothing
        pattern = rf"(?<![0-9A-Za-z]){re.escape(value)}(?![0-9A-Za-z])"
        assert not re.search(pattern, text), f"the answer reveals {name}={value!r}: {text[:500]}"


def target(route, acme, acme_admin):
    """A URL of the route that addresses an existing object of ACME when the route needs
    one (a list or action URL names ACME where the route is tenant-owned)."""
    if not route.is_object:
        return route.url({"tenant": "ACME"} if route.is_tenant_owned else None)
    return route.url_for(make(route, tenant=acme, user=acme_admin))


def read_url(route):
    """The URL of a read of the route that asks a whole question (ACTION_QUERIES)."""
    return route.url(ACTION_QUERIES.get(route.key))


# --- the whole database -----------------------------------------------------------------

# Columns that record a read, not a write (an API key's last use).
VOLATILE = {("apikeys", "apikey"): {"last_used_at"}}


def snapshot():
    """What the database holds, to prove that a refused request wrote nothing.

    Inside the test's transaction on PostgreSQL: how many rows the transaction has
    inserted, updated and deleted in each table (one query; it sees COPY, raw SQL and
    many-to-many tables too, and counts writes later rolled back to a savepoint), plus the
    rows of the tables with a volatile column, compared without it. Elsewhere: every row
    of every table. Reading every table twice per test cost the matrices minutes."""
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        volatile_models = [apps.get_model(*label) for label in VOLATILE]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_xact_user_tables "
                "WHERE NOT relname = ANY(%s)",
                [[model._meta.db_table for model in volatile_models]],
            )
            state = {name: counts for name, *counts in cursor.fetchall()}
    else:
        volatile_models, state = apps.get_models(), {}
    for model in volatile_models:
        volatile = VOLATILE.get((model._meta.app_label, model._meta.model_name), set())
        rows = model._default_manager.order_by("pk").values()
        state[model._meta.label] = [{k: v for k, v in r.items() if k not in volatile} for r in rows]
    return state
