"""`POST /api/campaign-numbers/import/`: the kernel's CSV import (docs/csv.md) with what a
dialer list adds: `?campaign=` names the campaign of every row, numbers in any notation
are stored in E.164, and the tenant's do-not-call list refuses its numbers by line."""

import pytest

from campaigns.models import CampaignNumber
from pbx.api import tags
from pbx.models import ChangeLog
from tests.api.support import assert_error
from tests.factories import CampaignFactory, CampaignNumberFactory, DoNotCallFactory


@pytest.fixture
def campaign(acme):
    return CampaignFactory(tenant=acme)


def upload(client, campaign, text, **query):
    params = "&".join(f"{k}={v}" for k, v in {"campaign": campaign.pk, **query}.items())
    body = text if isinstance(text, bytes) else text.encode()
    return client.post(f"/api/campaign-numbers/import/?{params}", body, content_type="text/csv")


def csv_of(numbers, header="number,description"):
    return header + "\n" + "".join(f"{n},Lead {i}\n" for i, n in enumerate(numbers))


def tags_by_number(campaign):
    return {number.number: tags.names_of(number) for number in campaign.numbers.all()}


def test_a_thousand_numbers_are_imported_and_logged_one_by_one(api, acme_key, campaign):
    numbers = [f"+39021{n:07d}" for n in range(1000)]
    response = upload(api(acme_key), campaign, csv_of(numbers))
    assert response.status_code == 201, response.content[:500]
    report = response.json()
    assert (report["rows"], report["created"], report["refused"]) == (1000, 1000, 0)
    assert campaign.numbers.count() == 1000
    assert ChangeLog.objects.filter(object_type="campaignnumber", action="create").count() == 1000


def test_numbers_in_any_notation_are_stored_in_e164(api, acme_key, campaign):
    response = upload(api(acme_key), campaign, "phone\n0039 02 1234 5678\n")
    assert response.status_code == 201, response.json()
    assert list(campaign.numbers.values_list("number", flat=True)) == ["+390212345678"]


def test_do_not_call_numbers_are_refused_by_line_and_nothing_is_written(api, acme_key, acme, campaign):
    DoNotCallFactory(tenant=acme, number="+390222222222")
    text = csv_of(["+390211111111", "0039 02 2222 2222", "+390233333333"])
    response = upload(api(acme_key), campaign, text)
    assert_error(response, 400, "rows_refused")
    errors = response.json()["error"]["errors"]
    assert [(e["line"], e["column"]) for e in errors] == [(3, "number")]
    assert "do-not-call" in errors[0]["message"]
    assert not CampaignNumber.objects.exists()


def test_a_number_twice_in_the_file_is_refused_on_its_second_line(api, acme_key, campaign):
    response = upload(api(acme_key), campaign, csv_of(["+390211111111", "390211111111"]))
    assert_error(response, 400, "rows_refused")
    error = response.json()["error"]["errors"][0]
    assert error["line"] == 3 and "Line 2" in error["message"]


def test_numbers_already_in_the_campaign_fail_skip_or_update(api, acme_key, acme, campaign):
    CampaignNumberFactory(tenant=acme, campaign=campaign, number="+390211111111", description="Old")
    text = csv_of(["+390211111111", "+390222222222"])
    failed = upload(api(acme_key), campaign, text)
    assert_error(failed, 400, "rows_refused")
    assert failed.json()["error"]["errors"][0]["line"] == 2

    skipped = upload(api(acme_key), campaign, text, on_duplicate="skip").json()
    assert (skipped["created"], skipped["skipped"]) == (1, 1)
    assert campaign.numbers.get(number="+390211111111").description == "Old"

    updated = upload(
        api(acme_key), campaign, "number,description\n+390211111111,New\n", on_duplicate="update"
    )
    assert updated.json()["updated"] == 1
    assert campaign.numbers.get(number="+390211111111").description == "New"


def test_the_same_number_may_be_in_two_campaigns(api, acme_key, acme, campaign):
    other = CampaignFactory(tenant=acme)
    CampaignNumberFactory(tenant=acme, campaign=other, number="+390211111111")
    assert upload(api(acme_key), campaign, csv_of(["+390211111111"])).status_code == 201


def test_one_campaigns_export_imports_into_another_with_the_query(api, acme_key, acme, campaign):
    CampaignNumberFactory.create_batch(3, tenant=acme, campaign=campaign)
    exported = b"".join(api(acme_key).get("/api/campaign-numbers/export/").streaming_content)
    target = CampaignFactory(tenant=acme)
    response = upload(api(acme_key), target, exported)
    assert response.status_code == 201, response.content
    assert target.numbers.count() == 3


def test_the_lists_own_csv_imports_too(api, acme_key, acme, campaign):
    CampaignNumberFactory.create_batch(2, tenant=acme, campaign=campaign)
    listed = b"".join(
        api(acme_key).get(f"/api/campaign-numbers/?format=csv&caid={campaign.pk}").streaming_content
    )
    target = CampaignFactory(tenant=acme)
    response = upload(api(acme_key), target, listed)
    assert response.status_code == 201, response.content
    assert target.numbers.count() == 2


def test_the_campaign_may_come_from_a_column(api, acme_key, campaign):
    text = f"campaign_id,number\n{campaign.pk},+390211111111\n"
    response = api(acme_key).post("/api/campaign-numbers/import/", text.encode(), content_type="text/csv")
    assert response.status_code == 201, response.content
    assert campaign.numbers.count() == 1


def test_rows_may_name_several_campaigns(api, acme_key, acme, campaign):
    other = CampaignFactory(tenant=acme)
    text = f"campaign,number\n{campaign.pk},+390211111111\n{other.pk},+390222222222\n"
    response = api(acme_key).post("/api/campaign-numbers/import/", text.encode(), content_type="text/csv")
    assert response.status_code == 201, response.content
    assert (campaign.numbers.count(), other.numbers.count()) == (1, 1)


def test_two_query_names_for_the_campaign_must_agree(api, acme_key, acme, campaign):
    other = CampaignFactory(tenant=acme)
    response = upload(api(acme_key), campaign, csv_of(["+390211111111"]), caid=other.pk)
    assert_error(response, 400, "validation_error")


def test_numbers_cannot_be_imported_into_another_tenants_campaign(api, acme_key, globex):
    theirs = CampaignFactory(tenant=globex)
    response = upload(api(acme_key), theirs, csv_of(["+390211111111"]))
    assert_error(response, 400, "rows_refused")
    error = response.json()["error"]["errors"][0]
    assert error["column"] == "campaign"
    assert not CampaignNumber.objects.exists()


def test_a_tags_column_tags_the_imported_numbers(api, acme_key, campaign):
    text = 'number,tags\n+390211111111,"vip,lobby"\n+390222222222,vip;north\n+390233333333,\n'
    response = upload(api(acme_key), campaign, text)
    assert response.status_code == 201, response.content
    assert tags_by_number(campaign) == {
        "+390211111111": ["lobby", "vip"],
        "+390222222222": ["north", "vip"],
        "+390233333333": [],
    }


def test_a_bad_tag_cell_is_reported_on_its_line(api, acme_key, campaign):
    response = upload(api(acme_key), campaign, 'number,tags\n+390211111111,vip\n+390222222222,"[1, 2"\n')
    assert_error(response, 400, "rows_refused")
    assert [(e["line"], e["column"]) for e in response.json()["error"]["errors"]] == [(3, "tags")]
    assert not CampaignNumber.objects.exists()


def test_on_duplicate_update_replaces_the_tags_and_an_equal_row_is_unchanged(api, acme_key, campaign):
    upload(api(acme_key), campaign, "number,tags\n+390211111111,vip\n")
    response = upload(api(acme_key), campaign, "number,tags\n+390211111111,gold\n", on_duplicate="update")
    assert response.json()["updated"] == 1
    assert tags_by_number(campaign) == {"+390211111111": ["gold"]}
    again = upload(api(acme_key), campaign, "number,tags\n+390211111111,gold\n", on_duplicate="update")
    assert (again.json()["updated"], again.json()["unchanged"]) == (0, 1)
