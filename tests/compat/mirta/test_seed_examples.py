"""Every curl example of MiRTA PBX's openapi.php documentation ("OpenAPI API" and "Overview
and Examples"), run as printed but for the host and the key, against pbx."""

import pytest
from django.contrib.auth import get_user_model

from campaigns.models import CampaignNumber, CronJob
from extensions.models import ConferenceRoom, Extension, PickupGroup, Voicemail
from media.models import MusicOnHold
from routing.models import DID, FeatureCode, Queue, RoutingProfile
from tenants.models import UserProfile
from tests.compat.mirta.conftest import bump_sequences
from tests.factories import (
    CampaignFactory,
    CronJobFactory,
    DIDFactory,
    ExtensionFactory,
    MediaFileFactory,
    QueueFactory,
    RoutingProfileFactory,
    UserProfileFactory,
    VoicemailFactory,
)

User = get_user_model()


@pytest.fixture
def reception(tenantcode):
    """The documentation's extension: id 101, number 100, PJSIP, in TENANTCODE."""
    extension = ExtensionFactory(id=101, tenant=tenantcode, number="100", name="Reception", tech="PJSIP")
    bump_sequences(Extension)
    return extension


@pytest.fixture
def canistracci_reception(canistracci):
    return ExtensionFactory(tenant=canistracci, number="100", name="Reception", tech="PJSIP")


# --- Authentication ("Overview and Examples") ---------------------------------------------


def test_the_tenant_key_in_x_api_key_lists_the_tenants_extensions(
    curl, canistracci_key, canistracci_reception
):
    response = curl(
        """curl -H "X-API-Key: TENANT_API_KEY" \\
  "https://pbx.example.com/mirtapbx/openapi.php/extensions?tenant=CANISTRACCI\"""",
        canistracci_key,
    )
    assert response.status_code == 200, response.content
    assert [(e["id"], e["number"], e["name"], e["tech"]) for e in response.json()] == [
        (canistracci_reception.pk, "100", "Reception", "PJSIP")
    ]


def test_a_bearer_tenant_key_reads_an_extension_by_number(curl, canistracci_key, canistracci_reception):
    response = curl(
        """curl -H "Authorization: Bearer TENANT_API_KEY" \\
  "https://pbx.example.com/mirtapbx/openapi.php/extension?number=100&tenant=CANISTRACCI\"""",
        canistracci_key,
    )
    assert response.status_code == 200, response.content
    assert response.json()["ex_id"] == str(canistracci_reception.pk)
    assert response.json()["ex_number"] == "100"


# --- Examples ("Overview and Examples") ----------------------------------------------------


def test_the_pjsip_extension_example_creates_extension_210(curl, canistracci_key, canistracci):
    response = curl(
        """curl -X POST -H "X-API-Key: TENANT_API_KEY" -H "Content-Type: application/json" \\
  -d '{"number":"210","name":"API Demo","tech":"PJSIP","password":"change-this-secret"}' \\
  "https://pbx.example.com/mirtapbx/openapi.php/extensions?tenant=CANISTRACCI\"""",
        canistracci_key,
    )
    assert response.status_code == 201, response.content
    created = Extension.objects.get(tenant=canistracci, number="210")
    assert (created.name, created.tech, created.password) == ("API Demo", "PJSIP", "change-this-secret")
    assert response.json()["ex_id"] == str(created.pk)


def test_the_queue_rename_example_renames_queue_12(curl, canistracci_key, canistracci):
    QueueFactory(id=12, tenant=canistracci, name="Support")
    bump_sequences(Queue)
    response = curl(
        """curl -X PATCH -H "X-API-Key: TENANT_API_KEY" -H "Content-Type: application/json" \\
  -d '{"name":"Accounting Support"}' \\
  "https://pbx.example.com/mirtapbx/openapi.php/queues/12?tenant=CANISTRACCI\"""",
        canistracci_key,
    )
    assert response.status_code == 200, response.content
    assert Queue.objects.get(pk=12).name == "Accounting Support"
    assert response.json()["qu_name"] == "Accounting Support"


def test_the_routing_profile_example_creates_a_voice_profile_with_a_global_key(curl, global_key):
    response = curl(
        """curl -X POST -H "X-API-Key: GLOBAL_API_KEY" -H "Content-Type: application/json" \\
  -d '{"name":"Docs Demo Voice Routing","description":"Documentation example","type":"VOICE"}' \\
  "https://pbx.example.com/mirtapbx/openapi.php/routingprofiles\"""",
        global_key,
    )
    assert response.status_code == 201, response.content
    profile = RoutingProfile.objects.get(name="Docs Demo Voice Routing")
    assert (profile.type, profile.description) == ("VOICE", "Documentation example")
    assert response.json()["rp_id"] == str(profile.pk)


def test_the_tenant_example_moves_a_tenant_to_post_paid_with_routing_profile_3(curl, global_key, canistracci):
    RoutingProfileFactory(id=3)
    bump_sequences(RoutingProfile)
    # TENANT_ID is the documentation's placeholder for the tenant's id, like the key's.
    response = curl(
        """curl -X PATCH -H "X-API-Key: GLOBAL_API_KEY" -H "Content-Type: application/json" \\
  -d '{"te_payment_type":"Post Paid","routing_profile_id":3}' \\
  "https://pbx.example.com/mirtapbx/openapi.php/tenant?id=TENANT_ID\"""".replace(
            "TENANT_ID", str(canistracci.pk)
        ),
        global_key,
    )
    assert response.status_code == 200, response.content
    canistracci.refresh_from_db()
    assert (canistracci.payment_type, canistracci.routing_profile_id) == ("Post Paid", 3)
    assert response.json()["te_payment_type"] == "Post Paid"


# --- List Extensions ("OpenAPI API"; the same three in "OpenAPI") --------------------------

LIST_WITH_KEY_IN_QUERY = (
    """curl "https://pbx.example.com/openapi.php/extensions?tenant=TENANTCODE&key=APIKEY\""""
)
LIST_WITH_X_API_KEY = """curl \\
  -H "X-API-Key: APIKEY" \\
  "https://pbx.example.com/openapi.php/extensions?tenant=TENANTCODE\""""
LIST_WITH_BEARER = """curl \\
  -H "Authorization: Bearer APIKEY" \\
  "https://pbx.example.com/openapi.php/extensions?tenant=TENANTCODE\""""


def assert_lists_reception(response, reception):
    assert response.status_code == 200, response.content
    rows = response.json()
    assert isinstance(rows, list)
    assert [(r["id"], r["number"], r["name"], r["tech"]) for r in rows] == [
        (101, "100", "Reception", "PJSIP")
    ]


def test_the_list_example_with_the_key_in_the_query(curl, tenant_key, reception):
    assert_lists_reception(curl(LIST_WITH_KEY_IN_QUERY, tenant_key), reception)


def test_the_list_example_with_x_api_key(curl, tenant_key, reception):
    assert_lists_reception(curl(LIST_WITH_X_API_KEY, tenant_key), reception)


def test_the_list_example_with_a_bearer_token(curl, tenant_key, reception):
    assert_lists_reception(curl(LIST_WITH_BEARER, tenant_key), reception)


# The "OpenAPI" page prints the same three examples flattened onto one line each.


def test_the_flattened_list_example_with_the_key_in_the_query(curl, tenant_key, reception):
    text = """curl "https://pbx.example.com/openapi.php/extensions?tenant=TENANTCODE&key=APIKEY\""""
    assert_lists_reception(curl(text, tenant_key), reception)


def test_the_flattened_list_example_with_x_api_key(curl, tenant_key, reception):
    text = """curl \\ -H "X-API-Key: APIKEY" \\ "https://pbx.example.com/openapi.php/extensions?tenant=TENANTCODE\""""
    assert_lists_reception(curl(text, tenant_key), reception)


def test_the_flattened_list_example_with_a_bearer_token(curl, tenant_key, reception):
    text = (
        """curl \\ -H "Authorization: Bearer APIKEY" \\ """
        """"https://pbx.example.com/openapi.php/extensions?tenant=TENANTCODE\""""
    )
    assert_lists_reception(curl(text, tenant_key), reception)


# --- Get Extension Information -------------------------------------------------------------


def assert_is_reception(response):
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["ex_id"], body["ex_number"], body["ex_name"], body["ex_tech"]) == (
        "101",  # MiRTA PBX's columns are text; the normalised id below is a number
        "100",
        "Reception",
        "PJSIP",
    )
    assert (body["id"], body["number"], body["name"], body["tech"]) == (101, "100", "Reception", "PJSIP")
    assert (body["tenant_code"], body["tenant_name"]) == ("TENANTCODE", "Tenant Name")
    assert "password" not in body  # a tenant key never sees it


def test_the_get_by_id_example(curl, tenant_key, reception):
    text = """curl "https://pbx.example.com/openapi.php/extension?id=101&tenant=TENANTCODE&key=APIKEY\""""
    assert_is_reception(curl(text, tenant_key))


def test_the_get_by_number_example(curl, tenant_key, reception):
    text = """curl "https://pbx.example.com/openapi.php/extension?number=100&tenant=TENANTCODE&key=APIKEY\""""
    assert_is_reception(curl(text, tenant_key))


def test_the_get_by_number_example_with_x_api_key(curl, tenant_key, reception):
    text = """curl \\
  -H "X-API-Key: APIKEY" \\
  "https://pbx.example.com/openapi.php/extension?number=100&tenant=TENANTCODE\""""
    assert_is_reception(curl(text, tenant_key))


# --- Create, Modify, Delete Extension ------------------------------------------------------


def test_the_create_extension_example(curl, tenant_key, tenantcode):
    response = curl(
        """curl \\
  -X POST \\
  -H "Content-Type: application/json" \\
  -H "X-API-Key: APIKEY" \\
  -d '{"number":"100","name":"Reception","tech":"PJSIP","password":"secret-password"}' \\
  "https://pbx.example.com/openapi.php/extensions?tenant=TENANTCODE\"""",
        tenant_key,
    )
    assert response.status_code == 201, response.content
    created = Extension.objects.get(tenant=tenantcode, number="100")
    assert (created.name, created.tech, created.password) == ("Reception", "PJSIP", "secret-password")
    assert (response.json()["ex_number"], response.json()["tenant_code"]) == ("100", "TENANTCODE")


def test_the_modify_extension_example(curl, tenant_key, reception):
    response = curl(
        """curl \\
  -X PATCH \\
  -H "Content-Type: application/json" \\
  -H "X-API-Key: APIKEY" \\
  -d '{"ex_name":"Reception Desk","ex_callgroup":"1,2","ex_pickupgroup":"1,2"}' \\
  "https://pbx.example.com/openapi.php/extension?id=101&tenant=TENANTCODE\"""",
        tenant_key,
    )
    assert response.status_code == 200, response.content
    reception.refresh_from_db()
    assert reception.name == "Reception Desk"
    groups = PickupGroup.objects.filter(memberships__extension=reception)
    assert sorted(groups.values_list("kind", "name")) == [
        ("call", "1"),
        ("call", "2"),
        ("pickup", "1"),
        ("pickup", "2"),
    ]
    assert (response.json()["ex_callgroup"], response.json()["ex_pickupgroup"]) == ("1,2", "1,2")


def test_the_delete_extension_example_answers_deleted_with_id_and_number(curl, tenant_key, reception):
    response = curl(
        """curl \\
  -X DELETE \\
  -H "X-API-Key: APIKEY" \\
  "https://pbx.example.com/openapi.php/extension?id=101&tenant=TENANTCODE\"""",
        tenant_key,
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"deleted": True, "id": 101, "number": "100"}
    assert not Extension.objects.filter(pk=101).exists()


def test_the_busy_destination_example_sends_busy_calls_to_voicemail_12(
    curl, tenant_key, reception, tenantcode
):
    VoicemailFactory(id=12, tenant=tenantcode, mailbox="100")
    bump_sequences(Voicemail)
    response = curl(
        """curl \\
  -X PATCH \\
  -H "Content-Type: application/json" \\
  -H "X-API-Key: APIKEY" \\
  -d '{"onbusy":["VOICEMAIL-12"]}' \\
  "https://pbx.example.com/openapi.php/extension?id=101&tenant=TENANTCODE\"""",
        tenant_key,
    )
    assert response.status_code == 200, response.content
    busy = response.json()["destinations"]["EXT-BUSY"]
    assert [(d["type"], d["id"]) for d in busy] == [("VOICEMAIL", 12)]


# --- Additional configuration objects ------------------------------------------------------


def test_the_create_voicemail_example(curl, tenant_key, tenantcode):
    response = curl(
        """curl \\
  -X POST \\
  -H "Content-Type: application/json" \\
  -H "X-API-Key: APIKEY" \\
  -d '{"mailbox":"200","fullname":"Sales","password":"1234","email":"sales@example.com"}' \\
  "https://pbx.example.com/openapi.php/voicemails?tenant=TENANTCODE\"""",
        tenant_key,
    )
    assert response.status_code == 201, response.content
    box = Voicemail.objects.get(tenant=tenantcode, mailbox="200")
    assert (box.name, box.pin, box.email) == ("Sales", "1234", "sales@example.com")
    assert response.json()["uniqueid"] == str(box.pk)


def test_the_did_destination_example_sends_did_25_to_extension_101(curl, tenant_key, reception, tenantcode):
    DIDFactory(id=25, tenant=tenantcode)
    bump_sequences(DID)
    response = curl(
        """curl \\
  -X PATCH \\
  -H "Content-Type: application/json" \\
  -H "X-API-Key: APIKEY" \\
  -d '{"destinations":{"DID":["EXT-101"]}}' \\
  "https://pbx.example.com/openapi.php/did?id=25&tenant=TENANTCODE\"""",
        tenant_key,
    )
    assert response.status_code == 200, response.content
    assert [(d["type"], d["id"]) for d in response.json()["destinations"]["DID"]] == [("EXT", 101)]


def test_the_queue_example_creates_a_queue_with_realtime_fields_and_a_member(
    curl, tenant_key, reception, tenantcode
):
    response = curl(
        """curl \\
  -X POST \\
  -H "Content-Type: application/json" \\
  -H "X-API-Key: APIKEY" \\
  -d '{"qu_name":"Support","qu_number":"700","queue":{"strategy":"ringall","timeout":20},"members":[{"membername":"100","interface":"Local/AG-000-NF-101@fromotherpbx/n","state_interface":"Custom:100","member_device":"100","penalty":0,"paused":0}]}' \\
  "https://pbx.example.com/openapi.php/queues?tenant=TENANTCODE\"""",
        tenant_key,
    )
    assert response.status_code == 201, response.content
    queue = Queue.objects.get(tenant=tenantcode, number="700")
    assert (queue.name, queue.strategy, queue.timeout) == ("Support", "ringall", 20)
    assert response.json()["members"][0]["extension"] in (101, "100")


def test_the_global_feature_code_example(curl, global_key):
    response = curl(
        """curl \\
  -X POST \\
  -H "Content-Type: application/json" \\
  -H "X-API-Key: GLOBAL_APIKEY" \\
  -d '{"code":"*56","comment":"Pickup"}' \\
  "https://pbx.example.com/openapi.php/featurecodes?global=yes\"""",
        global_key,
    )
    assert response.status_code == 201, response.content
    code = FeatureCode.objects.get(code="*56")
    assert (code.tenant_id, code.name) == (None, "Pickup")
    assert response.json()["fe_code"] == "*56"


def test_the_conference_room_example(curl, tenant_key, tenantcode):
    response = curl(
        """curl \\
  -X POST \\
  -H "Content-Type: application/json" \\
  -H "X-API-Key: APIKEY" \\
  -d '{"name":"Weekly Meeting","number":"900","pin":"1234","adminpin":"4321","maxusers":10}' \\
  "https://pbx.example.com/openapi.php/conferencerooms?tenant=TENANTCODE\"""",
        tenant_key,
    )
    assert response.status_code == 201, response.content
    room = ConferenceRoom.objects.get(tenant=tenantcode, number="900")
    assert (room.name, room.pin, room.admin_pin, room.max_users) == ("Weekly Meeting", "1234", "4321", 10)


def test_the_music_on_hold_example_plays_media_files_12_and_15(curl, tenant_key, tenantcode):
    MediaFileFactory(id=12, tenant=tenantcode)
    MediaFileFactory(id=15, tenant=tenantcode)
    bump_sequences(type(MediaFileFactory._meta.model()))
    response = curl(
        """curl \\
  -X POST \\
  -H "Content-Type: application/json" \\
  -H "X-API-Key: APIKEY" \\
  -d '{"name":"Support Hold","mediafiles":[12,15],"default":"on"}' \\
  "https://pbx.example.com/openapi.php/musiconholds?tenant=TENANTCODE\"""",
        tenant_key,
    )
    assert response.status_code == 201, response.content
    playlist = MusicOnHold.objects.get(tenant=tenantcode, name="Support Hold")
    assert playlist.is_default
    assert response.json()["mu_name"] == "Support Hold"


def test_the_campaign_number_example_adds_a_number_to_campaign_5(curl, tenant_key, tenantcode):
    CampaignFactory(id=5, tenant=tenantcode)
    bump_sequences(type(CampaignFactory._meta.model()))
    response = curl(
        """curl \\
  -X POST \\
  -H "Content-Type: application/json" \\
  -H "X-API-Key: APIKEY" \\
  -d '{"campaign_id":5,"number":"390212345678","description":"Lead A"}' \\
  "https://pbx.example.com/openapi.php/campaignnumbers?tenant=TENANTCODE\"""",
        tenant_key,
    )
    assert response.status_code == 201, response.content
    number = CampaignNumber.objects.get(tenant=tenantcode)
    assert (number.number.lstrip("+"), number.campaign_id, number.description) == (
        "390212345678",
        5,
        "Lead A",
    )
    assert response.json()["cn_ca_id"] == "5"


def test_the_cron_job_example_runs_cron_job_8(curl, tenant_key, tenantcode):
    CronJobFactory(id=8, tenant=tenantcode)
    bump_sequences(CronJob)
    response = curl(
        """curl \\
  -X PATCH \\
  -H "Content-Type: application/json" \\
  -H "X-API-Key: APIKEY" \\
  -d '{"run":"yes"}' \\
  "https://pbx.example.com/openapi.php/cronjob?id=8&tenant=TENANTCODE\"""",
        tenant_key,
    )
    assert response.status_code == 200, response.content
    job = CronJob.objects.get(pk=8)
    assert (job.run_count, response.json()["run_count"]) == (1, 1)  # it ran, once


USER_EXAMPLE = """curl \\
  -X POST \\
  -H "Content-Type: application/json" \\
  -H "X-API-Key: GLOBAL_APIKEY" \\
  -d '{"username":"operator","password":"change-me","profile_id":3,"tenants":[1],"routingprofiles":[2,4],"allowed_userprofiles":[5]}' \\
  "https://pbx.example.com/openapi.php/users\""""


@pytest.fixture
def user_example_world(tenantcode):
    UserProfileFactory(id=3)
    UserProfileFactory(id=5)
    RoutingProfileFactory(id=2)
    RoutingProfileFactory(id=4)
    bump_sequences(UserProfile, RoutingProfile)


def test_the_user_example_is_refused_naming_what_pbx_uses_instead(curl, global_key, user_example_world):
    """pbx has no per-user routing profiles or assignable profiles (docs/migrating.md):
    the example is refused whole, naming both fields and what to send instead."""
    response = curl(USER_EXAMPLE, global_key)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "unsupported_field"
    assert "routingprofiles" in error["message"] and "allowed_userprofiles" in error["message"]
    assert "routing_profile_id" in error["message"]
    assert not User.objects.filter(username="operator").exists()


def test_the_user_example_without_its_restrictions_creates_the_operator(curl, global_key, user_example_world):
    text = USER_EXAMPLE.replace(',"routingprofiles":[2,4],"allowed_userprofiles":[5]', "")
    response = curl(text, global_key)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["us_username"], body["us_up_id"], body["tenants"]) == ("operator", "3", ["TENANTCODE"])
    assert User.objects.get(username="operator").check_password("change-me")


def test_the_user_profile_example_creates_helpdesk_with_privileges(curl, global_key):
    response = curl(
        """curl \\
  -X POST \\
  -H "Content-Type: application/json" \\
  -H "X-API-Key: GLOBAL_APIKEY" \\
  -d '{"name":"Helpdesk","description":"Helpdesk operators","privileges":[12,18,25]}' \\
  "https://pbx.example.com/openapi.php/userprofiles\"""",
        global_key,
    )
    assert response.status_code == 201, response.content
    profile = UserProfile.objects.get(name="Helpdesk")
    assert profile.description == "Helpdesk operators"
    assert response.json()["up_name"] == "Helpdesk"
