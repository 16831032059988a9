"""`POST /api/campaign-numbers/import/`: a CSV of thousands of numbers, all checked
before any is written, every bad row named by its line, all written or none."""

import time

import pytest

from campaigns.models import CampaignNumber
from pbx.models import ChangeLog
from tests.api.support import assert_error
from tests.factories import CampaignFactory, CampaignNumberFactory, DoNotCallFactory


@pytest.fixture
def campaign(acme):
    return CampaignFactory(tenant=acme)


def upload(client, campaign, text, **query):
    params = "&".join(f"{k}={v}" for k, v in {"campaign": campaign.pk, **query}.items())
    return client.post(f"/api/campaign-numbers/import/?{params}", text, content_type="text/csv")


def csv_of(numbers, header="number,description"):
    return header + "\n" + "".join(f"{n},Lead {i}\n" for i, n in enumerate(numbers))


def test_ten_thousand_numbers_are_imported_at_once(api, acme_key, campaign, capsys):
    numbers = [f"+39021{n:07d}" for n in range(10_000)]
    client = api(acme_key)
    started = time.perf_counter()
    response = upload(client, campaign, csv_of(numbers))
    elapsed = time.perf_counter() - started
    assert response.status_code == 201, response.content[:500]
    assert response.json() == {
        "campaign": campaign.pk,
        "dry_run": False,
        "rows": 10_000,
        "created": 10_000,
        "updated": 0,
        "skipped": 0,
    }
    assert campaign.numbers.count() == 10_000
    assert ChangeLog.objects.filter(object_type="campaignnumber", action="create").count() == 10_000
    with capsys.disabled():
        print(f"\n10,000-number CSV import: {elapsed:.2f} s")
    assert elapsed < 30


def test_a_bad_row_rejects_the_whole_file_with_its_line_number(api, acme_key, campaign):
    text = "number,description\n+390211111111,A\n+390222222222,B\nnot-a-number,C\n+390233333333,D\n"
    response = upload(api(acme_key), campaign, text)
    assert_error(response, 400, "validation_error")
    error = response.json()["error"]
    assert [item["line"] for item in error["items"]] == [4]
    assert "line 4" in error["message"] and "nothing was written" in error["message"]
    assert not CampaignNumber.objects.exists()
    assert not ChangeLog.objects.filter(object_type="campaignnumber").exists()


def test_every_bad_row_is_reported(api, acme_key, campaign):
    text = "number\n+390211111111\nbad\n+390222222222\n12\n"
    error = upload(api(acme_key), campaign, text).json()["error"]
    assert [item["line"] for item in error["items"]] == [3, 5]


def test_a_quoted_field_over_two_lines_keeps_the_line_numbers_right(api, acme_key, campaign):
    text = 'number,description\n+390211111111,"two\nlines"\nbad,x\n'
    error = upload(api(acme_key), campaign, text).json()["error"]
    assert [item["line"] for item in error["items"]] == [4]


def test_do_not_call_numbers_reject_the_file_and_are_reported_by_line(api, acme_key, acme, campaign):
    DoNotCallFactory(tenant=acme, number="+390222222222")
    text = csv_of(["+390211111111", "0039 02 2222 2222", "+390233333333"])
    response = upload(api(acme_key), campaign, text)
    assert_error(response, 400, "validation_error")
    assert response.json()["error"]["do_not_call"] == [{"line": 3, "number": "+390222222222"}]
    assert not CampaignNumber.objects.exists()


def test_a_dry_run_reports_and_writes_nothing(api, acme_key, campaign):
    response = upload(api(acme_key), campaign, csv_of(["+390211111111", "+390222222222"]), dry_run="true")
    assert response.status_code == 200
    assert response.json()["created"] == 2 and response.json()["dry_run"] is True
    assert not CampaignNumber.objects.exists()


def test_a_dry_run_reports_bad_rows_too(api, acme_key, campaign):
    response = upload(api(acme_key), campaign, csv_of(["+390211111111", "x"]), dry_run="true")
    assert_error(response, 400, "validation_error")
    assert response.json()["error"]["items"][0]["line"] == 3


def test_a_number_twice_in_the_file_is_refused_by_default(api, acme_key, campaign):
    response = upload(api(acme_key), campaign, csv_of(["+390211111111", "390211111111"]))
    assert_error(response, 400, "validation_error")
    item = response.json()["error"]["items"][0]
    assert item["line"] == 3 and "line 2" in item["errors"][0]


def test_numbers_already_in_the_campaign_fail_skip_or_update(api, acme_key, acme, campaign):
    CampaignNumberFactory(tenant=acme, campaign=campaign, number="+390211111111", description="Old")
    text = csv_of(["+390211111111", "+390222222222"])
    failed = upload(api(acme_key), campaign, text)
    assert_error(failed, 400, "validation_error")
    assert failed.json()["error"]["items"][0]["line"] == 2

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


def test_the_lists_own_csv_is_imported_back(api, acme_key, acme, campaign):
    CampaignNumberFactory.create_batch(3, tenant=acme, campaign=campaign)
    exported = b"".join(
        api(acme_key).get(f"/api/campaign-numbers/?format=csv&caid={campaign.pk}").streaming_content
    )
    target = CampaignFactory(tenant=acme)
    response = upload(api(acme_key), target, exported.decode())
    assert response.status_code == 201, response.content
    assert target.numbers.count() == 3


def test_the_campaign_may_come_from_a_column(api, acme_key, campaign):
    text = f"campaign_id,number\n{campaign.pk},+390211111111\n"
    response = api(acme_key).post("/api/campaign-numbers/import/", text, content_type="text/csv")
    assert response.status_code == 201, response.content
    assert campaign.numbers.count() == 1


def test_numbers_cannot_be_imported_into_another_tenants_campaign(api, acme_key, globex):
    theirs = CampaignFactory(tenant=globex)
    response = upload(api(acme_key), theirs, csv_of(["+390211111111"]))
    assert_error(response, 400, "validation_error")
    assert response.json()["error"]["fields"]["campaign"] == [f"No campaign {theirs.pk} in your tenants."]
    assert not CampaignNumber.objects.exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "empty"),
        ("number\n", "no rows"),
        ("phone_number\n+390211111111\n", "unknown column"),
        ("description\nx\n", "missing column number"),
        ("number\n+390211111111,extra\n", "Line 2"),
    ],
    ids=["empty", "header-only", "unknown-column", "missing-column", "too-many-cells"],
)
def test_a_malformed_file_is_400_saying_what_is_wrong(api, acme_key, campaign, text, expected):
    response = upload(api(acme_key), campaign, text)
    assert_error(response, 400, "validation_error")
    assert expected in response.json()["error"]["message"]


def test_a_file_that_is_not_utf8_is_400(api, acme_key, campaign):
    response = upload(
        api(acme_key), campaign, "number,description\n+390211111111,caf\xe9\n".encode("latin-1")
    )
    assert_error(response, 400, "invalid_csv")
    assert "UTF-8" in response.json()["error"]["message"]


def test_rows_naming_two_campaigns_are_refused_without_the_query(api, acme_key, acme, campaign):
    other = CampaignFactory(tenant=acme)
    text = f"campaign,number\n{campaign.pk},+390211111111\n{other.pk},+390222222222\n"
    response = api(acme_key).post("/api/campaign-numbers/import/", text, content_type="text/csv")
    assert_error(response, 400, "validation_error")
    assert response.json()["error"]["message"].startswith("Line 3:")
    assert not CampaignNumber.objects.exists()


def test_a_json_array_is_imported_like_a_csv(api, acme_key, campaign):
    body = [{"number": "+390211111111", "description": "A"}, {"cn_number": "0039 02 2222 2222"}]
    response = api(acme_key).post(
        f"/api/campaign-numbers/import/?campaign={campaign.pk}", body, format="json"
    )
    assert response.status_code == 201, response.json()
    assert sorted(campaign.numbers.values_list("number", flat=True)) == ["+390211111111", "+390222222222"]


def tags_by_number(campaign):
    from pbx.api import tags

    return {number.number: tags.names_of(number) for number in campaign.numbers.all()}


def test_a_tags_column_tags_the_imported_numbers(api, acme_key, campaign):
    text = 'number,tags\n+390211111111,"vip,lobby"\n+390222222222,vip;north\n+390233333333,\n'
    response = upload(api(acme_key), campaign, text)
    assert response.status_code == 201, response.content
    assert tags_by_number(campaign) == {
        "+390211111111": ["lobby", "vip"],
        "+390222222222": ["north", "vip"],
        "+390233333333": [],
    }
    listed = api(acme_key).get(f"/api/campaign-numbers/?tag=vip&caid={campaign.pk}").json()["results"]
    assert sorted(row["number"] for row in listed) == ["+390211111111", "+390222222222"]


def test_a_json_import_takes_tags_as_a_list(api, acme_key, campaign):
    body = [{"number": "+390211111111", "tags": ["VIP", "lobby"]}]
    response = api(acme_key).post(
        f"/api/campaign-numbers/import/?campaign={campaign.pk}", body, format="json"
    )
    assert response.status_code == 201, response.json()
    assert tags_by_number(campaign) == {"+390211111111": ["lobby", "vip"]}


def test_a_bad_tag_is_reported_on_its_line(api, acme_key, campaign):
    response = upload(api(acme_key), campaign, 'number,tags\n+390211111111,vip\n+390222222222,"[1, 2"\n')
    assert_error(response, 400, "validation_error")
    assert [item["line"] for item in response.json()["error"]["items"]] == [3]
    assert not CampaignNumber.objects.exists()


def test_tags_round_trip_through_the_lists_csv(api, acme_key, acme, campaign):
    upload(api(acme_key), campaign, 'number,tags\n+390211111111,"vip,lobby"\n')
    exported = b"".join(
        api(acme_key).get(f"/api/campaign-numbers/?format=csv&caid={campaign.pk}").streaming_content
    )
    target = CampaignFactory(tenant=acme)
    response = upload(api(acme_key), target, exported.decode())
    assert response.status_code == 201, response.content
    assert tags_by_number(target) == {"+390211111111": ["lobby", "vip"]}


def test_on_duplicate_update_replaces_the_tags(api, acme_key, campaign):
    upload(api(acme_key), campaign, "number,tags\n+390211111111,vip\n")
    response = upload(api(acme_key), campaign, "number,tags\n+390211111111,gold\n", on_duplicate="update")
    assert response.json()["updated"] == 1
    assert tags_by_number(campaign) == {"+390211111111": ["gold"]}
    again = upload(api(acme_key), campaign, "number,tags\n+390211111111,gold\n", on_duplicate="update")
    assert (again.json()["updated"], again.json()["skipped"]) == (0, 1)
