"""The campaigns admin: campaigns with fax files and slots inline and a link to their
numbers, the do-not-call list, cron jobs, each scoped to the staff user's tenants."""

import pytest

from campaigns.models import Campaign, CronJob
from tests.factories import (
    CampaignFactory,
    CampaignNumberFactory,
    CronJobFactory,
    DoNotCallFactory,
    UserFactory,
)


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


def test_a_campaign_page_links_to_its_numbers(client, superuser, acme):
    campaign = CampaignFactory(tenant=acme)
    CampaignNumberFactory.create_batch(3, tenant=acme, campaign=campaign)
    client.force_login(superuser)
    page = client.get(f"/admin/campaigns/campaign/{campaign.pk}/change/").content.decode()
    assert f"campaignnumber/?campaign__id__exact={campaign.pk}" in page
    assert "3 numbers" in page
    assert "fax files" in page.lower() and 'data-slot="CAMPAIGN-ONCONNECT"' in page
    numbers = client.get(f"/admin/campaigns/campaignnumber/?campaign__id__exact={campaign.pk}")
    assert numbers.status_code == 200


@pytest.mark.parametrize("model", ["campaign", "campaignnumber", "donotcall", "cronjob"])
def test_a_tenant_admin_sees_only_its_tenants_rows(client, acme_admin, acme, globex, model):
    CampaignNumberFactory(tenant=globex, number="+390299999999")
    DoNotCallFactory(tenant=globex, number="+390288888888")
    CronJobFactory(tenant=globex, name="Their job")
    CampaignFactory(tenant=globex, name="Their campaign")
    from django.contrib.auth.models import Permission

    acme_admin.user_permissions.set(Permission.objects.filter(content_type__app_label="campaigns"))
    client.force_login(acme_admin)
    page = client.get(f"/admin/campaigns/{model}/")
    assert page.status_code == 200
    text = page.content.decode()
    for theirs in ("+390299999999", "+390288888888", "Their job", "Their campaign"):
        assert theirs not in text


def test_a_cron_job_cannot_target_another_tenants_campaign_in_the_admin(client, superuser, acme, globex):
    theirs = CampaignFactory(tenant=globex)
    client.force_login(superuser)
    response = client.post(
        "/admin/campaigns/cronjob/add/",
        {
            "tenant": acme.pk,
            "name": "Grab",
            "schedule": "0 8 * * *",
            "time_zone": "UTC",
            "task": "campaign.start",
            "campaign": theirs.pk,
            "keep_days": 365,
            "enabled": "on",
        },
    )
    assert response.status_code == 200  # the form again, with the error
    assert "Choose a campaign of the job&#x27;s tenant." in response.content.decode()
    assert not CronJob.objects.exists()


def campaign_form(tenant, name, state):
    """The admin's campaign form as a browser posts it, with no fax files or destinations."""
    return {
        "tenant": tenant.pk,
        "name": name,
        "state": state,
        "concurrent_calls": 1,
        "window_start": "09:00",
        "window_end": "18:00",
        "time_zone": "UTC",
        "max_attempts": 3,
        "retry_minutes": 30,
        "fax_files-TOTAL_FORMS": "0",
        "fax_files-INITIAL_FORMS": "0",
        "destinations-TOTAL_FORMS": "0",
        "destinations-INITIAL_FORMS": "0",
    }


def test_the_admin_refuses_an_illegal_state_move_too(client, superuser, acme):
    campaign = CampaignFactory(tenant=acme, state="finished")
    client.force_login(superuser)
    response = client.post(
        f"/admin/campaigns/campaign/{campaign.pk}/change/",
        campaign_form(acme, campaign.name, "paused"),
    )
    assert response.status_code == 200
    assert "A finished campaign cannot become paused" in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.state == "finished"


def test_the_admin_creates_campaigns_as_draft_only(client, superuser, acme):
    client.force_login(superuser)
    response = client.post(
        "/admin/campaigns/campaign/add/",
        campaign_form(acme, "Spring", "finished"),
    )
    assert response.status_code == 200
    assert "A new campaign starts as draft, not finished." in response.content.decode()
    assert not Campaign.objects.exists()
