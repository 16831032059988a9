"""Tags on any object (pbx/api/tags.py), through extensions and tenants."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from pbx.models import ChangeLog
from tenants.models import Tag, TaggedObject
from tests.factories import ExtensionFactory

URL = "/api/extensions/"


def test_tags_sent_at_creation_are_read_back_sorted(api, acme_key):
    response = api(acme_key).post(URL, {"number": "100", "tags": ["vip", "Lobby"]})
    assert response.status_code == 201, response.json()
    assert response.json()["tags"] == ["lobby", "vip"]


def test_a_tag_the_tenant_lacks_is_created_in_that_tenant(api, acme_key, acme):
    api(acme_key).post(URL, {"number": "100", "tags": ["vip"]})
    assert Tag.objects.get(name="vip").tenant == acme


def test_each_tenant_has_its_own_tags_of_the_same_name(api, acme_key, globex_key):
    api(acme_key).post(URL, {"number": "100", "tags": ["vip"]})
    api(globex_key).post(URL, {"number": "100", "tags": ["vip"]})
    assert sorted(Tag.objects.values_list("tenant__code", flat=True)) == ["ACME", "GLOBEX"]


def test_patch_with_tags_replaces_them(api, acme_key, acme):
    extension = ExtensionFactory(tenant=acme)
    api(acme_key).patch(f"{URL}{extension.pk}/", {"tags": ["a", "b"]})
    response = api(acme_key).patch(f"{URL}{extension.pk}/", {"tags": ["b", "c"]})
    assert response.json()["tags"] == ["b", "c"]


def test_patch_without_tags_keeps_them(api, acme_key, acme):
    extension = ExtensionFactory(tenant=acme)
    api(acme_key).patch(f"{URL}{extension.pk}/", {"tags": ["vip"]})
    response = api(acme_key).patch(f"{URL}{extension.pk}/", {"name": "Renamed"})
    assert response.json()["tags"] == ["vip"]


def test_put_without_tags_clears_them(api, acme_key, acme):
    extension = ExtensionFactory(tenant=acme, number="100")
    api(acme_key).patch(f"{URL}{extension.pk}/", {"tags": ["vip"]})
    response = api(acme_key).put(f"{URL}{extension.pk}/", {"number": "100"})
    assert response.json()["tags"] == []


def test_an_invalid_tag_name_is_refused(api, acme_key):
    response = api(acme_key).post(URL, {"number": "100", "tags": ["no spaces"]})
    assert response.status_code == 400
    assert "tags" in response.json()["error"]["fields"]


def test_tags_must_be_a_list_of_names(api, acme_key):
    response = api(acme_key).post(URL, {"number": "100", "tags": "vip"})
    assert response.json()["error"]["fields"]["tags"] == ['Send a list of tag names, e.g. ["vip", "lobby"].']


def test_the_tag_filter_keeps_rows_carrying_the_tag(api, acme_key):
    api(acme_key).post(URL, {"number": "100", "tags": ["vip"]})
    api(acme_key).post(URL, {"number": "200", "tags": ["lobby"]})
    numbers = [row["number"] for row in api(acme_key).get(URL + "?tag=vip").json()["results"]]
    assert numbers == ["100"]


def test_a_repeated_tag_filter_keeps_rows_carrying_every_tag(api, acme_key):
    api(acme_key).post(URL, {"number": "100", "tags": ["vip", "lobby"]})
    api(acme_key).post(URL, {"number": "200", "tags": ["vip"]})
    numbers = [row["number"] for row in api(acme_key).get(URL + "?tag=vip&tag=lobby").json()["results"]]
    assert numbers == ["100"]


def test_an_unknown_tag_filters_everything_out(api, acme_key):
    api(acme_key).post(URL, {"number": "100", "tags": ["vip"]})
    assert api(acme_key).get(URL + "?tag=nobody").json()["count"] == 0


def test_tags_of_a_page_cost_no_query_per_row(api, acme_key, acme):
    for number in range(100, 130):
        api(acme_key).post(URL, {"number": str(number), "tags": ["vip", f"n{number}"]})
    client = api(acme_key)
    client.get(URL + "?page_size=5")
    with CaptureQueriesContext(connection) as small:
        client.get(URL + "?page_size=5")
    with CaptureQueriesContext(connection) as large:
        rows = client.get(URL + "?page_size=30").json()["results"]
    assert len(small) == len(large)
    assert rows[0]["tags"] == ["n100", "vip"]


def test_a_change_of_tags_is_in_the_change_log(api, acme_key, acme):
    extension = ExtensionFactory(tenant=acme)
    api(acme_key).patch(f"{URL}{extension.pk}/", {"tags": ["vip"]})
    change = ChangeLog.objects.get(object_id=extension.pk, action="update")
    assert (change.before["tags"], change.after["tags"], change.changed_fields) == ([], ["vip"], ["tags"])


def test_deleting_an_object_drops_its_tag_assignments(api, acme_key, acme):
    extension = ExtensionFactory(tenant=acme)
    api(acme_key).patch(f"{URL}{extension.pk}/", {"tags": ["vip"]})
    api(acme_key).delete(f"{URL}{extension.pk}/")
    assert not TaggedObject.objects.exists()
    assert Tag.objects.filter(name="vip").exists()  # the tag itself stays for other objects


def test_an_object_without_a_tenant_carries_global_tags(api, admin_key, acme):
    response = api(admin_key).patch(f"/api/tenants/{acme.pk}/", {"tags": ["gold"]})
    assert response.json()["tags"] == ["gold"]
    assert Tag.objects.get(name="gold").tenant is None


def test_every_list_with_tags_has_the_tag_filter():
    from tests.api.routes import RESOURCES

    missing = sorted(
        viewset.__name__
        for viewset in RESOURCES
        if getattr(viewset.serializer_class.Meta, "taggable", True)
        and "tag" not in getattr(viewset.filterset_class, "base_filters", {})
    )
    assert missing == []
