"""Admin of the campaigns app, scoped to the staff user's tenants: campaigns with their
fax files and slots inline and a link to their numbers; the do-not-call list; cron jobs."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from campaigns.models import Campaign, CampaignFaxFile, CampaignNumber, CronJob, DoNotCall
from pbx.admin import TabularInline, TenantScopedAdmin


class CampaignFaxFileInline(TabularInline):
    model = CampaignFaxFile
    extra = 0
    fields = ["name", "file", "size"]
    readonly_fields = ["size"]


@admin.register(Campaign)
class CampaignAdmin(TenantScopedAdmin):
    """Campaigns; their numbers are one click away (a campaign may have many thousands)."""

    list_display = ["name", "tenant", "state", "trunk", "concurrent_calls", "numbers_link", "updated_at"]
    list_filter = ["state"]
    search_fields = ["name", "description"]
    autocomplete_fields = ["trunk"]
    readonly_fields = ["state_changed_at", "numbers_link"]
    inlines = [CampaignFaxFileInline]

    @admin.display(description="numbers")
    def numbers_link(self, campaign):
        if campaign.pk is None:
            return "-"
        url = reverse("admin:campaigns_campaignnumber_changelist") + f"?campaign__id__exact={campaign.pk}"
        return format_html('<a href="{}">{} numbers</a>', url, campaign.numbers.count())


@admin.register(CampaignNumber)
class CampaignNumberAdmin(TenantScopedAdmin):
    """The numbers of campaigns, filtered by campaign from the campaign's page."""

    list_display = ["number", "campaign", "tenant", "state", "disposition", "attempts", "last_attempt_at"]
    list_filter = ["state", "disposition"]
    list_select_related = ["tenant", "campaign"]
    search_fields = ["number", "description"]
    autocomplete_fields = ["campaign"]


@admin.register(DoNotCall)
class DoNotCallAdmin(TenantScopedAdmin):
    """The tenants' do-not-call lists."""

    list_display = ["number", "tenant", "description", "created_at"]
    search_fields = ["number", "description"]


@admin.register(CronJob)
class CronJobAdmin(TenantScopedAdmin):
    """Cron jobs; those without a tenant are the platform's."""

    list_display = [
        "name",
        "tenant",
        "schedule",
        "task",
        "enabled",
        "next_run_at",
        "last_run_at",
        "last_result",
    ]
    list_filter = ["task", "enabled", "last_result"]
    search_fields = ["name", "description"]
    autocomplete_fields = ["campaign", "flow"]
    readonly_fields = ["next_run_at", "last_run_at", "last_result", "last_message", "run_count"]
