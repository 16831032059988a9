"""Custom destinations, feature codes, short numbers, DISA, the caller ID blacklist and flows."""

from routing.models import CallerIdBlacklist, FeatureCode, Flow
from tests.factories import (
    CustomDestinationFactory,
    DISAFactory,
    ExtensionFactory,
    FeatureCodeFactory,
    FlowFactory,
)


def test_the_seed_001_global_feature_code_example(api, admin_key):
    response = api(admin_key).post(
        "/api/feature-codes/?global=yes", {"code": "*56", "comment": "Pickup"}, format="json"
    )
    assert response.status_code == 201, response.json()
    code = FeatureCode.objects.get()
    assert (code.tenant_id, code.code, code.name) == (None, "*56", "Pickup")


def test_a_tenant_may_override_a_global_feature_code(api, acme_key):
    FeatureCodeFactory(tenant=None, code="*56")
    assert (
        api(acme_key)
        .post("/api/feature-codes/", {"code": "*56", "feature": "pickup"}, format="json")
        .status_code
        == 201
    )
    again = api(acme_key).post("/api/feature-codes/", {"code": "*56"}, format="json")
    assert again.status_code == 400


def test_a_tenant_key_cannot_write_global_feature_codes(api, acme_key):
    response = api(acme_key).post("/api/feature-codes/?global=yes", {"code": "*57"}, format="json")
    assert response.status_code == 403


def test_a_short_number_may_not_shadow_an_extension(api, acme_key, acme):
    ExtensionFactory(tenant=acme, number="100")
    response = api(acme_key).post(
        "/api/short-numbers/", {"number": "100", "dial": "+390212345678"}, format="json"
    )
    assert response.status_code == 400
    assert "extension 100" in response.json()["error"]["fields"]["number"][0]


def test_a_short_number_dials_its_long_number(api, acme_key):
    response = api(acme_key).post(
        "/api/short-numbers/", {"number": "*1", "dial": "+390212345678"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["dial"] == "+390212345678"


def test_the_disa_pin_is_a_secret(api, acme_key, admin_key, acme):
    disa = DISAFactory(tenant=acme, pin="55218")
    assert "pin" not in api(acme_key).get(f"/api/disas/{disa.pk}/").json()
    assert api(admin_key).get(f"/api/disas/{disa.pk}/").json()["pin"] == "55218"


def test_a_disa_sets_its_caller_id(api, acme_key):
    body = {
        "name": "Road warrior",
        "pin": "90210",
        "caller_id_name": "ACME",
        "caller_id_number": "+390212345678",
    }
    response = api(acme_key).post("/api/disas/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["caller_id_number"] == "+390212345678"


def test_the_blacklist_takes_numbers_and_prefixes_with_the_seed_001_alias(api, acme_key):
    assert (
        api(acme_key)
        .post("/api/callerid-blacklist/", {"callerid": "+44 20 7946 0000"}, format="json")
        .status_code
        == 201
    )
    assert (
        api(acme_key).post("/api/callerid-blacklist/", {"caller_id": "39021*"}, format="json").status_code
        == 201
    )
    entries = {entry.caller_id: entry for entry in CallerIdBlacklist.objects.all()}
    assert entries["+442079460000"].matches("+442079460000")
    assert entries["39021*"].matches("3902123") and not entries["39021*"].matches("3906")


def test_a_malformed_blacklist_entry_is_refused(api, acme_key):
    response = api(acme_key).post("/api/callerid-blacklist/", {"caller_id": "12*34"}, format="json")
    assert response.status_code == 400


def test_a_global_blacklist_entry_is_read_by_every_tenant(api, admin_key, acme_key):
    api(admin_key).post("/api/callerid-blacklist/?global=yes", {"caller_id": "+1900*"}, format="json")
    listed = api(acme_key).get("/api/callerid-blacklist/").json()["results"]
    assert [entry["caller_id"] for entry in listed] == ["+1900*"]


def test_a_custom_destination_has_the_seed_001_slots(api, acme_key, acme):
    custom = CustomDestinationFactory(tenant=acme)
    extension = ExtensionFactory(tenant=acme)
    slots = {"PRIVACY-DONTCALL": ["HANGUP"], "RANDOMDESTINATION1": [f"EXT-{extension.pk}"]}
    response = api(acme_key).patch(
        f"/api/custom-destinations/{custom.pk}/", {"destinations": slots}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["destinations"]["RANDOMDESTINATION1"][0]["id"] == extension.pk


def test_a_flow_is_switched_by_a_patch_of_its_state(api, acme_key, acme):
    flow = FlowFactory(tenant=acme)
    response = api(acme_key).patch(f"/api/flows/{flow.pk}/", {"state": "night"}, format="json")
    assert response.status_code == 200
    assert response.json()["state"] == "night"
    flow.refresh_from_db()
    assert flow.state == Flow.State.NIGHT


def test_the_seed_001_flow_status_alias_switches_it(api, acme_key, acme):
    flow = FlowFactory(tenant=acme)
    api(acme_key).patch(f"/api/flows/{flow.pk}/", {"status": "INUSE"}, format="json")
    flow.refresh_from_db()
    assert flow.state == "night"


def test_toggle_flips_the_flow_and_logs_it(api, acme_key, acme):
    flow = FlowFactory(tenant=acme)
    assert api(acme_key).post(f"/api/flows/{flow.pk}/toggle/").json()["state"] == "night"
    assert api(acme_key).post(f"/api/flows/{flow.pk}/toggle/").json()["state"] == "day"
    changes = (
        api(acme_key).get("/api/changes/", {"object_type": "flow", "object_id": flow.pk}).json()["results"]
    )
    updates = [change["changed_fields"] for change in changes if change["action"] == "update"]
    assert updates == [["state", "state_changed_at"], ["state", "state_changed_at"]]


def test_a_read_only_key_cannot_toggle_a_flow(api, acme_read_key, acme):
    flow = FlowFactory(tenant=acme)
    assert api(acme_read_key).post(f"/api/flows/{flow.pk}/toggle/").status_code == 403
