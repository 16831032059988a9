"""The numbers a campaign calls, their CSV import, and the tenant's do-not-call list."""

import json
import re

import django_filters
from django.db import transaction
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from campaigns.models import Campaign, CampaignNumber, DoNotCall
from pbx import changelog
from pbx.api import tags
from pbx.api.csv_import import CSVTextParser, read_objects, read_rows
from pbx.api.exceptions import ApiError
from pbx.api.filters import NUMBER_LOOKUPS, STRING_LOOKUPS, TIME_LOOKUPS, TIMESTAMP_FIELDS, PbxFilterSet
from pbx.api.parsers import JSONParser
from pbx.api.references import ObjectIdField, check_ids
from pbx.api.serializers import DetailUrlField, PbxModelSerializer, TenantField, _relations
from pbx.api.tags import TagsField
from pbx.api.viewsets import PbxViewSet
from routing.api.inbound import E164Field
from routing.models import normalize_e164

MAX_IMPORT_ROWS = 100_000
IN_CHUNK = 2000  # values per IN (...) query: under SQLite's and PostgreSQL's parameter limits
MAX_REPORTED = 1000  # bad rows listed in one answer (the message counts them all)


def on_dnc_list(tenant, numbers):
    """The numbers among `numbers` that are on the tenant's do-not-call list."""
    numbers, found = list(numbers), set()
    for start in range(0, len(numbers), IN_CHUNK):
        chunk = numbers[start : start + IN_CHUNK]
        found.update(
            DoNotCall.objects.filter(tenant=tenant, number__in=chunk).values_list("number", flat=True)
        )
    return found


class CampaignNumberSerializer(PbxModelSerializer):
    """A number of a campaign, in E.164; not one of the tenant's do-not-call list."""

    url = DetailUrlField(view_name="campaignnumber-detail")
    tenant = TenantField()
    campaign = ObjectIdField(source="campaign_id", help_text="Id of a campaign of the tenant.")
    number = E164Field(max_length=24, help_text="Any notation; stored in E.164 (+390212345678).")

    class Meta:
        model = CampaignNumber
        fields = [
            "id",
            "url",
            "tenant",
            "campaign",
            "number",
            "description",
            "state",
            "disposition",
            "attempts",
            "last_attempt_at",
            "created_at",
            "updated_at",
        ]
        validators = []
        aliases = {
            "campaign_id": "campaign",
            "cn_ca_id": "campaign",
            "caid": "campaign",
            "cn_number": "number",
            "cn_description": "description",
        }

    def validate(self, attrs):
        attrs = super().validate(attrs)
        tenant = attrs.get("tenant") or self.instance.tenant
        campaign_id = attrs.get("campaign_id", getattr(self.instance, "campaign_id", None))
        if "campaign_id" in attrs:
            check_ids(Campaign, [campaign_id], tenant, "campaign", allow_global=False)
        number = attrs.get("number", getattr(self.instance, "number", None))
        if "number" in attrs or "campaign_id" in attrs:
            taken = CampaignNumber.objects.filter(campaign_id=campaign_id, number=number)
            if self.instance is not None:
                taken = taken.exclude(pk=self.instance.pk)
            if taken.exists():
                raise serializers.ValidationError(
                    {"number": [f"{number} is already in campaign {campaign_id}."]}
                )
            if on_dnc_list(tenant, [number]):
                raise serializers.ValidationError(
                    {"number": [f"{number} is on tenant {tenant.code}'s do-not-call list."]}
                )
        return attrs


class CampaignNumberFilterSet(PbxFilterSet):
    # MiRTA PBX limits the list to one campaign with campaign_id= or caid=.
    campaign_id = django_filters.NumberFilter(field_name="campaign_id", label="campaign id (MiRTA PBX)")
    caid = django_filters.NumberFilter(field_name="campaign_id", label="campaign id (MiRTA PBX)")

    class Meta:
        model = CampaignNumber
        fields = {
            "campaign": ["exact"],
            "number": STRING_LOOKUPS,
            "state": ["exact"],
            "disposition": ["exact"],
            "attempts": NUMBER_LOOKUPS,
            "last_attempt_at": TIME_LOOKUPS,
            **TIMESTAMP_FIELDS,
        }


ImportAnswer = inline_serializer(
    "CampaignNumberImport",
    {
        "campaign": serializers.IntegerField(),
        "dry_run": serializers.BooleanField(),
        "rows": serializers.IntegerField(),
        "created": serializers.IntegerField(),
        "updated": serializers.IntegerField(),
        "skipped": serializers.IntegerField(),
    },
)

ON_DUPLICATE = ("fail", "skip", "update")
TRUE = ("true", "1", "yes")


class CampaignNumberViewSet(PbxViewSet):
    """Numbers of the caller's tenants' campaigns; `import/` takes thousands from a CSV."""

    queryset = CampaignNumber.objects.all()
    serializer_class = CampaignNumberSerializer
    filterset_class = CampaignNumberFilterSet
    search_fields = ["number", "description"]
    ordering_fields = ["number", "state", "disposition", "attempts", "last_attempt_at", "created_at", "id"]

    @extend_schema(
        request={"text/csv": OpenApiTypes.STR},
        responses={200: ImportAnswer, 201: ImportAnswer},
        parameters=[
            OpenApiParameter(
                "campaign",
                int,
                description="The campaign, unless each row names it (also campaign_id, caid).",
            ),
            OpenApiParameter("campaign_id", int, description="The campaign (MiRTA PBX's name for it)."),
            OpenApiParameter("caid", int, description="The campaign (MiRTA PBX's name for it)."),
            OpenApiParameter("dry_run", bool, description="Check every row, write nothing."),
            OpenApiParameter(
                "on_duplicate", str, enum=list(ON_DUPLICATE), description="A number already there."
            ),
        ],
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        url_name="import",
        query_parameters=["campaign", "campaign_id", "caid", "dry_run", "on_duplicate"],
        # JSON too: an array of objects keyed by the same columns.
        parser_classes=[CSVTextParser, JSONParser],
        filter_backends=[],
        pagination_class=None,
    )
    def import_rows(self, request):
        """Add a CSV of numbers (columns `number`, `description`, and `campaign` unless
        `?campaign=` names it) to one campaign: every row is checked first and each bad
        one reported with its line number; then all are written in one transaction, or
        none. A JSON array of objects with the same columns is taken too."""
        data = request.data
        self.check_role_write(None, {})
        on_duplicate = request.query_params.get("on_duplicate", "fail").lower()
        if on_duplicate not in ON_DUPLICATE:
            raise ApiError(fields={"on_duplicate": ["Use fail, skip or update."]})
        dry_run = request.query_params.get("dry_run", "").lower() in TRUE
        params = request.query_params
        named = params.get("campaign") or params.get("campaign_id") or params.get("caid")
        if not data:  # DRF reads an empty body as an empty form, whatever its type
            raise ApiError(
                "The body is empty: send the CSV (Content-Type: text/csv), its first line naming the "
                "columns: " + ", ".join(NumberImport.COLUMNS) + "."
            )
        if isinstance(data, str):
            reader = read_rows
        else:
            reader, data = read_objects, joined_tags(data)
        rows = list(
            reader(
                data,
                NumberImport.COLUMNS,
                required=("number",),
                aliases=NumberImport.ALIASES,
                ignored=NumberImport.IGNORED,
                max_rows=MAX_IMPORT_ROWS,
            )
        )
        plan = NumberImport(self._campaign_to_import_into(named, rows), on_duplicate)
        plan.read(rows)
        summary = {"campaign": plan.campaign.pk, "dry_run": dry_run, **plan.counts()}
        if dry_run:
            return Response(summary)
        with transaction.atomic():
            plan.write()
        return Response(summary, status=status.HTTP_201_CREATED if plan.new else status.HTTP_200_OK)

    def _campaign_to_import_into(self, named, rows):
        """`?campaign=`, else the `campaign` column, the same on every row. The query wins
        over the column, so that one campaign's CSV can be imported into another."""
        if not named:
            values = {row.get("campaign", "") for _line, row in rows}
            if len(values) > 1:
                line = next(
                    line for line, row in rows if row.get("campaign", "") != rows[0][1].get("campaign", "")
                )
                raise ApiError(f"Line {line}: one campaign per import; this row names another.")
            named = values.pop() if values else ""
        if not named or not str(named).isdigit():
            raise ApiError(
                fields={
                    "campaign": ["Give ?campaign=ID (or a campaign column), the campaign the numbers go to."]
                }
            )
        campaign = (
            self.scope_queryset(Campaign.objects.select_related("tenant")).filter(pk=int(named)).first()
        )
        if campaign is None:
            raise ApiError(fields={"campaign": [f"No campaign {named} in your tenants."]})
        return campaign


def tag_names(cell):
    """The tags of an import's `tags` cell: a JSON list, as the list's CSV writes it
    (`["lobby", "vip"]`), or names separated by commas, semicolons or spaces."""
    text = cell.strip()
    if text.startswith("["):
        try:
            names = json.loads(text)
        except ValueError:
            raise serializers.ValidationError(
                'Write a JSON list, e.g. ["vip", "lobby"], or vip;lobby.'
            ) from None
    else:
        names = [name for name in re.split(r"[,;\s]+", text) if name]
    return TagsField().to_internal_value(names)["_tags"]


def joined_tags(data):
    """A JSON import's rows with their `tags` lists as one cell each, like the CSV's."""
    items = data if isinstance(data, list) else [data]
    return [
        {**item, "tags": json.dumps(item["tags"])}
        if isinstance(item, dict) and isinstance(item.get("tags"), list)
        else item
        for item in items
    ]


class NumberImport:
    """One CSV import into one campaign: read() checks every row and raises a 400 listing
    the bad ones by line; write() stores the rest with bulk queries."""

    COLUMNS = ("number", "description", "campaign", "tags")
    ALIASES = {
        "cn_number": "number",
        "cn_description": "description",
        "phone": "number",
        "campaign_id": "campaign",
        "cn_ca_id": "campaign",
        "caid": "campaign",
    }
    # The other columns of the list's own CSV, so that an export can be imported back.
    IGNORED = (
        *(
            name
            for name in CampaignNumberSerializer.Meta.fields
            if name not in ("number", "description", "campaign", "tags")
        ),
        "history",
    )

    def __init__(self, campaign, on_duplicate):
        self.campaign, self.on_duplicate = campaign, on_duplicate
        self.rows = 0
        self.new, self.changed, self.skipped = [], [], 0
        self.new_tags = {}  # number -> tag names, for the rows that name some

    def counts(self):
        return {
            "rows": self.rows,
            "created": len(self.new),
            "updated": len(self.changed),
            "skipped": self.skipped,
        }

    def read(self, lines):
        """Check every (line, row); raise a 400 listing each bad row by line."""
        rows, errors, first_line = {}, {}, {}
        for line, row in lines:
            self.rows += 1
            try:
                number = normalize_e164(row.get("number", ""))
            except ValueError as error:
                errors[line] = {"line": line, "number": row.get("number", ""), "errors": [str(error)]}
                continue
            description = row.get("description", "")
            if len(description) > 255:
                errors[line] = {
                    "line": line,
                    "number": number,
                    "errors": ["description: at most 255 characters."],
                }
                continue
            try:
                names = tag_names(row["tags"]) if "tags" in row else None
            except serializers.ValidationError as error:
                errors[line] = {"line": line, "number": number, "errors": [f"tags: {error.detail[0]}"]}
                continue
            if number in first_line:
                if self.on_duplicate == "fail":
                    message = f"{number} is already on line {first_line[number]}."
                    errors[line] = {"line": line, "number": number, "errors": [message]}
                    continue
                if self.on_duplicate == "skip":
                    self.skipped += 1
                    continue
                del rows[first_line[number]]  # update: the last row wins
            first_line[number] = line
            rows[line] = (number, description, names)
        if not self.rows:
            raise ApiError("No rows to import: the CSV has a header but no rows.")
        self._check_against_stored(rows, errors)
        if errors:
            bad = [errors[line] for line in sorted(errors)]
            refused = [{"line": e["line"], "number": e["number"]} for e in bad if e.get("do_not_call")]
            raise ApiError(
                f"{len(bad)} of {self.rows} rows are invalid (first: line {bad[0]['line']}); nothing was written.",
                items=[{k: v for k, v in e.items() if k != "do_not_call"} for e in bad[:MAX_REPORTED]],
                do_not_call=refused[:MAX_REPORTED],
            )

    def _check_against_stored(self, rows, errors):
        """Numbers on the do-not-call list and numbers the campaign already has."""
        wanted = [number for number, _description, _names in rows.values()]
        refused = on_dnc_list(self.campaign.tenant, wanted)
        stored = {}
        for start in range(0, len(wanted), IN_CHUNK):
            chunk = wanted[start : start + IN_CHUNK]
            stored.update(
                (number.number, number)
                for number in CampaignNumber.objects.filter(campaign=self.campaign, number__in=chunk)
                .only("pk", "number", "description", "tenant_id", "campaign_id")
                .annotate(scope_tags=tags.names_subquery(CampaignNumber))
            )
        tenant = self.campaign.tenant
        for line, (number, description, names) in rows.items():
            if number in refused:
                message = f"{number} is on tenant {tenant.code}'s do-not-call list."
                errors[line] = {"line": line, "number": number, "errors": [message], "do_not_call": True}
            elif number in stored:
                if self.on_duplicate == "fail":
                    message = (
                        f"{number} is already in campaign {self.campaign.pk}: see on_duplicate=skip|update."
                    )
                    errors[line] = {"line": line, "number": number, "errors": [message]}
                elif self.on_duplicate == "skip" or (
                    stored[number].description == description
                    and names in (None, tags.names_of(stored[number]))
                ):
                    self.skipped += 1
                else:
                    self.changed.append((stored[number], description, names))
            else:
                self.new.append(
                    CampaignNumber(
                        tenant=tenant, campaign=self.campaign, number=number, description=description
                    )
                )
                if names:
                    self.new_tags[number] = names

    def write(self):
        created = CampaignNumber.objects.bulk_create(self.new, batch_size=2000)
        now = timezone.now()
        befores = []
        for number, description, names in self.changed:
            if names is not None:  # the change log shows the tags before and after
                _relations(number)["tags"] = tags.names_of(number)
            befores.append(changelog.snapshot(number))
            number.description, number.updated_at = description, now
            if names is not None:
                _relations(number)["tags"] = tags.assign(number, names)
        CampaignNumber.objects.bulk_update(
            [n for n, _d, _t in self.changed], ["description", "updated_at"], batch_size=2000
        )
        if created and created[0].pk is None:  # a backend that returns no ids from bulk inserts
            created = list(
                CampaignNumber.objects.filter(campaign=self.campaign, number__in=[n.number for n in created])
            )
        tags.assign_new(
            {number: self.new_tags[number.number] for number in created if number.number in self.new_tags},
            self.campaign.tenant_id,
        )
        changelog.record_many(created, changelog.CREATE, tenant=self.campaign.tenant)
        for (number, _description, _names), before in zip(self.changed, befores, strict=True):
            changelog.record(number, changelog.UPDATE, before, tenant=self.campaign.tenant)


class DoNotCallSerializer(PbxModelSerializer):
    """A number of the tenant's do-not-call list, in E.164."""

    url = DetailUrlField(view_name="donotcall-detail")
    tenant = TenantField()
    number = E164Field(max_length=24, help_text="Any notation; stored in E.164 (+390212345678).")

    class Meta:
        model = DoNotCall
        fields = ["id", "url", "tenant", "number", "description", "created_at", "updated_at"]
        validators = []
        unique_per_tenant = ["number"]


class DoNotCallFilterSet(PbxFilterSet):
    class Meta:
        model = DoNotCall
        fields = {"number": STRING_LOOKUPS, **TIMESTAMP_FIELDS}


class DoNotCallViewSet(PbxViewSet):
    """The do-not-call lists of the caller's tenants."""

    queryset = DoNotCall.objects.all()
    serializer_class = DoNotCallSerializer
    filterset_class = DoNotCallFilterSet
    search_fields = ["number", "description"]
    ordering_fields = ["number", "created_at", "updated_at", "id"]
