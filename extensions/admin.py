"""Admin of extensions, scoped to the staff user's tenants."""

from django.contrib import admin

from extensions.models import Extension
from pbx.admin import TenantScopedAdmin


@admin.register(Extension)
class ExtensionAdmin(TenantScopedAdmin):
    """Extensions: a tenant admin sees and edits only its own tenants' extensions."""

    list_display = [
        "number",
        "name",
        "tenant",
        "tech",
        "enabled",
        "do_not_disturb",
        "user",
        "updated_at",
    ]
    list_filter = ["tech", "enabled", "do_not_disturb"]
    search_fields = ["number", "name", "sip_username", "caller_id_name", "description"]
    ordering = ["tenant__code", "number"]
    list_select_related = ["tenant", "user"]
    raw_id_fields = ["user"]
    fieldsets = [
        (None, {"fields": ["tenant", "number", "name", "tech", "enabled", "user", "description"]}),
        ("SIP", {"fields": ["sip_username", "password", "max_contacts", "codecs", "call_limit"]}),
        (
            "Caller ID",
            {
                "fields": [
                    "caller_id_name",
                    "caller_id_number",
                    "outbound_caller_id_name",
                    "outbound_caller_id_number",
                ]
            },
        ),
        (
            "Call handling",
            {
                "fields": [
                    "do_not_disturb",
                    "ring_timeout",
                    ("forward_all_enabled", "forward_all_destination"),
                    ("forward_busy_enabled", "forward_busy_destination"),
                    ("forward_no_answer_enabled", "forward_no_answer_destination"),
                    ("forward_unavailable_enabled", "forward_unavailable_destination"),
                ]
            },
        ),
        ("Accounting", {"fields": ["mailbox", "toll_allow", "account_code"]}),
    ]
