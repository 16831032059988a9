"""The route tools in the admin: where a call to a DID goes at a given moment, and which
outbound route and trunks a number dialled from an extension takes.

Both run the API's own engine (`routing.callpath.route`, as `GET /api/dids/<id>/route/`;
`routing.dialing.match`, as `GET /api/outbound-routes/match/`) on objects the staff user
may see: the DID through its admin's queryset, the extension among those the user may
pick. Anything else is not found (404), as another tenant's object is everywhere in the
admin. The pages add links to each object's admin page, and a hunt list's or queue's
members, to what the API answers.
"""

import datetime

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from apikeys import roles
from extensions.models import Extension
from pbx import destinations
from pbx.admin import pickable
from pbx.api.exceptions import ApiError
from routing import callpath, dialing
from routing.api.inbound import parse_moment
from routing.api.outbound import MatchQuerySerializer
from routing.models import DID, HuntListMember, QueueMember, Trunk, strip_separators

DID_TOOL_SLOTS = [
    ("DID", "Voice (DID)"),
    ("DID-SMS", "SMS (DID-SMS)"),
    ("DID-FAXSUCCESS", "Fax (DID-FAXSUCCESS)"),
]


class DIDRouteForm(forms.Form):
    """The questions of the DID tool; the same rules as the API's `route/` parameters."""

    at = forms.CharField(
        required=False,
        label="At",
        help_text="Leave empty for now. A local time is read in the platform's time zone; "
        "an ISO 8601 time with its offset (2026-12-25T10:00+01:00) as written.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "step": "60"}),
    )
    caller = forms.CharField(
        required=False, max_length=40, label="Caller number", help_text="Checked against the blacklist."
    )
    digits = forms.RegexField(
        r"^[0-9*# ]{0,64}$",
        required=False,
        label="Keys pressed",
        help_text="Keys the caller presses at the IVRs on the way (0-9, * and #); none: their timeout.",
        error_messages={"invalid": "Use up to 64 keys among 0-9, * and #."},
    )
    slot = forms.ChoiceField(choices=DID_TOOL_SLOTS, initial="DID", required=False)

    def clean_at(self):
        text = self.cleaned_data["at"].strip()
        if not text:
            return timezone.now()
        moment = None
        if "+" not in text[10:] and "-" not in text[10:] and not text.endswith("Z"):
            # A browser's datetime-local: no offset; the admin's times are the platform's.
            try:
                moment = timezone.make_aware(datetime.datetime.fromisoformat(text))
            except ValueError:
                moment = None
        if moment is None:
            try:
                moment = parse_moment(text)
            except ApiError:
                raise forms.ValidationError(
                    "Give a time such as 2026-12-25T10:00 or 2026-12-25T10:00+01:00."
                ) from None
        return moment

    def clean_caller(self):
        return strip_separators(self.cleaned_data["caller"].strip()) or None

    def clean_digits(self):
        return self.cleaned_data["digits"].replace(" ", "")


def admin_url(request, model, pk, site=admin.site):
    """The object's change page, when the user may open it there (a global object on a
    tenant administrator's way has none); else None. One query per link, on a chain of
    a few steps."""
    model_admin = site._registry.get(model)
    if model_admin is None or pk is None or not model_admin.has_view_permission(request):
        return None
    if not model_admin.get_queryset(request).filter(pk=pk).exists():
        return None
    try:
        return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[pk])
    except NoReverseMatch:
        return None


def _members(request, steps):
    """{(type, id): [members]} of the hunt lists and queues in the chain, each member with
    the link to its extension: one query per kind."""
    found = {}
    for code, model, owner in (
        ("HUNTLIST", HuntListMember, "hunt_list_id"),
        ("QUEUE", QueueMember, "queue_id"),
    ):
        ids = {step["id"] for step in steps if step["type"] == code and step["id"] is not None}
        if not ids:
            continue
        rows = model.objects.filter(**{f"{owner}__in": ids}).select_related("extension")
        for row in rows.order_by(owner, "position", "id"):
            label = str(row.extension) if row.extension_id else getattr(row, "number", "") or str(row)
            found.setdefault((code, getattr(row, owner)), []).append(
                {"label": label, "url": admin_url(request, Extension, row.extension_id)}
            )
    return found


def decorate_chain(request, answer):
    """The API's chain, each step with the link to its object's admin page (where the user
    may see it) and, for a hunt list or a queue, its members."""
    members = _members(request, answer["chain"])
    steps = []
    for step in answer["chain"]:
        target = destinations.target_type(step["type"])
        model = DID if step["type"] == "DID" else (target.model if target is not None else None)
        url = admin_url(request, model, step["id"]) if model is not None else None
        steps.append({**step, "url": url, "members": members.get((step["type"], step["id"]), [])})
    return steps


def did_route_view(model_admin, request, object_id):
    """`/admin/routing/did/<id>/route/`: the DID's route chain now or at a given time."""
    did = model_admin.get_object(request, object_id)
    if did is None or not model_admin.has_view_permission(request, did):
        raise Http404("No such DID.")
    form = DIDRouteForm(request.GET or None)
    answer = steps = None
    if form.is_valid() or not request.GET:
        data = (
            form.cleaned_data
            if request.GET
            else {"at": timezone.now(), "caller": None, "digits": "", "slot": "DID"}
        )
        answer = callpath.route(
            did, data["at"], slot=data["slot"] or "DID", digits=data["digits"], caller=data["caller"]
        )
        steps = decorate_chain(request, answer)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"Where a call to {did.number} goes",
        "opts": model_admin.model._meta,
        "original": did,
        "form": form,
        "answer": answer,
        "steps": steps,
        "time_zone": timezone.get_current_timezone_name(),
        "api_url": reverse("did-route", args=[did.pk]),
    }
    return TemplateResponse(request, "admin/routing/did/route_tool.html", context)


class OutboundMatchForm(forms.Form):
    """The questions of the outbound tool: the dialling extension (among those the user
    may pick) and the number dialled."""

    extension = forms.ModelChoiceField(queryset=Extension.objects.none(), label="Dialling extension")
    number = forms.CharField(max_length=40, label="Number dialled")

    def __init__(self, *args, extensions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["extension"].queryset = extensions

    def clean(self):
        cleaned = super().clean()
        if "number" in cleaned and cleaned.get("extension") is not None:
            # The API's own check of the number (MatchQuerySerializer).
            query = MatchQuerySerializer(data={"number": strip_separators(cleaned["number"].strip()) or ""})
            if not query.is_valid():
                for message in query.errors.get("number", []):
                    self.add_error("number", str(message))
            else:
                cleaned["number"] = query.validated_data["number"]
        return cleaned


def outbound_match_view(model_admin, request, object_id=None):
    """`/admin/routing/outboundroute/match/` (and `<id>/match/` from a route's page):
    which route and trunks a number dialled from an extension takes, and the number as
    sent after strip and prepend."""
    route = None
    if object_id is not None:
        route = model_admin.get_object(request, object_id)
        if route is None or not model_admin.has_view_permission(request, route):
            raise Http404("No such outbound route.")
    elif not model_admin.has_view_permission(request):
        raise PermissionDenied
    reach = pickable(Extension, request)
    extensions = (
        (reach if reach is not None else Extension.objects.all())
        .select_related("tenant", "routing_profile", "tenant__routing_profile")
        .order_by("tenant__code", "number")
    )
    if route is not None and route.tenant_id is not None:
        extensions = extensions.filter(tenant_id=route.tenant_id)
    # From an extension's page, `?extension=<id>` alone picks the extension: the form waits
    # for the number.
    asked = "number" in request.GET
    form = OutboundMatchForm(
        request.GET if asked else None,
        initial=request.GET.dict() if not asked else None,
        extensions=extensions,
    )
    answer = None
    if asked and form.is_valid():
        extension = form.cleaned_data["extension"]
        answer = dialing.match(
            form.cleaned_data["number"],
            tenant=extension.tenant,
            extension=extension,
            sees_platform=roles.role_of(request.user) == roles.ADMIN,  # who may read every trunk
        )
        if answer["route"] is not None:
            answer["route"]["url"] = admin_url(request, model_admin.model, answer["route"]["id"])
        for trunk in answer["trunks"]:
            trunk["url"] = admin_url(request, Trunk, trunk["id"])
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "Which route does this number take?",
        "opts": model_admin.model._meta,
        "original": route,
        "form": form,
        "answer": answer,
        "this_route_taken": route is not None
        and answer is not None
        and (answer["route"] or {}).get("id") == route.pk,
    }
    return TemplateResponse(request, "admin/routing/outboundroute/match_tool.html", context)
