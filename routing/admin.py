"""Admin of the routing app: trunks for platform admins; the rest scoped to the staff
user's tenants, with inlines for patterns, trunks, routes, time ranges and members.
Destination slots (an IVR's options, a DID's routing) are picked by name on every
owner's page (pbx.admin_destinations)."""

from django import forms
from django.contrib import admin
from django.urls import path

from extensions.models import CODECS
from pbx.admin import RoleAwareAdmin, TabularInline, TenantScopedAdmin, tenant_ids_of
from pbx.admin_widgets import DateInput, OrderedMultipleChoiceField, TimeInput, WeekdaysField, live_checked
from routing.models import (
    DID,
    DISA,
    IVR,
    WEEKDAYS,
    Agent,
    CallerIdBlacklist,
    CustomDestination,
    DialPattern,
    FeatureCode,
    Flow,
    HuntList,
    HuntListMember,
    OutboundRoute,
    OutboundRouteTrunk,
    Queue,
    QueueMember,
    RoutingProfile,
    RoutingProfileRoute,
    Schedule,
    ScheduleException,
    ScheduleRange,
    ShortNumber,
    Trunk,
)


class TrunkForm(forms.ModelForm):
    """A trunk's codecs chosen and ordered, as the API takes them (its CodecListField)."""

    codecs = OrderedMultipleChoiceField(
        choices=[(codec, codec) for codec in CODECS],
        required=False,
        help_text="Allowed codecs, the preferred first: move them across and up or down.",
    )


@admin.register(Trunk)
class TrunkAdmin(RoleAwareAdmin):
    """SIP trunks (platform admins only)."""

    platform_only = True
    form = TrunkForm
    list_display = ["name", "host", "port", "transport", "register", "max_channels", "enabled"]
    list_filter = ["transport", "register", "enabled"]
    search_fields = ["name", "host", "description"]
    filter_horizontal = ["tenants"]

    def pickable_queryset(self, request):
        """A tenant admin picks (for a campaign, a route) only the trunks assigned to its
        tenants."""
        tenant_ids = tenant_ids_of(request.user)
        trunks = Trunk.objects.all()
        return trunks if tenant_ids is None else trunks.filter(tenants__in=tenant_ids).distinct()


class DialPatternForm(forms.ModelForm):
    class Meta:
        widgets = {"match": live_checked(DialPattern, "match")}  # checked as it is typed


class DialPatternInline(TabularInline):
    model = DialPattern
    form = DialPatternForm
    extra = 0


class OutboundRouteTrunkInline(TabularInline):
    model = OutboundRouteTrunk
    extra = 0
    verbose_name_plural = "trunks, in failover order"


@admin.register(OutboundRoute)
class OutboundRouteAdmin(TenantScopedAdmin):
    """Outbound routes; those without a tenant are the platform's."""

    list_display = ["name", "tenant", "priority", "emergency", "enabled"]
    list_filter = ["emergency", "enabled"]
    search_fields = ["name", "description"]
    inlines = [DialPatternInline, OutboundRouteTrunkInline]

    def get_urls(self):
        """The outbound route tool (routing.admin_tools): `match/`, and `<id>/match/` from a
        route's page."""
        from routing.admin_tools import outbound_match_view

        view = self.admin_site.admin_view
        return [
            path(
                "match/",
                view(lambda request: outbound_match_view(self, request)),
                name="routing_outboundroute_match",
            ),
            path(
                "<path:object_id>/match/",
                view(lambda request, object_id: outbound_match_view(self, request, object_id)),
                name="routing_outboundroute_match_from",
            ),
            *super().get_urls(),
        ]


class RoutingProfileRouteInline(TabularInline):
    model = RoutingProfileRoute
    extra = 0
    autocomplete_fields = ["route"]


@admin.register(RoutingProfile)
class RoutingProfileAdmin(RoleAwareAdmin):
    """Routing profiles (platform admins only)."""

    platform_only = True
    list_display = ["name", "type", "description"]
    list_filter = ["type"]
    search_fields = ["name", "description"]
    inlines = [RoutingProfileRouteInline]

    def pickable_queryset(self, request):
        """Any tenant's extensions and DISAs may dial with any routing profile, as in the
        API: profiles are the platform's offer."""
        return RoutingProfile.objects.all()


@admin.register(DID)
class DIDAdmin(TenantScopedAdmin):
    """DIDs and where their calls go."""

    list_display = ["number", "description", "tenant", "schedule", "enabled"]
    list_filter = ["enabled"]
    list_select_related = ["tenant", "schedule"]
    search_fields = ["number", "description"]
    autocomplete_fields = ["schedule"]

    def get_urls(self):
        """The DID route tool (routing.admin_tools): `<id>/route/`."""
        from routing.admin_tools import did_route_view

        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/route/",
                view(lambda request, object_id: did_route_view(self, request, object_id)),
                name="routing_did_route",
            ),
            *super().get_urls(),
        ]


class ScheduleRangeForm(forms.ModelForm):
    """One row of the week grid: a tick per day of the week and the browser's time
    pickers, rather than a JSON list of day names."""

    days = WeekdaysField(WEEKDAYS)

    class Meta:
        widgets = {"start": TimeInput(), "end": TimeInput()}


class ScheduleRangeInline(TabularInline):
    model = ScheduleRange
    form = ScheduleRangeForm
    extra = 0
    verbose_name_plural = "week (opening hours)"


class ScheduleExceptionForm(forms.ModelForm):
    """Holidays and special openings with the browser's date and time pickers."""

    class Meta:
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "start": TimeInput(),
            "end": TimeInput(),
        }


class ScheduleExceptionInline(TabularInline):
    model = ScheduleException
    form = ScheduleExceptionForm
    extra = 0
    verbose_name_plural = "holidays and special openings"


@admin.register(Schedule)
class ScheduleAdmin(TenantScopedAdmin):
    """Schedules, with their weekly ranges and dated exceptions."""

    list_display = ["name", "time_zone", "tenant"]
    search_fields = ["name", "description"]
    inlines = [ScheduleRangeInline, ScheduleExceptionInline]


@admin.register(Flow)
class FlowAdmin(TenantScopedAdmin):
    """Flows (office modes): change `state` to switch day and night."""

    list_display = ["name", "state", "state_changed_at", "tenant"]
    list_filter = ["state"]
    list_editable = ["state"]
    search_fields = ["name", "variable_name"]


@admin.register(IVR)
class IVRAdmin(TenantScopedAdmin):
    """IVRs; their options are the destination rows (IVR_1, IVR_TIMEOUT ...)."""

    list_display = ["name", "timeout", "retries", "direct_dial", "enabled", "tenant"]
    list_filter = ["direct_dial", "enabled"]
    search_fields = ["name", "description"]


class HuntListMemberInline(TabularInline):
    model = HuntListMember
    extra = 0
    autocomplete_fields = ["extension"]


@admin.register(HuntList)
class HuntListAdmin(TenantScopedAdmin):
    """Hunt lists (ring groups) with their members."""

    list_display = ["number", "name", "strategy", "ring_time", "enabled", "tenant"]
    list_filter = ["strategy", "enabled"]
    search_fields = ["number", "name"]
    inlines = [HuntListMemberInline]


class QueueMemberInline(TabularInline):
    model = QueueMember
    extra = 0
    autocomplete_fields = ["extension", "agent"]


@admin.register(Queue)
class QueueAdmin(TenantScopedAdmin):
    """Queues with their members and agents."""

    list_display = ["number", "name", "strategy", "timeout", "max_callers", "enabled", "tenant"]
    list_filter = ["strategy", "enabled"]
    search_fields = ["number", "name"]
    inlines = [QueueMemberInline]


@admin.register(Agent)
class AgentAdmin(TenantScopedAdmin):
    """Queue agents."""

    list_display = ["number", "name", "extension", "enabled", "tenant"]
    list_filter = ["enabled"]
    search_fields = ["number", "name"]
    autocomplete_fields = ["extension"]


@admin.register(CustomDestination)
class CustomDestinationAdmin(TenantScopedAdmin):
    """Custom destinations; those without a tenant are global."""

    list_display = ["name", "dial_string", "tenant"]
    search_fields = ["name", "dial_string"]


@admin.register(FeatureCode)
class FeatureCodeAdmin(TenantScopedAdmin):
    """Feature codes; those without a tenant are global."""

    list_display = ["code", "name", "feature", "enabled", "tenant"]
    list_filter = ["feature", "enabled"]
    search_fields = ["code", "name"]


@admin.register(ShortNumber)
class ShortNumberAdmin(TenantScopedAdmin):
    """Short numbers; those without a tenant are global."""

    list_display = ["number", "dial", "enabled", "tenant"]
    search_fields = ["number", "dial", "description"]


@admin.register(DISA)
class DISAAdmin(TenantScopedAdmin):
    """DISAs."""

    list_display = ["name", "caller_id_number", "routing_profile", "enabled", "tenant"]
    search_fields = ["name"]
    autocomplete_fields = ["routing_profile"]


@admin.register(CallerIdBlacklist)
class CallerIdBlacklistAdmin(TenantScopedAdmin):
    """The caller ID blacklist; entries without a tenant are global."""

    list_display = ["caller_id", "description", "enabled", "tenant"]
    list_filter = ["enabled"]
    search_fields = ["caller_id", "description"]
