"""Form widgets of the pbx admin (docs/admin.md#widgets), in place of raw JSON text
areas and bare ids: an ordered multi-select (codecs), weekday checkboxes and time
inputs (a schedule's week grid), date inputs (holidays), a field checked as it is typed
(dial patterns) and a tag picker. Their script and style are pbx/static/pbx/admin/*:
no outside script.

The live check and the tag suggestions are small JSON views under /admin/pbx/ (see
pbx/urls.py), behind the admin's login.
"""

import functools

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import JsonResponse
from django.urls import reverse

from apikeys import roles
from pbx.api import tags
from pbx.api.exceptions import error_response
from tenants.models import Tag, tag_name_validator

MEDIA = forms.Media(js=["pbx/admin/widgets.js"], css={"all": ["pbx/admin/widgets.css"]})


# --- an ordered multi-select -----------------------------------------------------------


class OrderedMultipleChoiceWidget(forms.SelectMultiple):
    """Two lists: the choices left and the chosen ones, in order, with buttons to move
    a choice across and up or down. The chosen list is what is posted, in its order."""

    template_name = "admin/widgets/ordered_choices.html"
    media = MEDIA

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        chosen = [str(item) for item in value or []]
        labels = {str(key): label for key, label in self.choices}
        context["widget"]["chosen"] = [(key, labels.get(key, key)) for key in chosen]
        context["widget"]["available"] = [(key, label) for key, label in labels.items() if key not in chosen]
        return context

    def format_value(self, value):
        return [str(item) for item in value or []]


class OrderedMultipleChoiceField(forms.MultipleChoiceField):
    """A list of choices in order of preference, each once (the API drops repeats the
    same way)."""

    widget = OrderedMultipleChoiceWidget

    def clean(self, value):
        return list(dict.fromkeys(super().clean(value) or []))

    def has_changed(self, initial, data):
        return [str(item) for item in initial or []] != [str(item) for item in data or []]


# --- weekdays, times, dates ------------------------------------------------------------


class WeekdaysWidget(forms.CheckboxSelectMultiple):
    """The days of one row of a week grid, side by side."""

    media = MEDIA

    def __init__(self, attrs=None, choices=()):
        super().__init__({"class": "pbx-weekdays", **(attrs or {})}, choices)


class WeekdaysField(forms.MultipleChoiceField):
    """Days of the week as a row of checkboxes, stored as the model stores them
    (["mon", "tue"]), always in the week's order."""

    def __init__(self, weekdays, **kwargs):
        self.weekdays = list(weekdays)
        kwargs.setdefault("widget", WeekdaysWidget)
        super().__init__(choices=[(day, day.capitalize()) for day in self.weekdays], **kwargs)

    def clean(self, value):
        chosen = set(super().clean(value) or [])
        return [day for day in self.weekdays if day in chosen]


class TimeInput(forms.TimeInput):
    """The browser's own time picker (HH:MM)."""

    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


class DateInput(forms.DateInput):
    """The browser's own date picker; the value is ISO (YYYY-MM-DD) both ways."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


# --- a field checked as it is typed ----------------------------------------------------

_live_checked = {}  # "app_label.model.field" -> model field


def live_checked(model, field_name):
    """A text input whose value is checked as it is typed by the model field's own
    validators (those the API runs), through dial_pattern_check below."""
    key = f"{model._meta.label_lower}.{field_name}"
    _live_checked[key] = model._meta.get_field(field_name)
    return LiveCheckedInput(key)


class LiveCheckedInput(forms.TextInput):
    """See live_checked()."""

    template_name = "admin/widgets/live_checked.html"
    media = MEDIA

    def __init__(self, key, attrs=None):
        super().__init__(attrs)
        self.key = key

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].update(
            {"data-check-url": reverse("admin-dial-pattern-check"), "data-check-field": self.key}
        )
        return context


def lookup_refusal(request, parameters, use):
    """The admin's JSON lookups' shared door: an error response for a user who is not an
    administrator (the admin's own door sends them to the login page first; this holds
    if a lookup is ever wired without it) or for a parameter the lookup does not take,
    else None. `use` names the lookup's purpose in the message."""
    if roles.role_of(request.user) not in roles.STAFF_ROLES:
        return error_response(403, "permission_denied", f"Only administrators {use}.")
    unknown = sorted(set(request.GET) - set(parameters))
    if unknown:
        allowed = ", ".join(parameters[:-1]) + f" and {parameters[-1]}"
        return error_response(
            400, "unknown_parameter", f"Unknown parameter {', '.join(unknown)}: use {allowed}."
        )
    return None


def dial_pattern_check(request):
    """GET /admin/pbx/dial-pattern-check/?field=routing.dialpattern.match&value=_00X.:
    {"valid": true} or {"valid": false, "message": "..."}, by the field's validators."""
    if refused := lookup_refusal(request, ["field", "value"], "use the admin's checks"):
        return refused
    field = _live_checked.get(request.GET.get("field", "routing.dialpattern.match"))
    if field is None:
        return error_response(400, "unknown_field", f"No live check for {request.GET.get('field')!r}.")
    value = request.GET.get("value", "")
    if not value:
        return JsonResponse({"valid": False, "message": "Type a pattern."})
    try:
        field.clean(value, None)
    except ValidationError as error:
        return JsonResponse({"valid": False, "message": " ".join(error.messages)})
    return JsonResponse({"valid": True, "message": "Valid."})


# --- tags ------------------------------------------------------------------------------


class TagsInput(forms.TextInput):
    """Tag names separated by commas, with the tenant's existing tags suggested as a
    name is typed (tag_names below)."""

    template_name = "admin/widgets/tags.html"
    media = MEDIA

    def __init__(self, tenant_id=None, attrs=None):
        super().__init__(attrs)
        self.tenant_id = tenant_id

    def format_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(value)
        return value

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].update(
            {
                "data-suggest-url": reverse("admin-tag-names"),
                "data-tenant": "" if self.tenant_id is None else self.tenant_id,
                "autocomplete": "off",
            }
        )
        return context


class TagsField(forms.CharField):
    """The object's tags, checked as the API checks them (pbx.api.tags.TagsField)."""

    widget = TagsInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", "Separate tags with commas; a new name creates the tag.")
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, list | tuple):
            return sorted(value)
        text = super().to_python(value) or ""
        names = sorted({name.strip().lower() for name in text.split(",") if name.strip()})
        bad = [name for name in names if not tag_name_validator.regex.match(name)]
        if bad:
            raise ValidationError(f"Invalid tag name {bad[0]!r}. {tag_name_validator.message}")
        if len(names) > tags.MAX_TAGS:
            raise ValidationError(f"At most {tags.MAX_TAGS} tags per object.")
        return names

    def has_changed(self, initial, data):
        try:
            return sorted(initial or []) != self.to_python(data)
        except ValidationError:
            return True


def tag_names(request):
    """GET /admin/pbx/tag-names/?tenant=3&q=vi: the names of the tags an object of that
    tenant may carry (the tenant's), or of an object without a tenant (the global ones).
    A tenant outside the user's reach answers like one that does not exist."""
    from pbx.admin import tenant_ids_of

    if refused := lookup_refusal(request, ["tenant", "q"], "use the admin's lookups"):
        return refused
    raw = request.GET.get("tenant", "").strip()
    reach = tenant_ids_of(request.user)
    if raw:
        tenant_id = int(raw) if raw.isascii() and raw.isdigit() else None
        if tenant_id is None or (reach is not None and tenant_id not in reach):
            return error_response(404, "tenant_not_found", f"No tenant {raw} among yours.")
        found = Tag.objects.filter(tenant_id=tenant_id)
    else:
        found = Tag.objects.filter(tenant__isnull=True) if reach is None else Tag.objects.none()
    query = request.GET.get("q", "").strip().lower()
    if query:
        found = found.filter(Q(name__startswith=query) | Q(name__contains=query))
    return JsonResponse({"results": list(found.order_by("name").values_list("name", flat=True)[:20])})


# --- tags on every object's page -------------------------------------------------------


@functools.cache
def is_taggable(model):
    """Whether `model`'s objects carry tags in the admin: a tenant's objects whose API
    resource has `tags` (not the tags themselves, call records or deliveries)."""
    from pbx.api.spreadsheets import viewset_of

    if not any(field.name == "tenant" for field in model._meta.concrete_fields):
        return False
    serializer = getattr(viewset_of(model), "serializer_class", None)
    return serializer is not None and getattr(serializer.Meta, "taggable", True)


class TagsAdminMixin:
    """A tag picker on the page of every taggable object; a base of pbx.admin.RoleAwareAdmin.
    Tags are written with the API's tags.assign (missing ones created in the object's
    tenant) and logged with the object, before and after."""

    def get_form(self, request, obj=None, **kwargs):
        if is_taggable(self.model):
            base = kwargs.get("form", self.form)
            initial = tags.names_of(obj) if obj is not None and obj.pk is not None else []
            field = TagsField(initial=initial, widget=TagsInput(getattr(obj, "tenant_id", None)))
            kwargs["form"] = type(base.__name__, (base,), {"tags": field, "__module__": base.__module__})
        return super().get_form(request, obj, **kwargs)

    def get_fieldsets(self, request, obj=None):
        from pbx.admin import _without

        fieldsets = super().get_fieldsets(request, obj)
        if not is_taggable(self.model):
            return fieldsets
        kept = [
            (title, {**options, "fields": _without(options["fields"], ["tags"])})
            for title, options in fieldsets
        ]
        first_title, first = kept[0]
        return [(first_title, {**first, "fields": [*first["fields"], "tags"]}), *kept[1:]]

    def relations_before_save(self, form):
        before = getattr(super(), "relations_before_save", lambda form: {})(form)
        if "tags" in form.fields and form.instance.pk is not None:
            before["tags"] = tags.names_of(type(form.instance)._default_manager.get(pk=form.instance.pk))
        return before

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "tags" not in form.fields or not is_taggable(type(obj)):
            return
        names = form.cleaned_data.get("tags") or []
        stored = tags.names_of(obj) if change else []
        written = stored if names == stored else tags.assign(obj, names, created=not change)
        obj.__dict__.setdefault("_pbx_relations", {})["tags"] = written
