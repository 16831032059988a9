"""FreeSWITCH reads its directory and dial plan from pbx (mod_xml_curl).

The requests are the form bodies FreeSWITCH documents for each lookup (its mod_xml_curl
module posts them as application/x-www-form-urlencoded); each answer is parsed as the
XML FreeSWITCH reads. FreeSWITCH itself is not packaged for this machine."""

import base64
import hashlib
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import pytest

from tests.factories import ExtensionFactory, VoicemailFactory
from tests.switch.conftest import CARRIER_A
from tests.switch.support import outbound_route, set_slot

pytestmark = pytest.mark.django_db

URL = "/api/switch/freeswitch/"


def post(client, form):
    """POST `form` as FreeSWITCH does: application/x-www-form-urlencoded."""
    return client.post(URL, urlencode(form), content_type="application/x-www-form-urlencoded")


def xml(response):
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/xml")
    root = ET.fromstring(response.content)
    assert root.tag == "document" and root.get("type") == "freeswitch/xml"
    return root


def is_not_found(response):
    root = xml(response)
    return (
        root.find("section").get("name") == "result"
        and root.find("section/result").get("status") == "not found"
    )


def directory_lookup(action, user, domain, **more):
    """The fields every directory lookup of FreeSWITCH's posts, for `action`."""
    return {
        "hostname": "fs1",
        "section": "directory",
        "tag_name": "domain",
        "key_name": "name",
        "key_value": domain,
        "Event-Name": "REQUEST_PARAMS",
        "action": action,
        "key": "id",
        "user": user,
        "domain": domain,
        **more,
    }


def sip_auth(user, domain="acme.pbx.test", **more):
    """What sofia posts when a phone REGISTERs as user@domain (with a few of the many
    other fields it sends)."""
    return directory_lookup(
        "sip_auth",
        user,
        domain,
        sip_profile="internal",
        sip_user_agent="Yealink SIP-T46S",
        sip_auth_username=user,
        sip_auth_realm=domain,
        sip_auth_nonce="b6a42a6e-1b07-4c8e-9f0a-3e21f5a2b9c1",
        sip_auth_uri=f"sip:{domain}",
        sip_contact_user=user,
        sip_request_host=domain,
        sip_auth_method="REGISTER",
        ip="192.0.2.77",
        **more,
    )


def user_call(user, domain="acme.pbx.test"):
    """What the dial plan's `bridge user/<user>@<domain>` makes FreeSWITCH post."""
    return directory_lookup("user_call", user, domain)


def dialplan(context, number, **variables):
    """What FreeSWITCH posts when it looks up the extension of a call: the channel's
    headers and its variables."""
    return {
        "hostname": "fs1",
        "section": "dialplan",
        "tag_name": "",
        "key_name": "",
        "key_value": "",
        "Event-Name": "REQUEST_PARAMS",
        "Channel-State": "CS_ROUTING",
        "Channel-Name": f"sofia/internal/caller@{context}",
        "Unique-ID": "0f1c7f0e-5a5b-4a8e-9d1f-2f9f7a1c3b11",
        "Call-Direction": "inbound",
        "Caller-Username": variables.get("variable_user_name", ""),
        "Caller-Dialplan": "XML",
        "Caller-Caller-ID-Name": "Caller",
        "Caller-Caller-ID-Number": variables.pop("caller", "100"),
        "Caller-Destination-Number": number,
        "Caller-Context": context,
        "Hunt-Destination-Number": number,
        "Hunt-Context": context,
        "variable_direction": "inbound",
        "variable_sip_profile_name": "internal",
        **variables,
    }


def user_of(root):
    return root.find("section[@name='directory']/domain/groups/group/users/user")


def named(parent, tag):
    return {item.get("name"): item.get("value") for item in parent.iter(tag)}


def actions(root):
    extension = root.find("section[@name='dialplan']/context/extension")
    return [(a.get("application"), a.get("data")) for a in extension.find("condition").iter("action")]


def basic(username, password):
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


# --- the directory ----------------------------------------------------------------------


def test_a_registration_finds_the_user_with_its_password(switch, alice):
    root = xml(post(switch, sip_auth("alice")))
    domain = root.find("section[@name='directory']/domain")
    assert domain.get("name") == "acme.pbx.test"
    assert "sofia_contact" in named(domain.find("params"), "param")["dial-string"]
    user = user_of(root)
    assert user.get("id") == "alice" and user.get("number-alias") == "100"
    assert named(user.find("params"), "param")["password"] == alice.password


def test_the_users_variables_give_its_tenants_context_caller_ids_and_classes(switch, acme_on_media):
    ExtensionFactory(
        tenant=acme_on_media,
        number="100",
        sip_username="alice",
        caller_id_name="Alice",
        outbound_caller_id_name="Acme",
        outbound_caller_id_number="+390612345678",
        toll_allow="local,domestic",
        account_code="sales",
        max_contacts=3,
    )
    user = user_of(xml(post(switch, sip_auth("alice"))))
    variables = named(user.find("variables"), "variable")
    assert variables["user_context"] == "acme.pbx.test"
    assert variables["effective_caller_id_name"] == "Alice"
    assert variables["effective_caller_id_number"] == "100"
    assert variables["outbound_caller_id_name"] == "Acme"
    assert variables["outbound_caller_id_number"] == "+390612345678"
    assert variables["toll_allow"] == "local,domestic"
    assert variables["accountcode"] == "sales"
    assert named(user.find("params"), "param")["max-registrations-per-extension"] == "3"


def test_the_voicemail_pin_is_the_users_vm_password(switch, alice):
    VoicemailFactory(tenant=alice.tenant, mailbox="100", pin="4321", extension=alice)
    user = user_of(xml(post(switch, sip_auth("alice"))))
    assert named(user.find("params"), "param")["vm-password"] == "4321"


def test_a_user_call_finds_the_user_by_its_number(switch, alice):
    user = user_of(xml(post(switch, user_call("100"))))
    assert user.get("id") == "alice"


def test_the_a1_hash_replaces_the_password_when_the_setting_asks(switch, alice, settings):
    settings.PBX_FREESWITCH_A1_HASH = True
    params = named(user_of(xml(post(switch, sip_auth("alice")))).find("params"), "param")
    assert "password" not in params
    assert params["a1-hash"] == hashlib.md5(f"alice:acme.pbx.test:{alice.password}".encode()).hexdigest()


def test_a_password_changed_through_the_api_is_read_at_once(switch, api, acme_key, alice):
    response = api(acme_key).patch(
        f"/api/extensions/{alice.pk}/", {"password": "a-new-secret-9876"}, format="json"
    )
    assert response.status_code == 200
    params = named(user_of(xml(post(switch, sip_auth("alice")))).find("params"), "param")
    assert params["password"] == "a-new-secret-9876"


def test_a_caller_id_name_is_escaped(switch, acme_on_media):
    ExtensionFactory(tenant=acme_on_media, number="100", sip_username="alice", caller_id_name='A<&">B')
    response = post(switch, sip_auth("alice"))
    assert b'A<&">B' not in response.content
    variables = named(user_of(xml(response)).find("variables"), "variable")
    assert variables["effective_caller_id_name"] == 'A<&">B'


def test_another_tenants_user_is_not_found(switch, alice, globex):
    assert is_not_found(post(switch, sip_auth("alice", domain="globex.pbx.test")))


def test_a_number_both_tenants_have_is_the_domains_own_user(switch, bob, globex_bob):
    user = user_of(xml(post(switch, user_call("101", domain="globex.pbx.test"))))
    assert user.get("id") == "bob"
    variables = named(user.find("variables"), "variable")
    assert variables["user_context"] == "globex.pbx.test"
    assert variables["effective_caller_id_name"] == "Globex Bob"


def test_a_disabled_extension_is_not_found(switch, alice):
    alice.enabled = False
    alice.save()
    assert is_not_found(post(switch, sip_auth("alice")))


def test_a_disabled_tenants_user_is_not_found(switch, alice):
    alice.tenant.enabled = False
    alice.tenant.save()
    assert is_not_found(post(switch, sip_auth("alice")))


def test_an_unknown_user_is_not_found(switch, alice):
    assert is_not_found(post(switch, sip_auth("mallory")))


@pytest.mark.parametrize("purpose", ["gateways", "network-list"])
def test_a_whole_domain_request_is_not_found(switch, alice, purpose):
    form = {"section": "directory", "tag_name": "domain", "key_name": "name", "key_value": "acme.pbx.test"}
    assert is_not_found(post(switch, {**form, "purpose": purpose}))


# --- the dial plan ----------------------------------------------------------------------


def test_an_extension_is_bridged_with_its_ring_timeout_and_its_fallback(switch, alice, bob):
    bob.ring_timeout = 25
    bob.save()
    root = xml(post(switch, dialplan("acme.pbx.test", "101", variable_user_name="alice")))
    context = root.find("section[@name='dialplan']/context")
    assert context.get("name") == "acme.pbx.test"
    condition = context.find("extension/condition")
    assert condition.get("field") == "destination_number" and condition.get("expression") == "^101$"
    steps = actions(root)
    assert ("set", "call_timeout=25") in steps
    assert ("bridge", "user/bob@acme.pbx.test") in steps
    assert steps[-1] == ("transfer", "pbx-fallback+${originate_disposition}+bob XML acme.pbx.test")


def test_a_busy_extensions_fallback_is_its_voicemail(switch, alice, bob):
    box = VoicemailFactory(tenant=bob.tenant, mailbox="101", extension=bob)
    set_slot(bob, "EXT-BUSY", box)
    root = xml(post(switch, dialplan("acme.pbx.test", "pbx-fallback+USER_BUSY+bob")))
    assert actions(root)[-1] == ("voicemail", "default acme.pbx.test 101")


def test_an_extension_without_a_no_answer_destination_answers_480(switch, alice, bob):
    root = xml(post(switch, dialplan("acme.pbx.test", "pbx-fallback+NO_ANSWER+bob")))
    assert actions(root)[-1] == ("respond", "480 Temporarily Unavailable")


def test_a_did_goes_where_the_route_engine_sends_it(switch, alice, carrier, acme_did):
    set_slot(acme_did, "DID", alice)
    form = dialplan("public", "+15551234567", caller="+390611111111", variable_sip_network_ip=CARRIER_A)
    steps = actions(xml(post(switch, form)))
    assert ("bridge", "user/alice@acme.pbx.test") in steps


def test_a_did_from_an_address_that_is_no_carrier_is_refused(switch, alice, carrier, acme_did):
    set_slot(acme_did, "DID", alice)
    form = dialplan("public", "+15551234567", variable_sip_network_ip="192.0.2.99")
    assert actions(xml(post(switch, form)))[-1] == ("respond", "403 Forbidden")


def test_an_unknown_did_is_not_found(switch, carrier, acme_did):
    form = dialplan("public", "+15559999999", variable_sip_network_ip=CARRIER_A)
    assert is_not_found(post(switch, form))


def test_an_outside_number_is_bridged_through_the_routes_gateways_in_order(switch, alice, carrier):
    second = type(carrier).objects.create(name="carrier-b", host="198.51.100.11")
    second.tenants.add(alice.tenant)
    outbound_route(alice.tenant, "National", [("_0ZX.", 1, "+39")], [carrier, second])
    steps = actions(xml(post(switch, dialplan("acme.pbx.test", "0612345678", variable_user_name="alice"))))
    assert steps[-1] == (
        "bridge",
        "sofia/gateway/carrier-a/+39612345678|sofia/gateway/carrier-b/+39612345678",
    )


def test_an_unknown_internal_number_is_not_found(switch, alice, bob):
    assert is_not_found(post(switch, dialplan("acme.pbx.test", "199", variable_user_name="alice")))


def test_another_tenants_context_does_not_reach_its_extensions_for_a_caller_of_this_one(
    switch, alice, globex_bob
):
    form = dialplan("globex.pbx.test", "101", variable_user_name="alice")
    assert actions(xml(post(switch, form)))[-1][0] == "respond"


def test_an_unknown_context_is_not_found(switch, alice):
    assert is_not_found(post(switch, dialplan("nowhere.example", "101", variable_user_name="alice")))


@pytest.mark.parametrize("section", ["configuration", "languages", "chatplan", "phrases"])
def test_other_sections_are_not_found(switch, section):
    form = {"section": section, "tag_name": "configuration", "key_name": "name", "key_value": "sofia.conf"}
    assert is_not_found(post(switch, form))


def test_a_body_without_a_section_is_400(switch):
    response = post(switch, {"user": "alice"})
    assert response.status_code == 400
    assert "section" in response.json()["error"]["fields"]


# --- the credential ---------------------------------------------------------------------


def test_basic_with_the_switch_users_password_is_answered(anon, switch_user, alice):
    anon.credentials(HTTP_AUTHORIZATION=basic("kamailio", "correct horse battery staple"))
    assert user_of(xml(post(anon, sip_auth("alice")))).get("id") == "alice"


def test_basic_with_the_switch_key_as_password_is_answered(anon, switch_key, alice):
    anon.credentials(HTTP_AUTHORIZATION=basic("kamailio", switch_key.key))
    assert user_of(xml(post(anon, sip_auth("alice")))).get("id") == "alice"


def test_basic_with_a_key_of_someone_else_is_401(anon, switch_key, alice):
    anon.credentials(HTTP_AUTHORIZATION=basic("platform", switch_key.key))
    assert post(anon, sip_auth("alice")).status_code == 401


def test_no_credential_is_401(anon, alice):
    assert post(anon, sip_auth("alice")).status_code == 401


def test_a_wrong_basic_password_is_401(anon, switch_user, alice):
    anon.credentials(HTTP_AUTHORIZATION=basic("kamailio", "wrong"))
    assert post(anon, sip_auth("alice")).status_code == 401


@pytest.mark.parametrize("key", ["acme_key", "acme_user_key"])
def test_tenant_and_user_keys_are_403(api, request, alice, key):
    response = post(api(request.getfixturevalue(key)), sip_auth("alice"))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


# --- the shipped binding ----------------------------------------------------------------


def test_the_shipped_binding_sends_directory_and_dialplan_to_this_endpoint_with_basic():
    from pathlib import Path

    from django.conf import settings

    conf = ET.parse(Path(settings.BASE_DIR) / "switch/freeswitch/xml_curl.conf.xml").getroot()
    binding = {param.get("name"): param for param in conf.find("bindings/binding").iter("param")}
    assert binding["gateway-url"].get("value").endswith(URL)
    assert binding["gateway-url"].get("bindings") == "directory|dialplan"
    assert binding["auth-scheme"].get("value") == "basic"
    assert ":" in binding["gateway-credentials"].get("value")
