"""GET /: the start page `make run` prints and the admin's "View site" opens names the
service and links every door, as HTML for a browser and JSON for an API client."""

import pytest
from django.contrib import admin
from django.test import Client

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
DOORS = {
    "api": "/api/",
    "docs": "/api/docs/",
    "redoc": "/api/redoc/",
    "schema": "/api/schema/",
    "admin": "/admin/",
    "health": "/health/",
}


def test_an_api_client_gets_json_naming_the_service_and_linking_every_door(client, db):
    response = client.get("/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    body = response.json()
    assert body["service"] == "pbx"
    assert body["links"] == {key: f"http://testserver{path}" for key, path in DOORS.items()}


def test_a_client_that_accepts_anything_gets_json(client, db):
    assert client.get("/").json()["service"] == "pbx"


def test_a_browser_gets_an_html_page_linking_every_door(client, db):
    response = client.get("/", HTTP_ACCEPT=BROWSER_ACCEPT)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    for path in DOORS.values():
        assert f'href="http://testserver{path}"' in page
    assert "Accept" in response["Vary"]


def test_the_page_loads_nothing_from_another_site(client, db):
    page = client.get("/", HTTP_ACCEPT=BROWSER_ACCEPT).content.decode()
    assert "<script" not in page and "<link" not in page and "@import" not in page


@pytest.mark.parametrize("key", sorted(DOORS))
def test_every_door_linked_answers(admin_client, key):
    # admin_client: the admin and the docs answer a logged-in operator with their page
    response = admin_client.get(DOORS[key], HTTP_ACCEPT=BROWSER_ACCEPT)
    assert response.status_code == 200


def test_the_admins_view_site_link_opens_the_start_page(db):
    assert Client().get(admin.site.site_url, HTTP_ACCEPT=BROWSER_ACCEPT).status_code == 200


def test_another_method_gets_the_json_405(client, db):
    response = client.post("/", {"a": 1})
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert response["Allow"] == "GET, HEAD"
