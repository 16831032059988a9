"""Destinations by name in the admin (docs/admin.md#destinations-by-name).

Every model with destination slots (pbx.destinations) gets, on its change page, one
field holding all its slots: per slot an ordered list of rows, each a target type
chosen among the slot's allowed types and a target found by searching the tenant's
objects by label ("voicemail 100 (Reception)", "IVR Main menu"). No id is ever typed:
the search view below answers with labels and the page keeps the picked id in a hidden
input. What is posted goes through `destinations.clean`, the API's own check, so an id
of another tenant is refused exactly like an id that does not exist.

Every model that can be pointed at gets a read-only "Used by" field listing its
referrers (`destinations.referrers_of`, as the API's `referenced_by`), each linked to
its admin page when the administrator may see it.

`DestinationsAdminMixin` is a base of the kernel's RoleAwareAdmin, so no app has
anything to declare. pbx.admin is imported inside functions: it imports this module.
"""

from django import forms
from django.contrib import admin
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join

from pbx import destinations
from pbx.admin_widgets import lookup_refusal
from pbx.api.exceptions import error_response
from pbx.models import Destination

FIELD = "destinations"
USED_BY = "used_by"
SEARCH_LIMIT = 20
ALWAYS_SHOWN = 4  # the first slots of an owner, shown even when empty; the rest fold away


def slots_shown(owner, instance):
    """The owner's fixed slots, then any open-ended one (CUSTOMIVR_<name>) in use."""
    shown = list(owner.slots)
    if instance is not None and instance.pk is not None and owner.prefixes:
        used = Destination.objects.filter(owner_type=owner.model._meta.label_lower, owner_id=instance.pk)
        for slot in used.order_by("slot").values_list("slot", flat=True).distinct():
            if slot not in shown:
                shown.append(slot)
    return shown


def allowed_types(owner, slot):
    """The target types a slot takes, as (code, name, needs an id), in the order shown."""
    codes = owner.allowed_types.get(slot) or sorted(destinations.target_types())
    found = []
    for code in codes:
        target = destinations.target_type(code)
        if target is None:
            continue
        name = target.describe() if target.model is None else str(target.model._meta.verbose_name)
        found.append((code, name, target.model is not None))
    return found


def tenant_filter(model, tenant_id):
    """Targets an owner of `tenant_id` may point at: its tenant's and the global ones,
    as `destinations.clean` accepts them."""
    if not any(f.name == "tenant" for f in model._meta.concrete_fields):
        return Q()
    return (
        Q(tenant_id=tenant_id) | Q(tenant__isnull=True) if tenant_id is not None else Q(tenant__isnull=True)
    )


def reachable_targets(request, model, tenant_id):
    """The objects of `model` the staff user may pick for an owner of `tenant_id`."""
    from pbx.admin import pickable

    reach = pickable(model, request)
    queryset = model._default_manager.all() if reach is None else reach
    return queryset.filter(tenant_filter(model, tenant_id))


def labels_for(request, rows, tenant_id):
    """{(code, id): label} of the targets in `rows` the user reaches; any other id gets
    no label, so a page redisplayed after an error names nothing of another tenant."""
    wanted = {}
    for code, target_id in rows:
        if target_id is not None:
            wanted.setdefault(code, set()).add(target_id)
    labels = {}
    for code, ids in wanted.items():
        target = destinations.target_type(code)
        if target is None or target.model is None:
            continue
        for obj in reachable_targets(request, target.model, tenant_id).filter(pk__in=ids):
            labels[(code, obj.pk)] = target.describe(obj)
    return labels


class DestinationsWidget(forms.Widget):
    """All slots of one owner, each an ordered list of (type, target) rows. Posted as
    `destinations-<slot>-type` and `destinations-<slot>-id`, one pair per row, in the
    page's order (the order of preference)."""

    template_name = "admin/widgets/destinations.html"

    class Media:
        js = ["pbx/admin/destinations.js"]
        css = {"all": ["pbx/admin/widgets.css"]}

    def __init__(self, owner=None, slots=(), tenant_id=None, request=None, attrs=None):
        super().__init__(attrs)
        self.owner, self.slots, self.tenant_id, self.request = owner, list(slots), tenant_id, request

    def value_from_datadict(self, data, files, name):
        if f"{name}-present" not in data:
            return None  # the field was not on the page posted: leave the slots alone
        value = {}
        for slot in self.slots:
            types = data.getlist(f"{name}-{slot}-type")
            ids = data.getlist(f"{name}-{slot}-id")
            value[slot] = [
                {"type": code, "id": ids[index].strip() if index < len(ids) and ids[index].strip() else None}
                for index, code in enumerate(types)
                if code
            ]
        return value

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        value = value if isinstance(value, dict) else {}
        rows = [
            (item.get("type"), _as_id(item.get("id"))) for items in value.values() for item in items or []
        ]
        labels = labels_for(self.request, rows, self.tenant_id) if self.request is not None else {}
        slots = []
        for slot in self.slots:
            types = allowed_types(self.owner, slot)
            slots.append(
                {
                    "name": slot,
                    "types": types,
                    "rows": [
                        {
                            "type": item.get("type"),
                            "id": item.get("id") or "",
                            "label": labels.get((item.get("type"), _as_id(item.get("id"))), ""),
                        }
                        for item in value.get(slot) or []
                    ],
                }
            )
        # A schedule has 22 slots, an IVR 21: the empty ones after the first few are
        # folded under "more slots" so that the page shows what is set.
        shown = [slot for index, slot in enumerate(slots) if index < ALWAYS_SHOWN or slot["rows"]]
        context["widget"].update(
            {
                "slots": shown,
                "more_slots": [slot for slot in slots if slot not in shown],
                "search_url": reverse("admin-destination-targets"),
                "tenant_id": "" if self.tenant_id is None else self.tenant_id,
            }
        )
        return context


def _as_id(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class DestinationsField(forms.Field):
    """An owner's slots as {slot: [{"type": code, "id": id or None}]}. The form checks
    them against the owner's tenant once the tenant is known (DestinationsFormMixin)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", "Destinations")
        super().__init__(**kwargs)

    def has_changed(self, initial, data):
        return data is not None and _texts(initial) != _texts(data)


def _texts(value):
    """{slot: ["EXT-101", ...]} of a field value, as destinations.current() reads slots."""
    if not isinstance(value, dict):
        return {}
    return {
        slot: [f"{item['type']}-{item['id']}" if item.get("id") else item["type"] for item in items or []]
        for slot, items in value.items()
    }


class DestinationsFormMixin(forms.BaseForm):
    """Checks the posted slots with the API's `destinations.clean` for the owner's tenant
    and keeps the result for the admin's save (`cleaned_slots`)."""

    owner_model = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        posted_tenant = _as_id(self.data.get("tenant")) if self.is_bound else None
        if posted_tenant is not None and FIELD in self.fields:
            # A page sent back with errors labels the targets picked for the tenant
            # chosen on it (an object being added has no tenant yet); labels_for still
            # names only what the user reaches.
            self.fields[FIELD].widget.tenant_id = posted_tenant

    def clean(self):
        cleaned = super().clean()
        cleaned = self.cleaned_data if cleaned is None else cleaned
        self.cleaned_slots = None
        sent = cleaned.get(FIELD)
        if sent is None or FIELD in self.errors:
            return cleaned
        if "tenant" in self.fields:
            if "tenant" not in cleaned:
                return cleaned  # the tenant itself is in error; say that first
            tenant_id = cleaned["tenant"].pk if cleaned["tenant"] else None
        else:
            tenant_id = getattr(self.instance, "tenant_id", None)
        slots, errors = destinations.clean(self.owner_model, tenant_id, sent)
        for slot, messages in errors.items():
            self.add_error(FIELD, f"{slot}: {' '.join(messages)}")
        if not errors:
            self.cleaned_slots = slots
        return cleaned


class UsedByWidget(forms.Widget):
    """The objects pointing at this one, linked where the administrator may open them."""

    def __init__(self, items=(), attrs=None):
        super().__init__(attrs)
        self.items = list(items)

    def render(self, name, value, attrs=None, renderer=None):
        if not self.items:
            return format_html('<p class="pbx-used-by">{}</p>', "Nothing points here.")
        rows = format_html_join(
            "",
            '<li>{} <span class="quiet">({})</span></li>',
            (
                (format_html('<a href="{}">{}</a>', url, label) if url else label, slot)
                for label, url, slot in self.items
            ),
        )
        return format_html('<ul class="pbx-used-by">{}</ul>', rows)

    def value_from_datadict(self, data, files, name):
        return None


def used_by(request, obj, admin_site):
    """[(label, admin url or None, slot)] of the referrers of `obj` the user may see."""
    from pbx.admin import tenant_ids_of

    admins = {
        model._meta.model_name: (model, model_admin) for model, model_admin in admin_site._registry.items()
    }
    found = []
    for item in destinations.referrers_of(obj, tenant_ids_of(request.user)):
        url = None
        model, model_admin = admins.get(item["type"], (None, None))
        if model is not None:
            referrer = model._default_manager.filter(pk=item["id"]).first()
            if referrer is not None and model_admin.has_view_permission(request, referrer):
                try:
                    url = reverse(
                        f"{admin_site.name}:{model._meta.app_label}_{model._meta.model_name}_change",
                        args=[item["id"]],
                    )
                except NoReverseMatch:
                    url = None
        found.append((item["label"], url, item["slot"]))
    return found


class DestinationsAdminMixin:
    """The destinations field on every owner's page and "Used by" on every target's.
    A base of pbx.admin.RoleAwareAdmin (its save_model logs the slots' before and after)."""

    def get_form(self, request, obj=None, **kwargs):
        extra = {}
        owner = destinations.owner_slots(self.model)
        if owner is not None:
            tenant_id = getattr(obj, "tenant_id", None)
            shown = slots_shown(owner, obj)
            stored = destinations.current(obj, shown) if obj is not None and obj.pk is not None else {}
            extra[FIELD] = DestinationsField(
                initial={slot: [_parse_text(text) for text in stored.get(slot, [])] for slot in shown},
                widget=DestinationsWidget(owner, shown, tenant_id, request),
                help_text="Where calls go, slot by slot, in order: pick a type, then search its name.",
            )
        if obj is not None and obj.pk is not None and destinations.is_target(self.model):
            extra[USED_BY] = forms.Field(
                label="Used by",
                required=False,
                disabled=True,
                widget=UsedByWidget(used_by(request, obj, self.admin_site)),
            )
        if extra:
            base = kwargs.get("form", self.form)
            mixins = (DestinationsFormMixin, base) if owner is not None else (base,)
            kwargs["form"] = type(
                base.__name__, mixins, {**extra, "owner_model": self.model, "__module__": base.__module__}
            )
        return super().get_form(request, obj, **kwargs)

    def get_fieldsets(self, request, obj=None):
        from pbx.admin import _without

        fieldsets = super().get_fieldsets(request, obj)
        added = []
        if destinations.owner_slots(self.model) is not None:
            added.append(FIELD)
        if obj is not None and obj.pk is not None and destinations.is_target(self.model):
            added.append(USED_BY)
        if not added:
            return fieldsets
        kept = [
            (title, {**options, "fields": _without(options["fields"], added)}) for title, options in fieldsets
        ]
        kept = [(title, options) for title, options in kept if options["fields"]]
        if FIELD in added:
            kept.append(("Destinations", {"fields": [FIELD], "classes": ["pbx-destinations"]}))
        if USED_BY in added:
            kept.append(("Used by", {"fields": [USED_BY]}))
        return kept

    def relations_before_save(self, form):
        """What the change log's "before" adds to the stored fields: the slots this form
        edits, as they are stored."""
        before = getattr(super(), "relations_before_save", lambda form: {})(form)
        slots = getattr(form, "cleaned_slots", None)
        if slots is not None and form.instance.pk is not None:
            before[FIELD] = destinations.current(form.instance, slots)
        return before

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        slots = getattr(form, "cleaned_slots", None)
        if slots is None:
            return
        before = destinations.current(obj, slots) if change else None
        if before is not None and before == destinations.texts(slots):
            written = before  # unchanged: rewriting would only renumber the rows
        else:
            written = destinations.write(obj, slots, created=not change)
        # The change log's "after" (pbx.changelog.snapshot), as the API's serializer does.
        obj.__dict__.setdefault("_pbx_relations", {})[FIELD] = written


def _parse_text(text):
    code, _, target_id = text.partition("-")
    return {"type": code, "id": int(target_id) if target_id else None}


def destination_targets(request):
    """GET /admin/pbx/destination-targets/?type=IVR&tenant=3&q=main: the targets of one
    type a staff user may pick for an owner of that tenant, searched like the type's
    admin list, as {"results": [{"id", "label"}]}. A tenant outside the user's reach
    answers like a tenant that does not exist."""
    from pbx.admin import tenant_ids_of

    if refused := lookup_refusal(request, ["type", "tenant", "q"], "pick destinations"):
        return refused
    code = request.GET.get("type", "").strip().upper()
    target = destinations.target_type(code)
    if target is None or target.model is None:
        known = ", ".join(sorted(c for c, t in destinations.target_types().items() if t.model is not None))
        return error_response(400, "invalid_type", f"Give type=, one of {known}.")
    tenant_id = None
    raw_tenant = request.GET.get("tenant", "").strip()
    if raw_tenant:
        tenant_id = _as_id(raw_tenant) if raw_tenant.isascii() and raw_tenant.isdigit() else None
        reach = tenant_ids_of(request.user)
        if (
            tenant_id is None
            or (reach is not None and tenant_id not in reach)
            or not _tenant_exists(tenant_id)
        ):
            return error_response(404, "tenant_not_found", f"No tenant {raw_tenant} among yours.")
    queryset = reachable_targets(request, target.model, tenant_id)
    model_admin = admin.site._registry.get(target.model)
    query = request.GET.get("q", "").strip()
    if query and model_admin is not None:
        queryset, duplicates = model_admin.get_search_results(request, queryset, query)
        if duplicates:
            queryset = queryset.distinct()
    results = [{"id": obj.pk, "label": target.describe(obj)} for obj in queryset[:SEARCH_LIMIT]]
    return _json({"results": results})


def _tenant_exists(tenant_id):
    from tenants.models import Tenant

    return Tenant.objects.filter(pk=tenant_id).exists()


def _json(data):
    from django.http import JsonResponse

    return JsonResponse(data)
