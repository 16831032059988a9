"""The first contact: the service answers and tells its health."""


def test_it_reports_health_with_the_database(client, db):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_it_lists_extensions_for_a_global_key(api, admin_key, acme):
    from tests.factories import ExtensionFactory

    ExtensionFactory(tenant=acme, number="100")
    response = api(admin_key).get("/api/extensions/")
    assert response.status_code == 200
    assert [row["number"] for row in response.json()["results"]] == ["100"]
