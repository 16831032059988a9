"""Admin base classes: what a staff user may see follows the same roles as the API.

A platform admin (superuser or admin_api) sees everything. A tenant admin
(minor_admin_api, staff) sees and edits only the objects of its own tenants: the lists
are filtered, the tenant choices are limited, and another tenant's object is not found
even by URL. Platform objects are for platform admins only.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.checks import InlineModelAdminChecks
from django.db import transaction

from apikeys import roles
from pbx import changelog, destinations
from pbx.api import tags
from pbx.models import ChangeLog, Destination
from tenants.models import Membership


def tenant_ids_of(user):
    """The tenants a staff user administers, or None for all of them."""
    role = roles.role_of(user)
    if role == roles.ADMIN:
        return None
    if role != roles.MINOR_ADMIN:
        return set()
    cached = getattr(user, "_pbx_admin_tenants", None)
    if cached is None:
        cached = set(Membership.objects.filter(user=user).values_list("tenant_id", flat=True))
        user._pbx_admin_tenants = cached
    return cached


class RoleAwareAdmin(admin.ModelAdmin):
    """Permissions by API role rather than by per-model Django permissions; every save and
    delete is recorded in the change log, and the history page shows it."""

    object_history_template = "admin/pbx/change_history.html"

    # True for platform objects: only platform admins see them at all.
    platform_only = False

    def _is_platform_admin(self, request):
        return roles.role_of(request.user) == roles.ADMIN

    def _is_tenant_admin(self, request):
        return roles.role_of(request.user) == roles.MINOR_ADMIN and not self.platform_only

    def _allowed(self, request, obj=None):
        return self._is_platform_admin(request) or (
            self._is_tenant_admin(request) and (obj is None or self.in_scope(request, obj))
        )

    def in_scope(self, request, obj):
        return True

    def has_module_permission(self, request):
        return self._allowed(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request, obj)

    def has_add_permission(self, request):
        return self._allowed(request)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request, obj)

    # --- the change log ---------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        before = changelog.snapshot(type(obj)._default_manager.get(pk=obj.pk)) if change else None
        with changelog.change_context(actor=request.user, source="admin"):
            super().save_model(request, obj, form, change)
            changelog.record(obj, changelog.UPDATE if change else changelog.CREATE, before)

    def delete_model(self, request, obj):
        with changelog.change_context(actor=request.user, source="admin"):
            changelog.record(obj, changelog.DELETE, changelog.snapshot(obj))
            tags.forget(obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)

    def save_formset(self, request, form, formset, change):
        """Inline rows (memberships, members ...) are logged one by one like the rest."""
        with changelog.change_context(actor=request.user, source="admin"):
            for obj in formset.save(commit=False):
                before = changelog.snapshot(type(obj)._default_manager.get(pk=obj.pk)) if obj.pk else None
                obj.save()
                changelog.record(obj, changelog.UPDATE if before else changelog.CREATE, before)
            for obj in formset.deleted_objects:
                changelog.record(obj, changelog.DELETE, changelog.snapshot(obj))
                obj.delete()
            formset.save_m2m()

    def history_view(self, request, object_id, extra_context=None):
        """The object's change log, newest first, with each change's before and after."""
        entries = []
        obj = self.get_object(request, object_id)
        if obj is not None:
            for row in ChangeLog.objects.filter(object_type=obj._meta.model_name, object_id=obj.pk).order_by(
                "-time", "-id"
            )[:200]:
                fields = row.changed_fields or sorted(set(row.after or row.before or {}))
                diff = [((row.before or {}).get(name), (row.after or {}).get(name), name) for name in fields]
                entries.append({"row": row, "diff": diff})
        return super().history_view(request, object_id, {**(extra_context or {}), "entries": entries})


@admin.register(ChangeLog)
class ChangeLogAdmin(RoleAwareAdmin):
    """The change log, read-only: a tenant admin sees its tenants' rows."""

    list_display = ["time", "action", "object_type", "object_label", "tenant_code", "actor_name", "source"]
    list_filter = ["action", "object_type", "source"]
    search_fields = ["object_label", "actor_name", "request_id", "api_key_prefix"]
    date_hierarchy = "time"
    readonly_fields = [f.name for f in ChangeLog._meta.fields]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        tenant_ids = tenant_ids_of(request.user)
        return queryset if tenant_ids is None else queryset.filter(tenant_id__in=tenant_ids)

    def in_scope(self, request, obj):
        tenant_ids = tenant_ids_of(request.user)
        return tenant_ids is None or obj.tenant_id in tenant_ids

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TenantScopedAdmin(RoleAwareAdmin):
    """Admin of a tenant-owned model: a tenant admin works inside its tenants only."""

    list_select_related = ("tenant",)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        tenant_ids = tenant_ids_of(request.user)
        return queryset if tenant_ids is None else queryset.filter(tenant_id__in=tenant_ids)

    def in_scope(self, request, obj):
        tenant_ids = tenant_ids_of(request.user)
        return tenant_ids is None or obj.tenant_id in tenant_ids

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "tenant":
            tenant_ids = tenant_ids_of(request.user)
            if tenant_ids is not None:
                kwargs["queryset"] = db_field.related_model.objects.filter(pk__in=tenant_ids)
                kwargs["required"] = True  # global objects (no tenant) are the platform's
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        if tenant_ids_of(request.user) is None and "tenant" not in filters:
            filters.insert(0, "tenant")
        return filters


class DestinationForm(forms.ModelForm):
    """One destination row: the slot, and the target as a registered type and an id."""

    target_type = forms.ChoiceField(choices=())

    class Meta:
        model = Destination
        fields = ["slot", "position", "target_type", "target_id"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_type"].choices = [(code, code) for code in sorted(destinations.target_types())]
        self.fields["target_id"].required = False
        # Left blank, a row goes after the others of its slot (see DestinationFormSet.clean).
        self.fields["position"].required = False


PARKED_POSITION = 32767  # the largest PositiveSmallIntegerField; no slot is that long


class DestinationFormSet(forms.BaseModelFormSet):
    """The destination rows of one owner, edited inline on the owner's page. Each row is
    checked like the API checks it: a slot the owner has, a target of its tenant."""

    def __init__(
        self, data=None, files=None, instance=None, save_as_new=False, prefix=None, queryset=None, **kwargs
    ):
        self.instance = instance if instance is not None else self.owner_model()
        rows = Destination.objects.none()
        if self.instance.pk is not None and not save_as_new:
            rows = Destination.objects.filter(
                owner_type=self.owner_model._meta.label_lower, owner_id=self.instance.pk
            )
        super().__init__(data, files, prefix=prefix, queryset=rows.order_by("slot", "position"), **kwargs)

    @classmethod
    def get_default_prefix(cls):
        return "destinations"

    def clean(self):
        super().clean()
        kept = [form for form in self.forms if self._is_kept(form)]
        self._number_positions(kept)
        for form in kept:
            data = form.cleaned_data
            code, target_id = data["target_type"], data.get("target_id")
            item = code if target_id is None else f"{code}-{target_id}"
            _cleaned, errors = destinations.clean(
                self.owner_model, getattr(self.instance, "tenant_id", None), {data["slot"]: [item]}
            )
            for messages in errors.values():
                form.add_error(None, " ".join(messages))

    @staticmethod
    def _is_kept(form):
        data = getattr(form, "cleaned_data", None)
        return bool(data) and not data.get("DELETE") and bool(data.get("slot"))

    @staticmethod
    def _number_positions(forms_kept):
        """Give a blank position the next free one in its slot, and refuse two rows at
        the same position of one slot (the database's unique constraint would)."""
        taken = {}
        for form in forms_kept:
            data = form.cleaned_data
            position = data.get("position")
            if position is None:
                continue
            if position in taken.setdefault(data["slot"], set()):
                form.add_error("position", f"Another {data['slot']} row already has position {position}.")
            taken[data["slot"]].add(position)
        for form in forms_kept:
            data = form.cleaned_data
            if data.get("position") is None:
                slot_taken = taken.setdefault(data["slot"], set())
                data["position"] = max(slot_taken, default=-1) + 1
                form.instance.position = data["position"]
                slot_taken.add(data["position"])

    def save_existing_objects(self, commit=True):
        # Rows that swap positions would meet the unique (slot, position) constraint one
        # UPDATE at a time: park the moved rows out of the way first, in the same
        # transaction as the admin's save.
        moved = [form.instance.pk for form in self.initial_forms if "position" in form.changed_data]
        for parking, pk in enumerate(moved):
            Destination.objects.filter(pk=pk).update(position=PARKED_POSITION - parking)
        return super().save_existing_objects(commit)

    def save_new(self, form, commit=True):
        row = form.save(commit=False)
        row.owner_type = self.owner_model._meta.label_lower
        row.owner_id = self.instance.pk
        row.tenant_id = getattr(self.instance, "tenant_id", None)
        if commit:
            row.save()
        return row


class DestinationInlineChecks(InlineModelAdminChecks):
    """Destination has no foreign key to its owner (it names it by label and id), so the
    admin's foreign-key checks do not apply; contenttypes' generic inlines do the same."""

    def _check_exclude_of_parent_model(self, obj, parent_model):
        return []

    def _check_relation(self, obj, parent_model):
        return []


class DestinationInline(admin.TabularInline):
    """Mix into any owner's admin: its destination slots (an IVR's options, a DID's
    routing) as inline rows, though Destination names its owner by label and id rather
    than by a foreign key."""

    model = Destination
    form = DestinationForm
    checks_class = DestinationInlineChecks
    extra = 0
    verbose_name = "destination"
    verbose_name_plural = "destinations (slots)"
    fields = ["slot", "position", "target_type", "target_id"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = forms.modelformset_factory(
            Destination,
            form=self.form,
            formset=DestinationFormSet,
            fields=self.fields,
            extra=self.extra,
            can_delete=True,
        )
        formset.owner_model = self.parent_model
        return formset

    def get_queryset(self, request):
        return Destination.objects.none()  # the formset reads its owner's rows itself

    # Destination rows are the owner's: whoever may edit the owner edits them.
    def has_view_permission(self, request, obj=None):
        return True

    def has_add_permission(self, request, obj=None):
        return True

    def has_change_permission(self, request, obj=None):
        return True

    def has_delete_permission(self, request, obj=None):
        return True
