"""Trunks, outbound routes, routing profiles and the match tool."""

import pytest

from routing.models import OutboundRoute, Trunk
from tests.factories import (
    ExtensionFactory,
    OutboundRouteFactory,
    RoutingProfileFactory,
    TrunkFactory,
)


@pytest.fixture
def carrier(acme):
    trunk = TrunkFactory(name="carrier-a")
    trunk.tenants.add(acme)
    return trunk


@pytest.fixture
def backup(acme):
    trunk = TrunkFactory(name="carrier-b")
    trunk.tenants.add(acme)
    return trunk


def create_route(api, key, **body):
    response = api(key).post("/api/outbound-routes/", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


# --- trunks -------------------------------------------------------------------------------


def test_trunks_are_platform_objects(api, acme_key, admin_key):
    assert api(acme_key).get("/api/trunks/").status_code == 403
    body = {"name": "carrier", "host": "sip.carrier.example", "username": "u1", "password": "s3cret-pass"}
    assert api(admin_key).post("/api/trunks/", body, format="json").status_code == 201


def test_a_trunk_is_assigned_to_tenants_by_code(api, admin_key, acme, globex):
    body = {"name": "carrier", "host": "sip.carrier.example", "tenants": ["ACME", globex.pk]}
    response = api(admin_key).post("/api/trunks/", body, format="json")
    assert response.status_code == 201, response.json()
    assert sorted(response.json()["tenants"]) == ["ACME", globex.code]


def test_a_registering_trunk_needs_credentials(api, admin_key):
    body = {"name": "carrier", "host": "sip.carrier.example", "register": True}
    response = api(admin_key).post("/api/trunks/", body, format="json")
    assert response.status_code == 400
    assert "register" in response.json()["error"]["fields"]


def test_the_djangopbx_gateway_example_creates_a_trunk(api, admin_key, acme):
    acme.uuid = "660e8400-e29b-41d4-a716-446655440000"  # the domain its example names
    acme.save()
    body = {
        "domain_id": "660e8400-e29b-41d4-a716-446655440000",
        "gateway": "provider-trunk",
        "username": "trunk-username",
        "password": "trunk-password",
        "proxy": "sip.provider.com",
        "register": True,
        "enabled": True,
    }
    response = api(admin_key).post("/api/trunks/", body, format="json")
    assert response.status_code == 201, response.json()
    trunk = Trunk.objects.get()
    assert (trunk.name, trunk.host, trunk.register) == ("provider-trunk", "sip.provider.com", True)


def test_a_trunk_used_by_a_route_is_not_deleted_unless_forced(api, admin_key, carrier):
    route = OutboundRouteFactory(tenant=None)
    route.route_trunks.create(trunk=carrier)
    assert api(admin_key).delete(f"/api/trunks/{carrier.pk}/").status_code == 409
    assert api(admin_key).delete(f"/api/trunks/{carrier.pk}/?force=true").status_code == 204
    assert not route.route_trunks.exists()


# --- routes and profiles ----------------------------------------------------------------


def test_a_route_keeps_its_patterns_and_trunks_in_order(api, acme_key, carrier, backup):
    route = create_route(
        api,
        acme_key,
        name="National",
        patterns=[{"match": "_0ZX.", "strip": 1, "prepend": "+39"}, {"match": "_+39X."}],
        trunks=[backup.pk, carrier.pk],
    )
    assert route["trunks"] == [backup.pk, carrier.pk]
    assert [p["match"] for p in route["patterns"]] == ["_0ZX.", "_+39X."]


def test_a_tenant_route_takes_only_trunks_assigned_to_the_tenant(api, acme_key):
    unassigned = TrunkFactory()
    response = api(acme_key).post(
        "/api/outbound-routes/", {"name": "R", "trunks": [unassigned.pk]}, format="json"
    )
    assert response.status_code == 400
    assert "assigned to tenant ACME" in response.json()["error"]["fields"]["trunks"][0]


def test_a_bad_dial_pattern_is_refused(api, acme_key):
    response = api(acme_key).post(
        "/api/outbound-routes/", {"name": "R", "patterns": [{"match": "9(11"}]}, format="json"
    )
    assert response.status_code == 400


def test_the_djangopbx_outbound_route_example_maps_prefix_and_gateway(api, acme_key, carrier):
    body = {"name": "International Calls", "prefix": "011", "gateway_id": carrier.pk, "enabled": True}
    route = create_route(api, acme_key, **body)
    assert route["patterns"] == [{"match": "011.", "strip": 3, "prepend": ""}]
    assert route["trunks"] == [carrier.pk]


def test_the_seed_001_routing_profile_example_with_a_global_key(api, admin_key):
    body = {"name": "Docs Demo Voice Routing", "description": "Documentation example", "type": "VOICE"}
    response = api(admin_key).post("/api/routing-profiles/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["type"] == "VOICE"


def test_tenant_keys_are_refused_routing_profiles_as_in_seed_001(api, acme_key):
    assert api(acme_key).get("/api/routing-profiles/").status_code == 403
    assert api(acme_key).post("/api/routing-profiles/", {"name": "Mine"}, format="json").status_code == 403


def test_the_seed_001_tenant_patch_assigns_a_routing_profile(api, admin_key, acme):
    profile = RoutingProfileFactory()
    response = api(admin_key).patch(
        f"/api/tenants/{acme.pk}/", {"routing_profile_id": profile.pk}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["routing_profile"] == profile.pk


def test_a_tenant_cannot_get_a_profile_that_does_not_exist(api, admin_key, acme):
    response = api(admin_key).patch(f"/api/tenants/{acme.pk}/", {"routing_profile": 999}, format="json")
    assert response.status_code == 400
    assert "No routing profile 999" in response.json()["error"]["fields"]["routing_profile"][0]


def test_an_extension_takes_a_profile_of_the_platform(api, acme_key, acme):
    extension = ExtensionFactory(tenant=acme)
    url = f"/api/extensions/{extension.pk}/"
    assert (
        api(acme_key).patch(url, {"routing_profile": RoutingProfileFactory().pk}, format="json").status_code
        == 200
    )
    assert api(acme_key).patch(url, {"routing_profile": 999}, format="json").status_code == 400


def test_a_profile_in_use_is_released_by_force(api, admin_key, acme):
    profile = RoutingProfileFactory()
    extension = ExtensionFactory(tenant=acme, routing_profile=profile)
    refused = api(admin_key).delete(f"/api/routing-profiles/{profile.pk}/")
    assert refused.status_code == 409
    assert refused.json()["error"]["referrers"][0]["id"] == extension.pk
    assert api(admin_key).delete(f"/api/routing-profiles/{profile.pk}/?force=true").status_code == 204
    extension.refresh_from_db()
    assert extension.routing_profile_id is None


def test_a_profile_takes_only_global_routes(api, admin_key, acme):
    ours, platform = OutboundRouteFactory(tenant=acme), OutboundRouteFactory(tenant=None)
    ok = api(admin_key).post("/api/routing-profiles/", {"name": "P", "routes": [platform.pk]}, format="json")
    assert ok.status_code == 201 and ok.json()["routes"] == [platform.pk]
    refused = api(admin_key).post("/api/routing-profiles/", {"name": "Q", "routes": [ours.pk]}, format="json")
    assert refused.status_code == 400
    assert (
        f"No outbound route {ours.pk} in the global objects" in refused.json()["error"]["fields"]["routes"][0]
    )


# --- the match tool ---------------------------------------------------------------------


@pytest.fixture
def profile(api, admin_key, acme, carrier, backup):
    """A platform profile of three global routes, the emergency one last."""
    national = create_route(
        api,
        admin_key,
        tenant=None,
        name="National",
        patterns=[{"match": "_0ZX.", "strip": 1, "prepend": "+39"}],
        trunks=[carrier.pk, backup.pk],
    )
    international = create_route(
        api,
        admin_key,
        tenant=None,
        name="International",
        patterns=[{"match": "_00X.", "strip": 2, "prepend": "+"}],
        trunks=[backup.pk],
    )
    emergency = create_route(
        api,
        admin_key,
        tenant=None,
        name="Emergency",
        emergency=True,
        patterns=[{"match": "112"}, {"match": "_11[2-8]"}],
        trunks=[carrier.pk],
    )
    body = {"name": "Standard", "routes": [national["id"], international["id"], emergency["id"]]}
    created = api(admin_key).post("/api/routing-profiles/", body, format="json").json()
    return {"profile": created, "national": national, "international": international, "emergency": emergency}


def match(api, key, **params):
    response = api(key).get("/api/outbound-routes/match/", params)
    assert response.status_code == 200, response.json()
    return response.json()


def test_match_strips_and_prepends_and_lists_trunks_in_failover_order(
    api, acme_key, acme, profile, carrier, backup
):
    extension = ExtensionFactory(tenant=acme, routing_profile_id=profile["profile"]["id"])
    answer = match(api, acme_key, number="0212345678", extension=extension.pk)
    assert answer["route"]["name"] == "National"
    assert answer["number_sent"] == "+39212345678"
    assert [t["name"] for t in answer["trunks"]] == ["carrier-a", "carrier-b"]
    assert answer["routing_profile"] == {"id": profile["profile"]["id"], "name": None, "from": "extension"}


def test_match_names_the_routing_profile_to_a_global_admin_key_only(api, acme_key, admin_key, acme, profile):
    extension = ExtensionFactory(tenant=acme, routing_profile_id=profile["profile"]["id"])
    mine = api(acme_key).get(
        "/api/outbound-routes/match/", {"number": "0212345678", "extension": extension.pk}
    )
    assert "Standard" not in mine.content.decode()
    answer = match(api, admin_key, number="0212345678", extension=extension.pk)
    assert answer["routing_profile"]["name"] == "Standard"


def test_match_falls_back_on_the_tenants_profile(api, acme_key, acme, profile):
    acme.routing_profile_id = profile["profile"]["id"]
    acme.save()
    extension = ExtensionFactory(tenant=acme)
    answer = match(api, acme_key, number="0044207946000", extension=extension.pk)
    assert (answer["route"]["name"], answer["number_sent"]) == ("International", "+44207946000")
    assert answer["routing_profile"]["from"] == "tenant"


def test_emergency_routes_come_first_even_when_listed_last(api, acme_key, admin_key, acme, profile):
    catch_all = create_route(
        api,
        admin_key,
        tenant=None,
        name="Anything",
        patterns=[{"match": "_X."}],
        trunks=[profile["national"]["trunks"][1]],
    )
    api(admin_key).patch(
        f"/api/routing-profiles/{profile['profile']['id']}/",
        {"routes": [catch_all["id"], profile["emergency"]["id"]]},
        format="json",
    )
    extension = ExtensionFactory(tenant=acme, routing_profile_id=profile["profile"]["id"])
    answer = match(api, acme_key, number="112", extension=extension.pk)
    assert answer["route"]["name"] == "Emergency" and answer["route"]["emergency"] is True


def test_an_emergency_route_left_out_of_the_profile_still_carries_emergency_calls(
    api, acme_key, admin_key, acme, profile
):
    api(admin_key).patch(
        f"/api/routing-profiles/{profile['profile']['id']}/",
        {"routes": [profile["national"]["id"]]},
        format="json",
    )
    extension = ExtensionFactory(tenant=acme, routing_profile_id=profile["profile"]["id"])
    assert match(api, acme_key, number="113", extension=extension.pk)["route"]["name"] == "Emergency"


def test_a_route_whose_trunks_are_all_disabled_is_skipped(api, acme_key, acme, profile, carrier, backup):
    Trunk.objects.filter(pk=backup.pk).update(enabled=False)
    extension = ExtensionFactory(tenant=acme, routing_profile_id=profile["profile"]["id"])
    answer = match(api, acme_key, number="0044207946000", extension=extension.pk)
    assert answer["route"] is None
    assert "disabled" in answer["skipped"][0]["reason"]
    national = match(api, acme_key, number="0212345678", extension=extension.pk)
    assert [t["name"] for t in national["trunks"]] == ["carrier-a"]


def test_a_number_no_route_takes_answers_with_no_route(api, acme_key, acme, profile):
    extension = ExtensionFactory(tenant=acme, routing_profile_id=profile["profile"]["id"])
    answer = match(api, acme_key, number="*99", extension=extension.pk)
    assert answer["route"] is None and answer["trunks"] == []
    assert "No route" in answer["message"]


def test_without_any_profile_the_routes_go_by_priority(api, acme_key, acme, carrier):
    create_route(api, acme_key, name="Late", priority=50, patterns=[{"match": "_X."}], trunks=[carrier.pk])
    create_route(api, acme_key, name="Early", priority=10, patterns=[{"match": "_0X."}], trunks=[carrier.pk])
    extension = ExtensionFactory(tenant=acme)
    assert match(api, acme_key, number="0612345", extension=extension.pk)["route"]["name"] == "Early"
    assert match(api, acme_key, number="612345", extension=extension.pk)["route"]["name"] == "Late"


def test_another_tenants_extension_cannot_be_matched(api, globex_key, acme):
    extension = ExtensionFactory(tenant=acme)
    response = api(globex_key).get(
        "/api/outbound-routes/match/", {"number": "112", "extension": extension.pk}
    )
    assert response.status_code == 400
    assert str(acme.code) not in response.content.decode()


def test_match_needs_a_number(api, acme_key):
    response = api(acme_key).get("/api/outbound-routes/match/", {"number": "call home"})
    assert response.status_code == 400
    assert "number" in response.json()["error"]["fields"]


def test_global_routes_are_written_by_the_platform_only(api, acme_key, admin_key):
    body = {"name": "Platform default", "patterns": [{"match": "_X."}]}
    assert api(acme_key).post("/api/outbound-routes/?global=yes", body, format="json").status_code == 403
    assert api(admin_key).post("/api/outbound-routes/?global=yes", body, format="json").status_code == 201
    assert OutboundRoute.objects.get().tenant_id is None


def test_a_tenant_with_routing_objects_is_deleted_with_cascade(api, admin_key, acme):
    profile = RoutingProfileFactory()
    acme.routing_profile = profile
    acme.save()
    ExtensionFactory(tenant=acme, routing_profile=profile)
    route = OutboundRouteFactory(tenant=acme)
    profile.profile_routes.create(route=route)
    response = api(admin_key).delete(f"/api/tenants/{acme.pk}/?cascade=true")
    assert response.status_code == 204, response.content
    assert not OutboundRoute.objects.exists()


@pytest.fixture
def unassigned_route(api, admin_key, acme, globex):
    """A global route whose only trunk serves another tenant."""
    private = TrunkFactory(name="globex-private-carrier")
    private.tenants.add(globex)
    return create_route(
        api, admin_key, tenant=None, name="Via Globex", patterns=[{"match": "_X."}], trunks=[private.pk]
    )


def test_match_does_not_name_trunks_a_tenant_key_cannot_read(api, acme_key, acme, unassigned_route):
    extension = ExtensionFactory(tenant=acme)
    response = api(acme_key).get(
        "/api/outbound-routes/match/", {"number": "0612345", "extension": extension.pk}
    )
    assert response.status_code == 200
    answer = response.json()
    assert answer["route"] is None
    assert "not assigned to tenant ACME" in answer["skipped"][0]["reason"]
    assert "globex-private-carrier" not in response.content.decode()


def test_match_does_not_name_an_unassigned_trunk_even_when_it_is_disabled(
    api, acme_key, acme, unassigned_route
):
    Trunk.objects.update(enabled=False)
    extension = ExtensionFactory(tenant=acme)
    response = api(acme_key).get(
        "/api/outbound-routes/match/", {"number": "0612345", "extension": extension.pk}
    )
    assert "globex-private-carrier" not in response.content.decode()


def test_match_names_unassigned_trunks_to_a_global_admin_key(api, admin_key, acme, unassigned_route):
    answer = match(api, admin_key, number="0612345", tenant="ACME")
    assert "trunk globex-private-carrier is not assigned to tenant ACME" in answer["skipped"][0]["reason"]


def test_a_profile_never_routes_through_another_tenants_route(api, acme_key, acme, globex, carrier):
    foreign = OutboundRouteFactory(tenant=globex, name="Globex own")
    foreign.patterns.create(match="_X.")
    foreign.route_trunks.create(trunk=carrier)
    profile = RoutingProfileFactory()
    profile.profile_routes.create(route=foreign)
    extension = ExtensionFactory(tenant=acme, routing_profile=profile)
    response = api(acme_key).get(
        "/api/outbound-routes/match/", {"number": "0612345", "extension": extension.pk}
    )
    assert response.json()["route"] is None
    assert "Globex own" not in response.content.decode()


def test_match_takes_a_number_written_with_spaces_and_dashes(api, acme_key, acme, profile):
    extension = ExtensionFactory(tenant=acme, routing_profile_id=profile["profile"]["id"])
    answer = match(api, acme_key, number="02 1234-5678", extension=extension.pk)
    assert (answer["number"], answer["route"]["name"]) == ("0212345678", "National")


def test_a_djangopbx_domain_id_out_of_reach_is_404_not_ignored(api, acme_key, globex):
    body = {"domain_id": str(globex.uuid), "name": "International Calls", "prefix": "011"}
    response = api(acme_key).post("/api/outbound-routes/", body, format="json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "tenant_not_found"
