"""The route tools in the admin: a DID's "where does a call go" and an outbound route's
"which route does this number take" answer what the API's tools answer (the same engine),
with links to each object's page, and only on the administrator's own objects."""

import re

import pytest
from rest_framework.test import APIClient

from routing.models import DID
from tests.factories import (
    CustomDestinationFactory,
    DIDFactory,
    ExtensionFactory,
    OutboundRouteFactory,
    TrunkFactory,
)

# Friday 27 March 2026: 08:30 UTC is 09:30 in Rome (open), 18:30 UTC is 19:30 (closed).
OPEN = "2026-03-27T08:30:00+00:00"
CLOSED = "2026-03-27T18:30:00+00:00"


def office_line(key):
    """DID +39 02 1234 5678 -> schedule "Office hours" (weekdays 09-18, Rome) -> open: IVR
    "Main menu" (1 or no key: hunt list "Sales" of 101 and 102); closed: voicemail 900.
    Built through the API with `key`, as an integration would. Returns the ids."""
    api = APIClient()
    api.credentials(HTTP_X_API_KEY=key)

    def post(path, body):
        response = api.post(path, body, format="json")
        assert response.status_code == 201, response.json()
        return response.json()["id"]

    ids = {
        "alice": post("/api/extensions/", {"number": "101", "name": "Alice"}),
        "bob": post("/api/extensions/", {"number": "102", "name": "Bob"}),
        "box": post("/api/voicemails/", {"mailbox": "900", "name": "After hours", "pin": "4821"}),
    }
    ids["sales"] = post(
        "/api/hunt-lists/",
        {
            "number": "600",
            "name": "Sales",
            "members": [{"extension": ids["alice"]}, {"extension": ids["bob"]}],
        },
    )
    ids["menu"] = post(
        "/api/ivrs/",
        {
            "name": "Main menu",
            "destinations": {
                "IVR_1": [f"HUNTLIST-{ids['sales']}"],
                "IVR_TIMEOUT": [f"HUNTLIST-{ids['sales']}"],
            },
        },
    )
    ids["hours"] = post(
        "/api/schedules/",
        {
            "name": "Office hours",
            "time_zone": "Europe/Rome",
            "ranges": [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "18:00"}],
            "destinations": {
                "CONDITION": [f"IVR-{ids['menu']}"],
                "NOTCONDITION": [f"VOICEMAIL-{ids['box']}"],
            },
        },
    )
    ids["did"] = post(
        "/api/dids/",
        {
            "number": "+39 02 1234 5678",
            "description": "Main line",
            "destinations": {"DID": [f"CONDITION-{ids['hours']}"]},
        },
    )
    return ids


@pytest.fixture
def line(acme_key):
    return office_line(acme_key.key)


def chain(html):
    """(type, slot) of each step the page shows."""
    return re.findall(r'data-type="([^"]*)" data-slot="([^"]*)"', html)


def api_chain(client, did_id, at):
    answer = client.get(f"/api/dids/{did_id}/route/", {"at": at}).json()
    return [(step["type"], step.get("slot", "")) for step in answer["chain"]], answer


def test_a_did_open_goes_through_the_ivr_to_the_hunt_list_and_its_members(client, acme_admin, line):
    client.force_login(acme_admin)
    html = client.get(f"/admin/routing/did/{line['did']}/route/", {"at": "2026-03-27T09:30"}).content.decode()
    expected, answer = api_chain(client, line["did"], OPEN)
    assert (
        chain(html)
        == expected
        == [
            ("DID", "DID"),
            ("CONDITION", "CONDITION"),
            ("IVR", "IVR_TIMEOUT"),
            ("HUNTLIST", ""),
        ]
    )
    assert answer["message"] in html
    for name, page in (("hours", "schedule"), ("menu", "ivr"), ("sales", "huntlist")):
        assert f'href="/admin/routing/{page}/{line[name]}/change/"' in html
    assert f'href="/admin/extensions/extension/{line["alice"]}/change/"' in html  # a member
    assert f'href="/admin/extensions/extension/{line["bob"]}/change/"' in html


def test_a_did_when_the_schedule_is_closed_goes_to_the_other_branch(client, acme_admin, line):
    client.force_login(acme_admin)
    html = client.get(f"/admin/routing/did/{line['did']}/route/", {"at": CLOSED}).content.decode()
    expected, _answer = api_chain(client, line["did"], CLOSED)
    assert chain(html) == expected
    assert chain(html)[1:] == [("CONDITION", "NOTCONDITION"), ("VOICEMAIL", "")]
    assert "voicemail 900" in html.lower()


def test_a_local_time_is_read_in_the_platforms_time_zone(client, acme_admin, line, settings):
    settings.TIME_ZONE = "Europe/Rome"
    client.force_login(acme_admin)
    # 19:30 in Rome typed in the browser's datetime box: closed.
    html = client.get(f"/admin/routing/did/{line['did']}/route/", {"at": "2026-03-27T19:30"}).content.decode()
    assert chain(html)[1] == ("CONDITION", "NOTCONDITION")


def test_a_blacklisted_caller_is_refused_as_the_api_says(client, acme_admin, acme_key, line):
    APIClient().post(
        "/api/callerid-blacklist/", {"caller_id": "+390611111111"}, format="json", HTTP_X_API_KEY=acme_key.key
    )
    client.force_login(acme_admin)
    html = client.get(
        f"/admin/routing/did/{line['did']}/route/", {"caller": "+39 06 1111 1111", "at": OPEN}
    ).content.decode()
    assert 'data-outcome="blacklisted"' in html


def test_a_bad_time_or_key_is_a_message_on_the_form(client, acme_admin, line):
    client.force_login(acme_admin)
    response = client.get(f"/admin/routing/did/{line['did']}/route/", {"at": "yesterday", "digits": "12a"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Give a time such as" in html and "Use up to 64 keys" in html
    assert 'id="route-answer"' not in html


def test_the_did_page_links_its_route_tool(client, acme_admin, line):
    client.force_login(acme_admin)
    html = client.get(f"/admin/routing/did/{line['did']}/change/").content.decode()
    assert f'href="/admin/routing/did/{line["did"]}/route/"' in html


def test_another_tenants_did_has_no_route_tool(client, acme_admin, globex):
    theirs = DIDFactory(tenant=globex, number="+390299999999")
    client.force_login(acme_admin)
    response = client.get(f"/admin/routing/did/{theirs.pk}/route/")
    assert response.status_code == 404
    assert "+390299999999" not in response.content.decode()
    assert (
        client.get(f"/admin/routing/did/{DID.objects.order_by('-pk').first().pk + 1}/route/").status_code
        == 404
    )


@pytest.fixture
def national(acme):
    carrier, backup = TrunkFactory(name="carrier-a"), TrunkFactory(name="carrier-b")
    carrier.tenants.add(acme)
    backup.tenants.add(acme)
    route = OutboundRouteFactory(tenant=acme, name="National")
    route.patterns.create(match="_0ZX.", strip=1, prepend="+39")
    route.route_trunks.create(trunk=carrier, position=0)
    route.route_trunks.create(trunk=backup, position=1)
    return route


def test_the_outbound_tool_shows_the_route_trunks_and_number_dialled_as_the_api(
    client, acme_admin, acme, national
):
    extension = ExtensionFactory(tenant=acme, number="100")
    client.force_login(acme_admin)
    html = client.get(
        f"/admin/routing/outboundroute/{national.pk}/match/",
        {"extension": extension.pk, "number": "02 1234 5678"},
    ).content.decode()
    answer = client.get(
        "/api/outbound-routes/match/", {"extension": extension.pk, "number": "0212345678"}
    ).json()
    assert answer["number_sent"] == "+39212345678"
    assert f'id="match-number-sent">{answer["number_sent"]}<' in html
    assert re.findall(r"<li>(carrier-[ab]) <code>", html) == [trunk["name"] for trunk in answer["trunks"]]
    assert f'href="/admin/routing/outboundroute/{national.pk}/change/">National</a>' in html
    assert "This route takes the call." in html
    assert "/admin/routing/trunk/" not in html  # trunks are the platform's pages


def test_the_outbound_tool_offers_only_the_administrators_extensions(
    client, acme_admin, acme, globex, national
):
    mine = ExtensionFactory(tenant=acme, number="100", name="Front desk")
    theirs = ExtensionFactory(tenant=globex, number="777", name="Globex secret desk")
    client.force_login(acme_admin)
    html = client.get("/admin/routing/outboundroute/match/").content.decode()
    assert "Front desk" in html and "Globex secret desk" not in html
    html = client.get(
        "/admin/routing/outboundroute/match/", {"extension": theirs.pk, "number": "0212345678"}
    ).content.decode()
    assert "Select a valid choice" in html and "Globex" not in html
    assert 'id="match-answer"' not in html
    assert mine.pk != theirs.pk


def test_another_tenants_route_has_no_outbound_tool(client, acme_admin, globex):
    theirs = OutboundRouteFactory(tenant=globex, name="Globex international")
    client.force_login(acme_admin)
    response = client.get(f"/admin/routing/outboundroute/{theirs.pk}/match/")
    assert response.status_code == 404 and "Globex international" not in response.content.decode()


def test_the_outbound_route_page_links_its_tool(client, acme_admin, national):
    client.force_login(acme_admin)
    html = client.get(f"/admin/routing/outboundroute/{national.pk}/change/").content.decode()
    assert f'href="/admin/routing/outboundroute/{national.pk}/match/"' in html


def test_the_extension_page_opens_the_outbound_tool_for_that_extension(client, acme_admin, acme, national):
    extension = ExtensionFactory(tenant=acme, number="100", name="Front desk")
    client.force_login(acme_admin)
    html = client.get(f"/admin/extensions/extension/{extension.pk}/change/").content.decode()
    link = f"/admin/routing/outboundroute/match/?extension={extension.pk}"
    assert f'href="{link}"' in html
    html = client.get(link).content.decode()
    assert f'<option value="{extension.pk}" selected>' in html
    assert "This field is required" not in html


def test_a_global_destination_on_the_way_is_named_without_a_link_a_tenant_admin_cannot_open(
    client, acme_admin, acme_key, line
):
    shared = CustomDestinationFactory(tenant=None, name="Platform operator")
    response = APIClient().patch(
        f"/api/dids/{line['did']}/",
        {"destinations": {"DID": [f"CUSTOM-{shared.pk}"]}},
        format="json",
        HTTP_X_API_KEY=acme_key.key,
    )
    assert response.status_code == 200, response.json()
    client.force_login(acme_admin)
    html = client.get(f"/admin/routing/did/{line['did']}/route/", {"at": OPEN}).content.decode()
    assert "Platform operator" in html
    assert f"/admin/routing/customdestination/{shared.pk}/change/" not in html
