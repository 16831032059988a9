"""What one created object costs the database: a bulk import creates thousands in one
transaction, and every statement is a round trip (docs/benchmarks.md, CSV import)."""

import pytest
from django.db import connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from apikeys import roles
from extensions.api.views import ExtensionViewSet
from extensions.models import Extension
from pbx.api.scope import Scope
from pbx.api.spreadsheets import resource_view
from pbx.models import DialplanNumber
from tests.factories import ExtensionFactory, VoicemailFactory

pytestmark = pytest.mark.django_db


def statements(captured, start):
    return [q["sql"] for q in captured.captured_queries if q["sql"].lstrip().upper().startswith(start)]


def test_a_numbered_object_and_its_dial_plan_entry_are_saved_in_one_savepoint(acme):
    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        extension = Extension(tenant=acme, number="100", name="Desk")
        extension.save()
    assert len(statements(captured, "SAVEPOINT")) == 1
    entry = DialplanNumber.objects.get(holder_type="extensions.extension", holder_id=extension.pk)
    assert (entry.tenant_id, entry.number, entry.holder_label) == (acme.pk, "100", "extension 100 (Desk)")


def test_a_renumbered_object_keeps_one_dial_plan_entry_with_its_new_number(acme):
    extension = ExtensionFactory(tenant=acme, number="100")
    extension.number = "101"
    extension.save()
    entries = DialplanNumber.objects.filter(holder_type="extensions.extension", holder_id=extension.pk)
    assert list(entries.values_list("number", flat=True)) == ["101"]


def test_creating_an_object_with_slots_and_tags_deletes_nothing_first(api, acme_key, acme):
    box = VoicemailFactory(tenant=acme)
    body = {"number": "100", "tags": ["vip"], "destinations": {"EXT-BUSY": [f"VOICEMAIL-{box.pk}"]}}
    with CaptureQueriesContext(connection) as captured:
        response = api(acme_key).post("/api/extensions/", body, format="json")
    assert response.status_code == 201, response.json()
    assert statements(captured, "DELETE") == []
    assert response.json()["tags"] == ["vip"]
    assert response.json()["destinations"]["EXT-BUSY"][0]["destination"] == f"VOICEMAIL-{box.pk}"


def test_changing_the_slots_and_tags_of_an_object_replaces_them(api, acme_key, acme):
    first, second = VoicemailFactory(tenant=acme), VoicemailFactory(tenant=acme)
    client = api(acme_key)
    body = {"number": "100", "tags": ["vip"], "destinations": {"EXT-BUSY": [f"VOICEMAIL-{first.pk}"]}}
    extension_id = client.post("/api/extensions/", body, format="json").json()["id"]
    change = {"tags": ["lobby"], "destinations": {"EXT-BUSY": [f"VOICEMAIL-{second.pk}"]}}
    response = client.patch(f"/api/extensions/{extension_id}/", change, format="json")
    assert response.json()["tags"] == ["lobby"]
    assert [d["destination"] for d in response.json()["destinations"]["EXT-BUSY"]] == [
        f"VOICEMAIL-{second.pk}"
    ]


def test_save_object_takes_no_savepoint_of_its_own_when_the_caller_holds_one(acme):
    request = RequestFactory().post("/api/extensions/import/")
    request.user = None
    view = resource_view(ExtensionViewSet, request, scope=Scope(user=None, role=roles.ADMIN))
    serializer = view.get_serializer(data={"number": "100", "tenant": "ACME"})
    assert serializer.is_valid(), serializer.errors
    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        saved = view.save_object(serializer, savepoint=False)
    # The extension's own, with its dial-plan entry; none for save_object.
    assert len(statements(captured, "SAVEPOINT")) == 1
    assert Extension.objects.get(pk=saved.pk).number == "100"
