"""IVRs, hunt lists, queues and agents."""

import pytest

from routing.models import HuntList, Queue, QueueMember
from tests.factories import AgentFactory, ExtensionFactory, HuntListFactory, IVRFactory, VoicemailFactory


@pytest.fixture
def team(acme):
    return [ExtensionFactory(tenant=acme, number=number) for number in ("100", "101", "102")]


# --- hunt lists ---------------------------------------------------------------------------


def test_the_fusionpbx_ring_group_example_maps_onto_a_hunt_list(api, acme_key, acme, team):
    acme.uuid = "3a644e67-de8f-4798-b07e-6f22c33a656e"  # the domain its example names
    acme.save()
    body = {
        "domain_uuid": "3a644e67-de8f-4798-b07e-6f22c33a656e",
        "name": "Sales",
        "extension": "200",
        "destinations": [{"number": "100"}, {"number": "101"}, {"number": "102"}],
        "strategy": "enterprise",
    }
    response = api(acme_key).post("/api/hunt-lists/", body, format="json")
    assert response.status_code == 201, response.json()
    hunt = HuntList.objects.get()
    assert (hunt.number, hunt.name, hunt.strategy) == ("200", "Sales", "enterprise")
    assert [m.extension.number for m in hunt.memberships.all()] == ["100", "101", "102"]


def test_members_are_extensions_or_outside_numbers_with_ring_times(api, acme_key, team):
    body = {
        "number": "600",
        "strategy": "sequence",
        "members": [{"extension": team[0].pk, "ring_time": 15}, {"number": "+390612345678", "delay": 15}],
    }
    response = api(acme_key).post("/api/hunt-lists/", body, format="json")
    assert response.status_code == 201, response.json()
    members = response.json()["members"]
    assert members[0] == {"extension": team[0].pk, "number": "", "delay": 0, "ring_time": 15}
    assert members[1]["number"] == "+390612345678"


def test_the_huntlist_slot_writes_members_and_the_timeout_slot_a_destination(api, acme_key, acme, team):
    box = VoicemailFactory(tenant=acme)
    slots = {
        "HUNTLIST": [f"EXT-{team[1].pk}", f"EXT-{team[2].pk}"],
        "HUNTLIST-TIMEOUT": [f"VOICEMAIL-{box.pk}"],
    }
    response = api(acme_key).post("/api/hunt-lists/", {"number": "601", "destinations": slots}, format="json")
    assert response.status_code == 201, response.json()
    detail = api(acme_key).get(f"/api/hunt-lists/{response.json()['id']}/").json()
    assert [m["extension"] for m in detail["members"]] == [team[1].pk, team[2].pk]
    assert [d["destination"] for d in detail["destinations"]["HUNTLIST"]] == [
        f"EXT-{team[1].pk}",
        f"EXT-{team[2].pk}",
    ]
    assert [d["destination"] for d in detail["destinations"]["HUNTLIST-TIMEOUT"]] == [f"VOICEMAIL-{box.pk}"]


def test_a_member_of_another_tenant_is_refused(api, acme_key, globex):
    theirs = ExtensionFactory(tenant=globex)
    response = api(acme_key).post(
        "/api/hunt-lists/", {"number": "602", "members": [{"extension": theirs.pk}]}, format="json"
    )
    assert response.status_code == 400
    assert not HuntList.objects.exists()


def test_a_hunt_list_number_is_in_the_tenants_dial_plan(api, acme_key, team):
    response = api(acme_key).post("/api/hunt-lists/", {"number": "100"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "number_in_use"


def test_an_extension_in_a_hunt_list_is_not_deleted_unless_forced(api, acme_key, acme, team):
    hunt = HuntListFactory(tenant=acme)
    hunt.memberships.create(extension=team[0])
    assert api(acme_key).delete(f"/api/extensions/{team[0].pk}/").status_code == 409
    assert api(acme_key).delete(f"/api/extensions/{team[0].pk}/?force=true").status_code == 204
    assert not hunt.memberships.exists()


def test_a_hunt_list_put_without_members_empties_them(api, acme_key, acme, team):
    hunt = HuntListFactory(tenant=acme, number="650")
    hunt.memberships.create(extension=team[0])
    response = api(acme_key).put(f"/api/hunt-lists/{hunt.pk}/", {"number": "650"}, format="json")
    assert response.status_code == 200
    assert response.json()["members"] == []


# --- queues -------------------------------------------------------------------------------


def test_the_seed_001_queue_example_creates_a_queue_with_its_member(api, acme_key, team):
    body = {
        "qu_name": "Support",
        "qu_number": "700",
        "queue": {"strategy": "ringall", "timeout": 20},
        "members": [
            {
                "membername": "100",
                "interface": "Local/AG-000-NF-101@fromotherpbx/n",
                "state_interface": "Custom:100",
                "member_device": "100",
                "penalty": 0,
                "paused": 0,
            }
        ],
    }
    response = api(acme_key).post("/api/queues/?tenant=ACME", body, format="json")
    assert response.status_code == 201, response.json()
    queue = Queue.objects.get()
    assert (queue.name, queue.number, queue.strategy, queue.timeout) == ("Support", "700", "ringall", 20)
    member = queue.memberships.get()
    assert (member.extension_id, member.interface, member.paused) == (
        team[0].pk,
        "Local/AG-000-NF-101@fromotherpbx/n",
        False,
    )


def test_the_seed_001_queue_rename_example(api, acme_key, acme):
    created = api(acme_key).post("/api/queues/", {"name": "Support", "number": "701"}, format="json").json()
    response = api(acme_key).patch(
        f"/api/queues/{created['id']}/?tenant=ACME", {"name": "Accounting Support"}, format="json"
    )
    assert response.json()["name"] == "Accounting Support"


@pytest.mark.parametrize(
    "strategy", ["ringall", "leastrecent", "fewestcalls", "random", "rrmemory", "linear", "wrandom"]
)
def test_every_queue_strategy_is_accepted(api, acme_key, strategy):
    response = api(acme_key).post(
        "/api/queues/", {"name": "Q", "number": "702", "strategy": strategy}, format="json"
    )
    assert response.status_code == 201


def test_agents_are_queue_members_with_penalty_and_pause(api, acme_key, acme):
    agent = AgentFactory(tenant=acme)
    body = {"name": "Sales", "number": "703", "members": [{"agent": agent.pk, "penalty": 2, "paused": True}]}
    response = api(acme_key).post("/api/queues/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["members"][0]["agent"] == agent.pk
    assert api(acme_key).get(f"/api/agents/{agent.pk}/").json()["queues"] == [response.json()["id"]]


def test_a_member_naming_no_extension_or_interface_is_refused(api, acme_key):
    body = {"name": "Q", "number": "704", "members": [{"membername": "999"}]}
    response = api(acme_key).post("/api/queues/", body, format="json")
    assert response.status_code == 400
    assert not QueueMember.objects.exists()


def test_the_queue_slots_are_those_of_seed_001(api, acme_key, acme):
    created = api(acme_key).post("/api/queues/", {"name": "Q", "number": "705"}, format="json").json()
    slots = api(acme_key).get(f"/api/queues/{created['id']}/").json()["destinations"]
    assert {"QUEUE-FULL", "QUEUE-TIMEOUT", "QUEUE-NOBODYHOME", "QUEUE-ONABANDONEDCALL"} <= set(slots)


def test_the_agent_pin_is_a_secret(api, acme_key, admin_key, acme):
    agent = AgentFactory(tenant=acme, pin="7391")
    assert "pin" not in api(acme_key).get(f"/api/agents/{agent.pk}/").json()
    assert api(admin_key).get(f"/api/agents/{agent.pk}/").json()["pin"] == "7391"


# --- IVRs ---------------------------------------------------------------------------------


def test_an_ivr_takes_the_seed_001_keys_and_custom_ones(api, acme_key, acme, team):
    menu = IVRFactory(tenant=acme)
    slots = {
        "IVR_STAR": [f"EXT-{team[0].pk}"],
        "IVR_SHARP": ["HANGUP"],
        "CUSTOMIVR_sales": [f"EXT-{team[1].pk}"],
    }
    response = api(acme_key).patch(f"/api/ivrs/{menu.pk}/", {"destinations": slots}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["destinations"]["CUSTOMIVR_sales"][0]["id"] == team[1].pk


def test_an_ivr_slot_it_does_not_have_is_refused(api, acme_key, acme):
    menu = IVRFactory(tenant=acme)
    response = api(acme_key).patch(
        f"/api/ivrs/{menu.pk}/", {"destinations": {"IVR_10": ["HANGUP"]}}, format="json"
    )
    assert response.status_code == 400
