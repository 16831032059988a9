"""Admin of the extensions app, scoped to the staff user's tenants."""

from django import forms
from django.contrib import admin

from extensions.models import (
    CODECS,
    ConferenceRoom,
    Contact,
    Device,
    DeviceLine,
    Extension,
    FollowMe,
    FollowMeEntry,
    PagingGroup,
    PagingGroupMember,
    PickupGroup,
    PickupGroupMember,
    Voicemail,
    WebCallWidget,
    normalize_mac,
)
from pbx.admin import TabularInline, TenantScopedAdmin
from pbx.admin_widgets import OrderedMultipleChoiceField


class ExtensionForm(forms.ModelForm):
    """Codecs chosen from the known ones and put in order of preference, as the API
    takes them, rather than typed as JSON."""

    codecs = OrderedMultipleChoiceField(
        choices=[(codec, codec) for codec in CODECS],
        required=False,
        help_text="Allowed codecs, the preferred first: move them across and up or down.",
    )


@admin.register(Extension)
class ExtensionAdmin(TenantScopedAdmin):
    """Extensions: a tenant admin sees and edits only its own tenants' extensions."""

    form = ExtensionForm
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
    autocomplete_fields = ["user"]  # a tenant admin finds its tenants' users by name
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


class PickupGroupMemberInline(TabularInline):
    model = PickupGroupMember
    extra = 0
    autocomplete_fields = ["extension"]


class PagingGroupMemberInline(TabularInline):
    model = PagingGroupMember
    extra = 0
    autocomplete_fields = ["extension"]


class DeviceLineInline(TabularInline):
    model = DeviceLine
    extra = 0
    autocomplete_fields = ["extension"]


class FollowMeEntryInline(TabularInline):
    model = FollowMeEntry
    extra = 0
    autocomplete_fields = ["extension"]


@admin.register(Voicemail)
class VoicemailAdmin(TenantScopedAdmin):
    """Voicemail boxes."""

    list_display = ["mailbox", "name", "tenant", "email", "extension", "user", "enabled"]
    list_filter = ["enabled", "attach_audio"]
    search_fields = ["mailbox", "name", "email"]
    list_select_related = ["tenant", "extension", "user"]
    autocomplete_fields = ["extension"]
    readonly_fields = ["user"]  # the extension's user, kept in step by the model


class MacAddressFormField(forms.CharField):
    """A MAC address typed in any usual notation (00:11:22:AA:BB:CC, 00-11-22-aa-bb-cc,
    0011.22aa.bbcc, 001122aabbcc), stored as 12 lower-case hex digits as the API stores it.
    The input is not limited to the 12 stored characters: the browser would cut a typed
    address with colons short."""

    def __init__(self, **kwargs):
        kwargs.pop("max_length", None)
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return normalize_mac(value) if value else value


class DeviceForm(forms.ModelForm):
    mac_address = MacAddressFormField(
        label="MAC address", help_text="Any notation: 00:11:22:AA:BB:CC, 0011.22aa.bbcc, 001122aabbcc ..."
    )


@admin.register(Device)
class DeviceAdmin(TenantScopedAdmin):
    """Provisioned devices with their line keys."""

    form = DeviceForm

    list_display = ["name", "mac_address", "vendor", "model", "tenant", "user", "enabled"]
    list_select_related = ["tenant", "user"]
    list_filter = ["vendor", "enabled"]
    search_fields = ["name", "mac_address", "model"]
    autocomplete_fields = ["user"]  # a tenant admin finds its tenants' users by name
    inlines = [DeviceLineInline]


@admin.register(PickupGroup)
class PickupGroupAdmin(TenantScopedAdmin):
    """Pickup and call groups."""

    list_display = ["name", "kind", "tenant"]
    list_select_related = ["tenant"]
    list_filter = ["kind"]
    search_fields = ["name"]
    inlines = [PickupGroupMemberInline]


@admin.register(PagingGroup)
class PagingGroupAdmin(TenantScopedAdmin):
    """Paging groups."""

    list_display = ["number", "name", "duplex", "tenant"]
    list_select_related = ["tenant"]
    search_fields = ["number", "name"]
    inlines = [PagingGroupMemberInline]


@admin.register(ConferenceRoom)
class ConferenceRoomAdmin(TenantScopedAdmin):
    """Conference rooms."""

    list_display = ["number", "name", "max_users", "record", "enabled", "tenant"]
    list_select_related = ["tenant"]
    list_filter = ["record", "enabled"]
    search_fields = ["number", "name"]


@admin.register(Contact)
class ContactAdmin(TenantScopedAdmin):
    """The company directory."""

    list_display = ["last_name", "first_name", "display_name", "company", "email", "department", "tenant"]
    search_fields = ["first_name", "last_name", "display_name", "company", "email"]
    list_select_related = ["tenant", "department"]
    autocomplete_fields = ["department"]


@admin.register(FollowMe)
class FollowMeAdmin(TenantScopedAdmin):
    """Follow-me of extensions."""

    list_display = ["extension", "enabled", "tenant"]
    list_select_related = ["tenant", "extension"]
    autocomplete_fields = ["extension"]
    inlines = [FollowMeEntryInline]


@admin.register(WebCallWidget)
class WebCallWidgetAdmin(TenantScopedAdmin):
    """Web call widgets."""

    list_display = ["name", "enabled", "tenant"]
    list_select_related = ["tenant"]
    search_fields = ["name"]
    readonly_fields = ["token"]
