"""Admin base classes: what a staff user may see follows the same roles as the API.

A platform admin (superuser or admin_api) sees everything. A tenant admin
(minor_admin_api) sees and edits only the objects of its own tenants: the lists are
filtered, and another tenant's object is not found even by URL. Platform objects are for
platform admins only.

Every relation a tenant admin picks (a select, an autocomplete, a raw id, a list filter,
an inline's field) offers, and accepts, only what that admin reaches (`pickable`): its
tenants' objects and the global ones, the users who are members of its tenants, the
trunks assigned to its tenants. An id outside that reach is refused like an id that does
not exist. Secrets (SIP passwords, PINs ...) are write-only fields for everyone but the
platform's admins, as in the API.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin import widgets
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.options import IS_POPUP_VAR, TO_FIELD_VAR
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import transaction

from apikeys import roles
from pbx import changelog
from pbx.admin_csv import CsvAdminMixin
from pbx.admin_destinations import DestinationsAdminMixin
from pbx.admin_widgets import TagsAdminMixin
from pbx.api import tags
from pbx.models import ChangeLog
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


def may_see_secrets(user):
    """Only the platform's admins read secrets, in the admin as in the API."""
    return roles.role_of(user) == roles.ADMIN


def _tenant_field(model):
    try:
        field = model._meta.get_field("tenant")
    except FieldDoesNotExist:
        return None
    return field if field.many_to_one else None


def in_tenants(model, tenant_ids):
    """`model`'s rows of these tenants, and its global rows where it has them."""
    queryset = model._default_manager.filter(tenant_id__in=tenant_ids)
    if _tenant_field(model).null:
        queryset = queryset | model._default_manager.filter(tenant__isnull=True)
    return queryset


def pickable(model, request):
    """The rows of `model` the staff user may pick as the value of a relation (a form's
    select, autocomplete or raw id, a list filter), or None when nothing limits them."""
    tenant_ids = tenant_ids_of(request.user)
    if tenant_ids is None:
        return None
    model_admin = admin.site._registry.get(model)
    if isinstance(model_admin, RoleAwareAdmin):
        return model_admin.pickable_queryset(request)
    if _tenant_field(model) is not None:
        return in_tenants(model, tenant_ids)
    return model._default_manager.none()  # neither a tenant's nor offered to tenants


class WriteOnlySecretField(forms.CharField):
    """A secret for whoever may not read it: an empty password input that sets a new value
    and, left blank, keeps the stored one."""

    widget = forms.PasswordInput(render_value=False)

    def has_changed(self, initial, data):
        return bool(data) and super().has_changed(initial, data)


class PickableRawIdWidget(widgets.ForeignKeyRawIdWidget):
    """A raw id field that names only an object within reach: any other id, typed or
    posted, shows no label, as if no such object existed."""

    def __init__(self, rel, admin_site, reach, **kwargs):
        super().__init__(rel, admin_site, **kwargs)
        self.reach = reach

    def label_and_url_for_value(self, value):
        key = self.rel.get_related_field().name
        try:
            if not self.reach.filter(**{key: value}).exists():
                return "", ""
        except (ValueError, ValidationError):
            return "", ""
        return super().label_and_url_for_value(value)


class PickableRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """A list filter on a relation that offers only the objects within the user's reach."""

    def field_choices(self, field, request, model_admin):
        reach = pickable(field.related_model, request)
        if reach is None:
            return super().field_choices(field, request, model_admin)
        to_field = field.target_field.attname
        return [(getattr(obj, to_field), str(obj)) for obj in reach]


def _without(fields, names):
    """A fieldset's fields (names, or tuples of names on one line) less `names`."""
    kept = []
    for field in fields:
        if isinstance(field, list | tuple):
            line = tuple(name for name in field if name not in names)
            if line:
                kept.append(line)
        elif field not in names:
            kept.append(field)
    return kept


class ScopedFormMixin:
    """Form handling shared by the kernel's model admins and inlines: relations limited to
    the user's reach, secrets write-only for whoever may not read them."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        secret = db_field.name in changelog.secret_fields_of(db_field.model) and not db_field.is_relation
        if secret and not may_see_secrets(request.user):
            return db_field.formfield(
                form_class=WriteOnlySecretField,
                required=False,
                help_text="Write-only: type a new value to change it; left blank, it stays as it is.",
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        reach = pickable(db_field.related_model, request)
        if reach is not None and "queryset" not in kwargs:
            kwargs["queryset"] = reach
            if "widget" not in kwargs and db_field.name in self.raw_id_fields:
                kwargs["widget"] = PickableRawIdWidget(
                    db_field.remote_field, self.admin_site, reach, using=kwargs.get("using")
                )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        reach = pickable(db_field.related_model, request)
        if reach is not None and "queryset" not in kwargs:
            kwargs["queryset"] = reach
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_fieldsets(self, request, obj=None):
        """A page shown read-only would print a secret's value: there, whoever may not
        read secrets does not get the field at all."""
        fieldsets = super().get_fieldsets(request, obj)
        hidden = changelog.secret_fields_of(self.model)
        if not hidden or may_see_secrets(request.user) or self.has_change_permission(request, obj):
            return fieldsets
        return [
            (title, {**options, "fields": _without(options["fields"], hidden)})
            for title, options in fieldsets
        ]

    def get_form(self, request, obj=None, **kwargs):
        return scoped_form(super().get_form(request, obj, **kwargs))

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = scoped_form(formset.form)
        return formset


class ScopedModelForm(forms.ModelForm):
    """Mixed into every admin form by `scoped_form`: a blank write-only secret keeps the
    stored value, and a related object must belong to the object's own tenant (or be a
    global one), as the API requires."""

    def clean(self):
        cleaned = super().clean()
        cleaned = self.cleaned_data if cleaned is None else cleaned
        for name, field in self.fields.items():
            if isinstance(field, WriteOnlySecretField) and not cleaned.get(name) and self.instance.pk:
                cleaned[name] = getattr(self.instance, name)
        self._check_same_tenant(cleaned)
        return cleaned

    def _check_same_tenant(self, cleaned):
        if _tenant_field(type(self.instance)) is None:
            return
        if "tenant" in self.fields:
            if "tenant" not in cleaned:
                return  # the tenant itself is in error
            tenant_id = cleaned["tenant"].pk if cleaned["tenant"] else None
        else:
            tenant_id = self.instance.tenant_id
        allowed = {tenant_id, None}  # a global object points at global objects only
        for name, field in self.fields.items():
            if name == "tenant" or not isinstance(field, forms.ModelChoiceField) or not cleaned.get(name):
                continue
            values = cleaned[name] if isinstance(field, forms.ModelMultipleChoiceField) else [cleaned[name]]
            if any(_tenant_field(type(value)) and value.tenant_id not in allowed for value in values):
                noun = field.queryset.model._meta.verbose_name
                self.add_error(name, f"Choose a {noun} of the same tenant.")


def scoped_form(form_class):
    """`form_class` with the kernel's ScopedModelForm checks mixed in (once)."""
    if issubclass(form_class, ScopedModelForm):
        return form_class
    return type(form_class.__name__, (ScopedModelForm, form_class), {"__module__": form_class.__module__})


class RoleAwareAdmin(
    DestinationsAdminMixin, TagsAdminMixin, CsvAdminMixin, ScopedFormMixin, admin.ModelAdmin
):
    """Permissions by API role rather than by per-model Django permissions; every save and
    delete is recorded in the change log, and the history page shows it. A model whose
    API resource takes CSV gets an import page and an export (pbx.admin_csv); one with
    destination slots gets them by name, and one that can be pointed at shows what points
    at it (pbx.admin_destinations); a taggable one, a tag picker (pbx.admin_widgets)."""

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

    # --- picking: what another admin's relation may point at --------------------------

    def pickable_queryset(self, request):
        """The objects a tenant admin may pick in a relation to this model: by default
        what the admin shows it, nothing of a platform model."""
        if self.platform_only:
            return self.model._default_manager.none()
        return self.get_queryset(request)

    def _is_picking(self, request):
        """A tenant admin looking up a value for a relation: the raw id field's lookup
        popup or an autocomplete. A platform model then lists what the admin may pick."""
        match = request.resolver_match
        picking = (IS_POPUP_VAR in request.GET and TO_FIELD_VAR in request.GET) or (
            match is not None and match.url_name == "autocomplete"
        )
        return picking and self.platform_only and roles.role_of(request.user) == roles.MINOR_ADMIN

    def get_queryset(self, request):
        if self._is_picking(request):
            return self.pickable_queryset(request)
        return super().get_queryset(request)

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        if tenant_ids_of(request.user) is None:
            return filters
        return [self._pickable_filter(item) for item in filters]

    def _pickable_filter(self, item):
        if not isinstance(item, str):
            return item  # a filter of its own, which says what it offers
        try:
            field = get_fields_from_path(self.model, item)[-1]
        except (FieldDoesNotExist, NotRelationField):
            return item
        if field.is_relation and field.concrete:
            return (item, PickableRelatedFieldListFilter)
        return item

    # --- permissions by role ----------------------------------------------------------

    def has_module_permission(self, request):
        return self._allowed(request)

    def has_view_permission(self, request, obj=None):
        if obj is None and self._is_picking(request):
            return True
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
        if before is not None:
            before.update(self.relations_before_save(form))  # the slots as stored, for the diff
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

    def pickable_queryset(self, request):
        tenant_ids = tenant_ids_of(request.user)
        if tenant_ids is None:
            return self.model._default_manager.all()
        return in_tenants(self.model, tenant_ids)

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        if tenant_ids_of(request.user) is None and "tenant" not in filters:
            filters.insert(0, "tenant")
        return filters


class ScopedInlineMixin(ScopedFormMixin):
    """An inline of the kernel: its rows are its owner's, so whoever may see or edit the
    owner sees or edits them (by role, like the owner's admin), and its relations and
    secrets follow the same rules as the owner's form."""

    def _owner_admin(self):
        return self.admin_site._registry[self.parent_model]

    def has_view_permission(self, request, obj=None):
        return self._owner_admin().has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return self._owner_admin().has_change_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._owner_admin().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._owner_admin().has_change_permission(request, obj)


class TabularInline(ScopedInlineMixin, admin.TabularInline):
    """The kernel's tabular inline: use it, not Django's, in every app's admin."""


class StackedInline(ScopedInlineMixin, admin.StackedInline):
    """The kernel's stacked inline: use it, not Django's, in every app's admin."""


# --- the site: who logs in, and the start page ----------------------------------------


class RoleLoginForm(AdminAuthenticationForm):
    """The admin's login: the API role opens the door (admin_api, minor_admin_api or a
    superuser), with no separate staff switch; any other user is refused with the same
    message as a wrong password."""

    def confirm_login_allowed(self, user):
        AuthenticationForm.confirm_login_allowed(self, user)  # an inactive user is refused
        if roles.role_of(user) not in roles.STAFF_ROLES:
            raise ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )


def has_admin_access(request):
    """Whether the request's user works in the admin: by its role, as in the API."""
    return roles.role_of(request.user) in roles.STAFF_ROLES


def dashboard_index(request, extra_context=None):
    """`/admin/`: the dashboard of the tenants within the user's reach (pbx.admin_dashboard)
    above Django's list of models."""
    from pbx.admin_dashboard import Dashboard  # the apps it reads sit above the kernel

    dashboard = Dashboard(request, tenant_ids_of(request.user))
    return _stock_index(request, {**dashboard.context(), **(extra_context or {})})


admin.site.login_form = RoleLoginForm
admin.site.has_permission = has_admin_access
_stock_index = admin.site.index
admin.site.index = dashboard_index
