"""Every curl example of DjangoPBX's API usage guide, as printed there, changed only in
host and credentials, against a live pbx (one test each, in the guide's order)."""

import csv
import datetime as dt
import io

import pytest

from extensions.models import Extension, Voicemail
from routing.models import DID, OutboundRoute, Trunk
from tests.compat.djangopbx.conftest import EXTENSION_UUID
from tests.factories import ApiKeyFactory, CallRecordFactory, ExtensionFactory, ServerFactory
from tests.switch.control_servers import ami_server
from tests.switch.kamailio_rows import kamailio_registers

pytestmark = pytest.mark.django_db(transaction=True)


def test_request_a_token(curl, acme_admin):
    acme_admin.set_password("a-password-for-scripts")
    acme_admin.save()
    example = """curl -X POST https://your-pbx-domain.com/api-auth/login/ \\
-H "Content-Type: application/json" \\
-d '{"username": "your-username", "password": "your-password"}'"""
    # The credentials here are a user's name and password: the example carries no key.
    answer = curl(example, None, **{"your-username": "acme-admin", "your-password": "a-password-for-scripts"})
    assert answer.status == 201, answer.text  # a new token: 201, as `key` (dj-rest-auth's name)
    assert answer.json()["key"].startswith("pbx_")


def test_using_the_token(curl, acme_key, extension_1001):
    example = """curl -H "Authorization: Token your-auth-token" \\
https://your-pbx-domain.com/api/extensions/"""
    answer = curl(example, acme_key)
    assert answer.status == 200, answer.text
    assert [row["number"] for row in answer.json()["results"]] == ["1001"]


def test_create_extension(curl, acme_key, domain):
    example = """curl -X POST https://your-pbx-domain.com/api/extensions/ \\
-H "Authorization: Token your-auth-token" \\
-H "Content-Type: application/json" \\
-d '{
"domain_id": "660e8400-e29b-41d4-a716-446655440000",
"extension": "1001",
"password": "secure-password-123",
"effective_caller_id_name": "John Doe",
"effective_caller_id_number": "1001",
"enabled": true
}'"""
    answer = curl(example, acme_key)
    assert answer.status == 201, answer.text
    extension = Extension.objects.get(tenant=domain, number="1001")
    assert (extension.caller_id_name, extension.password) == ("John Doe", "secure-password-123")


def test_update_extension_settings(curl, acme_key, extension_1001):
    example = """curl -X PATCH https://your-pbx-domain.com/api/extensions/550e8400-e29b-41d4-a716-446655440000/ \\
-H "Authorization: Token your-auth-token" \\
-H "Content-Type: application/json" \\
-d '{
"forward_all_enabled": true,
"forward_all_destination": "1002",
"do_not_disturb": false
}'"""
    answer = curl(example, acme_key)
    assert answer.status == 200, answer.text
    extension_1001.refresh_from_db()
    assert (extension_1001.forward_all_enabled, extension_1001.forward_all_destination) == (True, "1002")


def at(text):
    return dt.datetime.fromisoformat(text)


@pytest.fixture
def calls_of_the_15th(domain, extension_1001):
    other = ExtensionFactory(tenant=domain, number="1002")
    return [
        CallRecordFactory(tenant=domain, extension=extension_1001, start=at("2024-01-15T09:00:00Z")),
        CallRecordFactory(tenant=domain, extension=other, start=at("2024-01-15T10:00:00Z")),
        CallRecordFactory(tenant=domain, extension=extension_1001, start=at("2024-01-16T09:00:00Z")),
    ]


def test_get_cdrs_for_last_24_hours(curl, acme_key, calls_of_the_15th):
    example = """curl -G https://your-pbx-domain.com/api/xmlcdrs/ \\
-H "Authorization: Token your-auth-token" \\
--data-urlencode "start_stamp__gte=2024-01-15T00:00:00Z" \\
--data-urlencode "start_stamp__lt=2024-01-16T00:00:00Z\""""
    answer = curl(example, acme_key)
    assert answer.status == 200, answer.text
    assert {row["call_id"] for row in answer.json()["results"]} == {c.call_id for c in calls_of_the_15th[:2]}


def test_get_cdrs_for_specific_extension(curl, acme_key, calls_of_the_15th):
    example = """curl -G https://your-pbx-domain.com/api/xmlcdrs/ \\
-H "Authorization: Token your-auth-token" \\
--data-urlencode "extension_id=550e8400-e29b-41d4-a716-446655440000\""""
    answer = curl(example, acme_key)
    assert answer.status == 200, answer.text
    wanted = {c.call_id for c in calls_of_the_15th if str(c.extension.uuid) == EXTENSION_UUID}
    assert {row["call_id"] for row in answer.json()["results"]} == wanted


def test_get_summary_only(curl, acme_key, calls_of_the_15th):
    example = """curl -G https://your-pbx-domain.com/api/xmlcdrs/?nojson&noxml \\
-H "Authorization: Token your-auth-token\""""
    answer = curl(example, acme_key)
    assert answer.status == 200, answer.text
    rows = answer.json()["results"]
    assert len(rows) == 3 and all("raw" not in row for row in rows)


def test_export_cdrs_to_csv(curl, acme_key, calls_of_the_15th):
    example = """curl -G https://your-pbx-domain.com/api/xmlcustomercdrs/download/ \\
-H "Authorization: Token your-auth-token" \\
--data-urlencode "start_stamp__gte=2024-01-15T00:00:00Z" \\
--data-urlencode "start_stamp__lt=2024-01-16T00:00:00Z" \\
-o cdrs.csv"""
    answer = curl(example, acme_key)
    assert answer.status == 200
    rows = list(csv.DictReader(io.StringIO((curl.folder / "cdrs.csv").read_text())))
    assert {row["call_id"] for row in rows} == {c.call_id for c in calls_of_the_15th[:2]}


def test_create_voicemail_box(curl, acme_key, extension_1001):
    example = """curl -X POST https://your-pbx-domain.com/api/voicemails/ \\
-H "Authorization: Token your-auth-token" \\
-H "Content-Type: application/json" \\
-d '{
"extension_id": "550e8400-e29b-41d4-a716-446655440000",
"password": "1234",
"mail_to": "user@example.com",
"attach_file": true,
"enabled": true
}'"""
    answer = curl(example, acme_key)
    assert answer.status == 201, answer.text
    box = Voicemail.objects.get()
    assert (box.extension_id, box.mailbox, box.email) == (extension_1001.pk, "1001", "user@example.com")


def test_retrieve_voicemail_messages(curl, acme_key, domain):
    example = """curl https://your-pbx-domain.com/api/voicemail_messages/ \\
-H "Authorization: Token your-auth-token\""""
    answer = curl(example, acme_key)
    assert answer.status == 200, answer.text
    assert answer.json()["results"] == []


def test_create_gateway(curl, admin_key, domain):
    example = """curl -X POST https://your-pbx-domain.com/api/gateways/ \\
-H "Authorization: Token your-auth-token" \\
-H "Content-Type: application/json" \\
-d '{
"domain_id": "660e8400-e29b-41d4-a716-446655440000",
"gateway": "provider-trunk",
"username": "trunk-username",
"password": "trunk-password",
"proxy": "sip.provider.com",
"register": true,
"enabled": true
}'"""
    answer = curl(example, admin_key)
    assert answer.status == 201, answer.text
    trunk = Trunk.objects.get()
    assert (trunk.name, trunk.host, trunk.register) == ("provider-trunk", "sip.provider.com", True)


def test_create_inbound_route(curl, acme_key, extension_1001):
    example = """curl -X POST https://your-pbx-domain.com/api/dialplan_ib_route/ \\
-H "Authorization: Token your-auth-token" \\
-H "Content-Type: application/json" \\
-d '{
"domain_id": "660e8400-e29b-41d4-a716-446655440000",
"name": "Main Number",
"number": "+1234567890",
"destination_number": "1001",
"enabled": true
}'"""
    answer = curl(example, acme_key)
    assert answer.status == 201, answer.text
    did = DID.objects.get()
    assert (did.number, did.description, did.tenant_id) == (
        "+1234567890",
        "Main Number",
        extension_1001.tenant_id,
    )


def test_create_outbound_route(curl, acme_key, gateway):
    example = """curl -X POST https://your-pbx-domain.com/api/dialplan_ob_route/ \\
-H "Authorization: Token your-auth-token" \\
-H "Content-Type: application/json" \\
-d '{
"domain_id": "660e8400-e29b-41d4-a716-446655440000",
"name": "International Calls",
"prefix": "011",
"gateway_id": "770e8400-e29b-41d4-a716-446655440000",
"enabled": true
}'"""
    answer = curl(example, acme_key)
    assert answer.status == 201, answer.text
    route = OutboundRoute.objects.get()
    assert (route.name, list(route.trunks.all())) == ("International Calls", [gateway])
    assert route.patterns.get().match == "011."


def test_click_to_dial(curl, domain, acme_user):
    fake = ami_server()
    try:
        domain.server = ServerFactory(
            name="switch1", kind="asterisk", control_url=f"ami://pbx:s3cret@127.0.0.1:{fake.port}"
        )
        domain.save()
        ExtensionFactory(tenant=domain, number="100", user=acme_user)
        kamailio_registers("100", domain.sip_domain)
        key = ApiKeyFactory(owner=acme_user, tenant=domain)
        example = """curl -X POST https://your-pbx-domain.com/api/clickdial/ \\
-H "Authorization: Token your-auth-token" \\
-H "Content-Type: application/json" \\
-d '{
"dest": "1002",
"host": "switch1"
}'"""
        answer = curl(example, key)
    finally:
        fake.close()
    assert answer.status == 202, answer.text
    assert answer.json()["to"] == "1002"


def test_call_statistics(curl, acme_key, calls_of_the_15th):
    an_hour_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    CallRecordFactory(
        tenant=calls_of_the_15th[0].tenant, extension=calls_of_the_15th[0].extension, start=an_hour_ago
    )
    example = """curl -G https://your-pbx-domain.com/api/xmlcdrbasicstatistics/ \\
-H "Authorization: Token your-auth-token" \\
--data-urlencode "cdr_extn=1001" \\
--data-urlencode "cdr_hours=24" \\
--data-urlencode "cdr_scope=extn\""""
    answer = curl(example, acme_key)
    assert answer.status == 200, answer.text
    assert answer.json()["calls"] == 1  # the one call of extension 1001 in the last 24 hours


def test_flush_all_directory_caches(curl, admin_key, domain):
    example = """curl -X POST https://your-pbx-domain.com/api/extensions/flush_cache_all_directories/ \\
-H "Authorization: Token your-auth-token\""""
    answer = curl(example, admin_key)
    assert answer.status == 200, answer.text


def test_filter_extensions_by_domain(curl, admin_key, extension_1001, globex):
    ExtensionFactory(tenant=globex, number="2001")
    example = """curl -G https://your-pbx-domain.com/api/extensions/ \\
-H "Authorization: Token your-auth-token" \\
--data-urlencode "domain_id=660e8400-e29b-41d4-a716-446655440000\""""
    answer = curl(example, admin_key)
    assert answer.status == 200, answer.text
    assert [row["number"] for row in answer.json()["results"]] == ["1001"]


def test_search_extensions_by_number(curl, acme_key, domain):
    for number in ("1000", "1100", "2100", "3000"):
        ExtensionFactory(tenant=domain, number=number)
    example = """curl -G https://your-pbx-domain.com/api/extensions/ \\
-H "Authorization: Token your-auth-token" \\
--data-urlencode "extension__contains=100\""""
    answer = curl(example, acme_key)
    assert answer.status == 200, answer.text
    assert sorted(row["number"] for row in answer.json()["results"]) == ["1000", "1100", "2100"]


def test_order_results(curl, acme_key, domain):
    for number in ("1003", "1001", "1002"):
        ExtensionFactory(tenant=domain, number=number)
    example = """curl -G https://your-pbx-domain.com/api/extensions/ \\
-H "Authorization: Token your-auth-token" \\
--data-urlencode "ordering=extension\""""
    answer = curl(example, acme_key)
    assert answer.status == 200, answer.text
    assert [row["number"] for row in answer.json()["results"]] == ["1001", "1002", "1003"]


def test_get_second_page_of_results(curl, acme_key, domain):
    ExtensionFactory.create_batch(30, tenant=domain)
    example = """curl https://your-pbx-domain.com/api/extensions/?page=2 \\
-H "Authorization: Token your-auth-token\""""
    answer = curl(example, acme_key)
    assert answer.status == 200, answer.text
    assert (answer.json()["count"], len(answer.json()["results"])) == (30, 5)


def test_change_page_size(curl, acme_key, domain):
    ExtensionFactory.create_batch(60, tenant=domain)
    example = """curl https://your-pbx-domain.com/api/extensions/?page_size=50 \\
-H "Authorization: Token your-auth-token\""""
    answer = curl(example, acme_key)
    assert answer.status == 200, answer.text
    assert len(answer.json()["results"]) == 50
