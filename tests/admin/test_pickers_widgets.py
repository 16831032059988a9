"""The admin's widgets (pbx/admin_widgets.py), without a browser: codecs in order, the
week grid, holidays' dates, the dial pattern's live check, tags, and autocompletes that
never offer another tenant's objects."""

import pytest
from django.urls import reverse

from apikeys import roles
from pbx.api import tags
from pbx.models import ChangeLog
from routing.models import ScheduleException, ScheduleRange
from tests.factories import (
    ExtensionFactory,
    HuntListFactory,
    OutboundRouteFactory,
    ScheduleFactory,
    TagFactory,
    TenantFactory,
    TrunkFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

CHECK = "/admin/pbx/dial-pattern-check/"
TAGS = "/admin/pbx/tag-names/"


@pytest.fixture
def acme():
    return TenantFactory(code="ACME")


@pytest.fixture
def globex():
    return TenantFactory(code="GLOBEX")


@pytest.fixture
def acme_admin(client, acme):
    user = UserFactory(username="acme-admin", role=roles.MINOR_ADMIN, tenants=[acme], is_staff=True)
    client.force_login(user)
    return user


def _as_posted(client, url, **changes):
    """The change form at `url` as a browser posts it unchanged (no inline rows), with
    `changes` on top."""
    page = client.get(url)
    form = page.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if value is None or field.disabled or name in ("destinations", "tags"):
            continue
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        data[name] = value
    for inline in page.context["inline_admin_formsets"]:
        prefix = inline.formset.prefix
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data.update(changes)
    return data


def test_codecs_are_saved_in_the_order_chosen(client, acme_admin, acme):
    extension = ExtensionFactory(tenant=acme)
    url = reverse("admin:extensions_extension_change", args=[extension.pk])
    response = client.post(url, _as_posted(client, url, codecs=["g722", "alaw", "g722"]))
    assert response.status_code == 302, response.context["adminform"].form.errors
    extension.refresh_from_db()
    assert extension.codecs == ["g722", "alaw"]
    page = client.get(url).content.decode()
    assert page.index('<option value="g722" selected>') < page.index('<option value="alaw" selected>')


def test_an_unknown_codec_is_refused(client, acme_admin, acme):
    extension = ExtensionFactory(tenant=acme)
    url = reverse("admin:extensions_extension_change", args=[extension.pk])
    response = client.post(url, _as_posted(client, url, codecs=["speex2000"]))
    assert response.status_code == 200
    assert "speex2000 is not one of the available choices" in response.content.decode()


def _schedule_form(schedule, ranges=(), exceptions=()):
    data = {
        "tenant": schedule.tenant_id,
        "name": schedule.name,
        "time_zone": "Europe/Rome",
        "ranges-TOTAL_FORMS": str(len(ranges)),
        "ranges-INITIAL_FORMS": "0",
        "exceptions-TOTAL_FORMS": str(len(exceptions)),
        "exceptions-INITIAL_FORMS": "0",
    }
    for index, (days, start, end) in enumerate(ranges):
        data.update(
            {f"ranges-{index}-days": days, f"ranges-{index}-start": start, f"ranges-{index}-end": end}
        )
    for index, (name, day) in enumerate(exceptions):
        data.update({f"exceptions-{index}-name": name, f"exceptions-{index}-start_date": day})
    return data


def test_the_week_grid_saves_days_in_the_weeks_order(client, acme_admin, acme):
    schedule = ScheduleFactory(tenant=acme)
    url = reverse("admin:routing_schedule_change", args=[schedule.pk])
    response = client.post(url, _schedule_form(schedule, ranges=[(["fri", "mon", "wed"], "09:00", "13:00")]))
    assert response.status_code == 302
    saved = ScheduleRange.objects.get(schedule=schedule)
    assert (saved.days, f"{saved.start:%H:%M}", f"{saved.end:%H:%M}") == (
        ["mon", "wed", "fri"],
        "09:00",
        "13:00",
    )
    page = client.get(url).content.decode()
    assert 'type="checkbox" name="ranges-0-days" value="mon"' in page and 'type="time"' in page


def test_a_range_without_days_is_refused(client, acme_admin, acme):
    schedule = ScheduleFactory(tenant=acme)
    url = reverse("admin:routing_schedule_change", args=[schedule.pk])
    response = client.post(url, _schedule_form(schedule, ranges=[([], "09:00", "13:00")]))
    assert response.status_code == 200 and not ScheduleRange.objects.exists()


def test_holidays_take_the_date_pickers_iso_dates(client, acme_admin, acme):
    schedule = ScheduleFactory(tenant=acme)
    url = reverse("admin:routing_schedule_change", args=[schedule.pk])
    response = client.post(url, _schedule_form(schedule, exceptions=[("Christmas", "2026-12-25")]))
    assert response.status_code == 302
    assert str(ScheduleException.objects.get(schedule=schedule).start_date) == "2026-12-25"
    assert 'type="date" name="exceptions-0-start_date" value="2026-12-25"' in client.get(url).content.decode()


def test_the_dial_pattern_check_uses_the_apis_validator(client, acme_admin):
    assert client.get(CHECK, {"field": "routing.dialpattern.match", "value": "_00X."}).json()["valid"]
    answer = client.get(CHECK, {"field": "routing.dialpattern.match", "value": "_00Q."}).json()
    assert not answer["valid"] and "X (any digit)" in answer["message"]


def test_the_dial_pattern_check_refuses_fields_without_a_live_check(client, acme_admin):
    answer = client.get(CHECK, {"field": "extensions.extension.password", "value": "x"})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "unknown_field"


def test_the_route_page_has_the_live_checked_pattern_input(client, acme_admin, acme):
    route = OutboundRouteFactory(tenant=acme)
    page = client.get(reverse("admin:routing_outboundroute_change", args=[route.pk])).content.decode()
    assert 'data-check-field="routing.dialpattern.match"' in page and "pbx/admin/widgets.js" in page


def test_tags_suggested_are_the_tenants_only(client, acme_admin, acme, globex):
    TagFactory(tenant=acme, name="vip")
    TagFactory(tenant=globex, name="vip-globex")
    assert client.get(TAGS, {"tenant": acme.pk, "q": "vi"}).json() == {"results": ["vip"]}
    theirs = client.get(TAGS, {"tenant": globex.pk, "q": "vi"})
    assert theirs.status_code == 404 and "vip-globex" not in theirs.content.decode()


def test_tags_are_written_like_the_api_writes_them_and_logged(client, acme_admin, acme):
    hunt = HuntListFactory(tenant=acme, name="Sales")
    url = reverse("admin:routing_huntlist_change", args=[hunt.pk])
    response = client.post(url, _as_posted(client, url, tags="VIP, lobby"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert tags.names_of(hunt) == ["lobby", "vip"]
    row = ChangeLog.objects.filter(object_type="huntlist", action="update").latest("id")
    assert row.before["tags"] == [] and row.after["tags"] == ["lobby", "vip"]


def test_the_extension_autocomplete_offers_nothing_of_another_tenant(client, acme_admin, acme, globex):
    mine = ExtensionFactory(tenant=acme, number="100", name="Desk")
    ExtensionFactory(tenant=globex, number="100", name="Desk")
    answer = client.get(
        "/admin/autocomplete/",
        {"app_label": "routing", "model_name": "huntlistmember", "field_name": "extension", "term": "Desk"},
    ).json()
    assert answer["results"] == [{"id": str(mine.pk), "text": "100 Desk"}]


def test_member_and_schedule_fields_are_autocompletes_not_raw_ids(client, acme_admin, acme):
    hunt = HuntListFactory(tenant=acme)
    page = client.get(reverse("admin:routing_huntlist_change", args=[hunt.pk])).content.decode()
    assert "admin-autocomplete" in page and "vForeignKeyRawIdAdminField" not in page
    did_page = client.get(reverse("admin:routing_did_add")).content.decode()
    assert 'data-field-name="schedule"' in did_page and "vForeignKeyRawIdAdminField" not in did_page


def test_the_lookups_are_refused_to_whoever_is_not_an_administrator(client, acme):
    client.force_login(UserFactory(role=roles.USER, tenants=[acme], is_staff=True))  # staff flag or not
    for response in (client.get(TAGS, {"tenant": acme.pk}), client.get(CHECK, {"value": "_X."})):
        assert (response.status_code, response["Location"].split("?")[0]) == (302, "/admin/login/")


def test_a_trunks_codecs_are_an_ordered_multi_select_too(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    trunk = TrunkFactory()
    url = reverse("admin:routing_trunk_change", args=[trunk.pk])
    assert 'class="pbx-ordered-chosen"' in client.get(url).content.decode()
    response = client.post(url, _as_posted(client, url, codecs=["opus", "ulaw"]))
    assert response.status_code == 302, response.context["adminform"].form.errors
    trunk.refresh_from_db()
    assert trunk.codecs == ["opus", "ulaw"]
