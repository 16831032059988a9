"""The company directory (contacts), follow-me and web call widgets."""

import re
from urllib.parse import urlsplit

from rest_framework import serializers

from extensions.models import Contact, Extension, FollowMe, FollowMeEntry, WebCallWidget
from pbx.api.children import ItemsField
from pbx.api.filters import STRING_LOOKUPS, TIMESTAMP_FIELDS, PbxFilterSet
from pbx.api.serializers import DetailUrlField, PbxModelSerializer, TenantField, _relations, apply_aliases
from pbx.api.viewsets import PbxViewSet
from tenants.models import Department

NUMBER_TYPES = ["work", "mobile", "home", "fax", "other"]


class ContactNumberSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=NUMBER_TYPES, default="work")
    number = serializers.RegexField(
        r"^\+?[0-9*#]{1,32}$", max_length=33, error_messages={"invalid": "Use digits."}
    )


class ContactSerializer(PbxModelSerializer):
    """A directory entry: a display name, or a first or last name, or a company;
    `department` is a department id of the same tenant."""

    url = DetailUrlField(view_name="contact-detail")
    tenant = TenantField()
    numbers = ItemsField(ContactNumberSerializer())
    department = serializers.IntegerField(
        source="department_id", required=False, allow_null=True, min_value=1
    )

    class Meta:
        model = Contact
        fields = [
            "id",
            "url",
            "tenant",
            "first_name",
            "last_name",
            "display_name",
            "company",
            "numbers",
            "email",
            "department",
            "description",
            "created_at",
            "updated_at",
        ]

    def validate(self, attrs):
        attrs = super().validate(attrs)
        names = ("first_name", "last_name", "display_name", "company")
        kept = self.instance is not None and self.partial
        merged = {**{k: getattr(self.instance, k, "") if kept else "" for k in names}, **attrs}
        if not any(merged.get(k) for k in names):
            raise serializers.ValidationError(
                {"last_name": ["Give a display name, a first or last name, or a company."]}
            )
        department_id = attrs.get("department_id")
        tenant = attrs.get("tenant") or getattr(self.instance, "tenant", None)
        if department_id and not Department.objects.filter(pk=department_id, tenant=tenant).exists():
            raise serializers.ValidationError(
                {"department": [f"No department {department_id} in this tenant."]}
            )
        if "numbers" in attrs:
            attrs["numbers"] = [dict(number) for number in attrs["numbers"]]
        return attrs


class ContactFilterSet(PbxFilterSet):
    class Meta:
        model = Contact
        fields = {
            "first_name": STRING_LOOKUPS,
            "last_name": STRING_LOOKUPS,
            "display_name": STRING_LOOKUPS,
            "company": STRING_LOOKUPS,
            "email": ["exact", "icontains"],
            "department": ["exact"],
            **TIMESTAMP_FIELDS,
        }


class ContactViewSet(PbxViewSet):
    """The company directory of the caller's tenants."""

    queryset = Contact.objects.all()
    serializer_class = ContactSerializer
    filterset_class = ContactFilterSet
    search_fields = ["first_name", "last_name", "display_name", "company", "email", "description"]
    ordering_fields = ["last_name", "first_name", "display_name", "company", "created_at", "updated_at", "id"]


class FollowMeEntrySerializer(serializers.Serializer):
    """One step: an outside `number` or an `extension` id of the tenant, not both."""

    number = serializers.RegexField(
        r"^\+?[0-9*#]{1,32}$",
        max_length=33,
        required=False,
        allow_blank=True,
        error_messages={"invalid": "Use digits, * or #, optionally +."},
    )
    extension = serializers.IntegerField(
        source="extension_id", min_value=1, required=False, allow_null=True, default=None
    )
    delay = serializers.IntegerField(min_value=0, max_value=300, default=0)
    ring_time = serializers.IntegerField(min_value=5, max_value=300, default=30)

    # FusionPBX's and DjangoPBX's follow_me_destinations rows.
    aliases = {
        "follow_me_destination": "number",
        "follow_me_delay": "delay",
        "follow_me_timeout": "ring_time",
    }
    input_names = (*aliases, "follow_me_order")

    def to_internal_value(self, data):
        if isinstance(data, dict):
            data = apply_aliases(data, self.aliases)
            data.pop("follow_me_order", None)  # the list's order is the order
        return super().to_internal_value(data)

    def validate(self, attrs):
        if bool(attrs.get("number")) == (attrs.get("extension_id") is not None):
            raise serializers.ValidationError("Give a number or an extension, not both.")
        return attrs


class FollowMeSerializer(PbxModelSerializer):
    """An extension's follow-me: `entries` are rung in order, each `delay` seconds after
    the call starts, for `ring_time` seconds."""

    url = DetailUrlField(view_name="followme-detail")
    tenant = TenantField()
    extension = serializers.IntegerField(source="extension_id", min_value=1)
    entries = ItemsField(FollowMeEntrySerializer())

    class Meta:
        model = FollowMe
        fields = [
            "id",
            "url",
            "tenant",
            "extension",
            "enabled",
            "ring_extension_first",
            "entries",
            "description",
            "created_at",
            "updated_at",
        ]
        validators = []
        aliases = {
            "follow_me_destinations": "entries",
            "follow_me_enabled": "enabled",
            "extension_id": "extension",
        }

    def validate(self, attrs):
        attrs = super().validate(attrs)
        tenant = attrs.get("tenant") or self.instance.tenant
        extension_id = attrs.get("extension_id")
        self._validate_entries(
            attrs.get("entries"), tenant, extension_id or getattr(self.instance, "extension_id", None)
        )
        if extension_id is not None:
            if not Extension.objects.filter(pk=extension_id, tenant=tenant).exists():
                raise serializers.ValidationError(
                    {"extension": [f"No extension {extension_id} in this tenant."]}
                )
            taken = FollowMe.objects.filter(extension_id=extension_id).exclude(
                pk=getattr(self.instance, "pk", None)
            )
            if taken.exists():
                raise serializers.ValidationError({"extension": ["This extension already has a follow-me."]})
        if "entries" not in attrs and self.instance is not None and not self.partial:
            attrs["entries"] = []
        if "entries" in attrs and self.instance is not None:
            _relations(self.instance)["entries"] = self._entries_of(self.instance)
        return attrs

    @staticmethod
    def _validate_entries(entries, tenant, own_extension_id):
        wanted = {entry["extension_id"] for entry in entries or () if entry["extension_id"] is not None}
        if not wanted:
            return
        if own_extension_id in wanted:
            raise serializers.ValidationError(
                {
                    "entries": [
                        "The follow-me's own extension rings first anyway: leave it out of the entries."
                    ]
                }
            )
        found = set(Extension.objects.filter(tenant=tenant, pk__in=wanted).values_list("pk", flat=True))
        if wanted - found:
            missing = ", ".join(str(pk) for pk in sorted(wanted - found))
            raise serializers.ValidationError({"entries": [f"No extension {missing} in this tenant."]})

    @staticmethod
    def _entries_of(follow_me):
        return [
            {
                "number": entry.number,
                "extension": entry.extension_id,
                "delay": entry.delay,
                "ring_time": entry.ring_time,
            }
            for entry in follow_me.entries.all()
        ]

    def save(self, **kwargs):
        entries = self._validated_data.pop("entries", None)
        follow_me = super().save(**kwargs)
        if entries is not None:
            FollowMeEntry.objects.filter(follow_me=follow_me).delete()
            FollowMeEntry.objects.bulk_create(
                [
                    FollowMeEntry(follow_me=follow_me, position=i, **dict(entry))
                    for i, entry in enumerate(entries)
                ]
            )
            getattr(follow_me, "_prefetched_objects_cache", {}).pop("entries", None)
            _relations(follow_me)["entries"] = self._entries_of(follow_me)
        return follow_me


class FollowMeFilterSet(PbxFilterSet):
    class Meta:
        model = FollowMe
        fields = {"extension": ["exact"], "enabled": ["exact"], **TIMESTAMP_FIELDS}


class FollowMeViewSet(PbxViewSet):
    """Follow-me of the caller's tenants' extensions; `?extension=<id>` finds one."""

    queryset = FollowMe.objects.prefetch_related("entries")
    serializer_class = FollowMeSerializer
    filterset_class = FollowMeFilterSet
    search_fields = ["description"]
    ordering_fields = ["extension", "created_at", "updated_at", "id"]


HOSTNAME = re.compile(
    r"^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$"
)
# Browsers treat these as secure contexts over plain http (a developer's own machine).
LOOPBACK = ("localhost", "127.0.0.1", "[::1]")


def web_origin(text):
    """`https://Host[:port][/]` -> `https://host[:port]`; None when `text` is not an origin.
    Plain http only for the loopback, since browsers give microphones to secure pages only."""
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    netloc = parts.netloc.lower()
    shown_host = f"[{host}]" if ":" in host else host
    if (
        parts.scheme not in ("https", "http")
        or (parts.scheme == "http" and shown_host not in LOOPBACK)
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or "@" in netloc
        or not (HOSTNAME.match(host) or shown_host in LOOPBACK)
        or (port is not None and port < 1)
    ):
        return None
    default = {"https": 443, "http": 80}[parts.scheme]
    return f"{parts.scheme}://{shown_host}" + (f":{port}" if port not in (None, default) else "")


class OriginListField(serializers.ListField):
    """Web origins (`https://www.example.com[:port]`), nothing more: no path, no query."""

    child = serializers.CharField(max_length=200)

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 50)
        kwargs.setdefault(
            "help_text", "Sites the widget may be embedded in: https://host[:port] (http only for localhost)."
        )
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        origins = super().to_internal_value(data)
        cleaned = [web_origin(origin) for origin in origins]
        bad = [origin for origin, clean in zip(origins, cleaned, strict=True) if clean is None]
        if bad:
            raise serializers.ValidationError(
                f"Not a web origin: {bad[0]!r}; use https://host[:port] (no path, no query)."
            )
        return list(dict.fromkeys(cleaned))  # the caller's order, without repeats


class WebCallWidgetSerializer(PbxModelSerializer):
    """A click-to-call widget: where calls go is its `WEBCALL` destination slot."""

    url = DetailUrlField(view_name="webcallwidget-detail")
    tenant = TenantField()
    allowed_origins = OriginListField(required=False)

    class Meta:
        model = WebCallWidget
        fields = [
            "id",
            "url",
            "tenant",
            "name",
            "allowed_origins",
            "enabled",
            "token",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["token"]
        validators = []
        unique_per_tenant = ["name"]


class WebCallWidgetFilterSet(PbxFilterSet):
    class Meta:
        model = WebCallWidget
        fields = {"name": STRING_LOOKUPS, "enabled": ["exact"], **TIMESTAMP_FIELDS}


class WebCallWidgetViewSet(PbxViewSet):
    """Web call widgets of the caller's tenants."""

    queryset = WebCallWidget.objects.all()
    serializer_class = WebCallWidgetSerializer
    filterset_class = WebCallWidgetFilterSet
    search_fields = ["name"]
    ordering_fields = ["name", "created_at", "updated_at", "id"]
