"""CSV import and export in the admin, for every model whose API resource takes them
(docs/admin.md): an "Import CSV" page (upload, a dry-run preview of every row with its
errors, then confirm) and an "Export CSV" action and link.

Nothing here reads or writes a row itself: the import is the API's `CsvImport` run
through the resource's own viewset (`resource_view`), and the export is the resource's
`export_rows`, both bound to the admin user's request. So a row obeys what a JSON write
of the same values obeys (one serializer, one scope, one change log, the same webhooks),
a tenant administrator imports into and exports from its own tenants only, and secrets
are columns for the platform's administrators only, exactly as in the API.

Between the preview and the confirmation the upload waits in a file under MEDIA_ROOT
named by a random token; the token is kept in the user's session with the model and the
options previewed, and the confirmation names the token only: a client never sends a
path, cannot reach another session's upload, and cannot change the options it saw
previewed.
"""

import copy
import hashlib
import re
import secrets
import time
from importlib import import_module
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.options import IS_POPUP_VAR, IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect, QueryDict
from django.template.response import TemplateResponse
from django.urls import path, reverse
from rest_framework.exceptions import APIException

from pbx import changelog
from pbx.api.imports import ON_DUPLICATE, CsvImport, RowsRefused
from pbx.api.spreadsheets import resource_view, viewset_of
from tenants.models import Tenant

PENDING_DIR = "csv-imports"
SESSION_KEY = "pbx_csv_imports"
PENDING_SECONDS = 3600  # a preview not confirmed within the hour is uploaded again
MAX_PENDING = 5  # previews waiting per session; the oldest goes first
TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)
ON_DUPLICATE_CHOICES = {
    "fail": "Refuse the row (fail)",
    "skip": "Leave the existing object as it is (skip)",
    "update": "Change the columns given (update)",
}
assert set(ON_DUPLICATE_CHOICES) == set(ON_DUPLICATE)  # the kernel's choices, each explained


def viewset_for(model):
    """The importable API resource of `model` (its viewset class), or None."""
    import_module(settings.ROOT_URLCONF)  # the resources register as the URLconf loads
    viewset = viewset_of(model)
    return viewset if viewset is not None and viewset.is_importable() else None


def api_request(request, query, method):
    """A copy of the admin's request for the resource's view: the same user and session,
    only `query` as its query string (the admin's own parameters mean nothing to the API,
    and its filters would read `tenant` from them)."""
    copied = copy.copy(request)
    copied.GET = QueryDict(mutable=True)
    copied.GET.update(query)
    copied.method = method
    copied.__dict__.pop("pbx_scope", None)
    return copied


def bound_view(viewset, request, action, query=None, method="POST"):
    """The resource's view for the admin's user, past the API's permission checks (a
    tenant administrator may see its tenant in the admin, not import tenants)."""
    return resource_view(viewset, api_request(request, query or {}, method), action=action)


def api_allows(request, viewset, action):
    """True when the resource's API lets this user run `action` (import_rows, export_rows);
    asked once per request (a list asks for its links and its actions)."""
    answers = request.__dict__.setdefault("_pbx_csv_allowed", {})
    if (viewset, action) not in answers:
        try:
            bound_view(viewset, request, action, method="POST" if action == "import_rows" else "GET")
            answers[viewset, action] = True
        except APIException:
            answers[viewset, action] = False
    return answers[viewset, action]


def run_import(request, viewset, raw, *, dry_run, on_duplicate, tenant):
    """The API's import of `raw` into `viewset`'s resource, as the admin user; the report
    (raises RowsRefused when a row is refused, another APIException for a bad file
    or a caller the resource refuses)."""
    view = bound_view(viewset, request, "import_rows", {"tenant": tenant} if tenant else None)
    with changelog.change_context(actor=request.user, source="admin"):
        return CsvImport(view, dry_run=dry_run, on_duplicate=on_duplicate).run(raw)


def export_response(request, viewset, queryset):
    """The API's CSV export of the rows of `queryset` (chosen in the admin) that the
    resource lets this user reach: the same columns, secrets only for the platform's
    administrators."""
    view = bound_view(viewset, request, "export_rows", method="GET")
    # The API's rows (its scope, its order) narrowed to the admin's choice.
    rows = view.filter_queryset(view.get_queryset()).filter(pk__in=queryset.values("pk"))
    return view.export_response(rows)


# --- the upload waiting between the preview and the confirmation ------------------------


def _pending_dir():
    return Path(settings.MEDIA_ROOT) / PENDING_DIR


def _forget_stale(session_entries):
    now = time.time()
    for token, entry in list(session_entries.items()):
        if now - entry["time"] > PENDING_SECONDS:
            _pending_dir().joinpath(f"{token}.csv").unlink(missing_ok=True)
            del session_entries[token]
    # Files of sessions that never came back.
    folder = _pending_dir()
    if folder.is_dir():
        for stale in folder.glob("*.csv"):
            try:
                if now - stale.stat().st_mtime > PENDING_SECONDS:
                    stale.unlink(missing_ok=True)
            except OSError:
                pass


def keep_upload(request, model, raw, options):
    """Keep `raw` until the confirmation; the token that names it in this session."""
    entries = dict(request.session.get(SESSION_KEY, {}))
    _forget_stale(entries)
    while len(entries) >= MAX_PENDING:
        oldest = min(entries, key=lambda token: entries[token]["time"])
        _pending_dir().joinpath(f"{oldest}.csv").unlink(missing_ok=True)
        del entries[oldest]
    token = secrets.token_urlsafe(32)
    _pending_dir().mkdir(parents=True, exist_ok=True)
    _pending_dir().joinpath(f"{token}.csv").write_bytes(raw)
    entries[token] = {
        "model": model._meta.label_lower,
        "options": options,
        "sha256": hashlib.sha256(raw).hexdigest(),
        "time": time.time(),
    }
    request.session[SESSION_KEY] = entries
    return token


def pending_upload(request, model, token):
    """(bytes, options) of the upload this session previewed under `token` for `model`,
    or None (unknown, expired, another model's, or its file gone or altered)."""
    entry = request.session.get(SESSION_KEY, {}).get(token) if TOKEN.fullmatch(token or "") else None
    if entry is None or entry["model"] != model._meta.label_lower:
        return None
    if time.time() - entry["time"] > PENDING_SECONDS:
        return None
    try:
        raw = _pending_dir().joinpath(f"{token}.csv").read_bytes()
    except OSError:
        return None
    if hashlib.sha256(raw).hexdigest() != entry["sha256"]:
        return None
    return raw, entry["options"]


def drop_upload(request, token):
    entries = dict(request.session.get(SESSION_KEY, {}))
    if entries.pop(token, None) is not None:
        _pending_dir().joinpath(f"{token}.csv").unlink(missing_ok=True)
        request.session[SESSION_KEY] = entries


# --- the page ---------------------------------------------------------------------------


class CsvImportForm(forms.Form):
    """The upload: the file, what an existing object does, and (for whoever reaches
    several tenants) the tenant of rows that name none."""

    file = forms.FileField(label="CSV file")
    on_duplicate = forms.ChoiceField(
        label="An object that exists already",
        choices=list(ON_DUPLICATE_CHOICES.items()),
        initial="fail",
        help_text="Found by its natural key (a number, a MAC address, a name), or by id.",
    )
    tenant = forms.ModelChoiceField(
        queryset=Tenant.objects.none(),
        to_field_name="code",
        required=False,
        empty_label="(the file's tenant column)",
        help_text="The tenant of the rows; leave it empty when the file has a tenant column.",
    )

    def __init__(self, *args, tenants=None, **kwargs):
        super().__init__(*args, **kwargs)
        if tenants is None:
            del self.fields["tenant"]
        else:
            self.fields["tenant"].queryset = tenants.order_by("code")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.PBX_MAX_BODY_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {settings.PBX_MAX_BODY_BYTES // (1024 * 1024)} MB: split it."
            )
        return upload


def report_message(report):
    counts = ", ".join(
        f"{report[name]} {name}" for name in ("created", "updated", "unchanged", "skipped") if report[name]
    )
    return f"{report['rows']} rows imported: {counts or 'nothing to do'}."


class CsvAdminMixin:
    """Mixed into RoleAwareAdmin: an import page, an export action and link, for any
    model whose API resource imports and exports CSV; nothing for the others."""

    change_list_template = "admin/pbx/csv_change_list.html"
    csv_import_template = "admin/pbx/csv_import.html"

    def csv_viewset(self):
        return viewset_for(self.model)

    def _csv_url_name(self, what):
        return f"{self.opts.app_label}_{self.opts.model_name}_{what}"

    def get_urls(self):
        import_view = self.admin_site.admin_view(self.csv_import_view)
        export_view = self.admin_site.admin_view(self.csv_export_view)
        return [
            path("import/", import_view, name=self._csv_url_name("import")),
            path("export/", export_view, name=self._csv_url_name("export")),
            *super().get_urls(),
        ]

    def may_import_csv(self, request):
        return self._csv_allowed(request, "import_rows", self.has_add_permission(request))

    def may_export_csv(self, request):
        return self._csv_allowed(request, "export_rows", self.has_view_permission(request))

    def _csv_allowed(self, request, action, admin_allows):
        """The admin's permission and the API resource's, both."""
        viewset = self.csv_viewset()
        return admin_allows and viewset is not None and api_allows(request, viewset, action)

    def changelist_view(self, request, extra_context=None):
        extra = dict(extra_context or {})
        if IS_POPUP_VAR not in request.GET:
            site = self.admin_site.name
            if self.may_import_csv(request):
                extra["csv_import_url"] = reverse(f"{site}:{self._csv_url_name('import')}")
            if self.may_export_csv(request):
                extra["csv_export_url"] = reverse(f"{site}:{self._csv_url_name('export')}")
        return super().changelist_view(request, extra)

    # --- export -------------------------------------------------------------------------

    def get_actions(self, request):
        actions = super().get_actions(request)
        if IS_POPUP_VAR not in request.GET and self.may_export_csv(request):
            noun = self.opts.verbose_name_plural
            actions["export_csv_rows"] = (
                type(self).export_csv_rows,
                "export_csv_rows",
                f"Export the selected {noun} as CSV",
            )
        return actions

    def export_csv_rows(self, request, queryset):
        """The admin action: the selected rows as the API's export writes them."""
        if not self.may_export_csv(request):
            raise PermissionDenied
        return export_response(request, self.csv_viewset(), queryset)

    def csv_export_view(self, request):
        """The changelist's rows, every page of them, with its filters and search."""
        if not self.may_export_csv(request):
            raise PermissionDenied
        try:
            rows = self.get_changelist_instance(request).get_queryset(request)
        except IncorrectLookupParameters:
            changelist = reverse(f"{self.admin_site.name}:{self._csv_url_name('changelist')}")
            return HttpResponseRedirect(f"{changelist}?{ERROR_FLAG}=1")
        return export_response(request, self.csv_viewset(), rows)

    # --- import -------------------------------------------------------------------------

    def csv_tenant_choices(self, request, viewset):
        """The tenants offered for the rows, or None where no choice is to be made: a
        platform model, or a user with a single tenant (which the import implies)."""
        if viewset.tenant_field is None:
            return None
        from pbx.admin import tenant_ids_of

        tenant_ids = tenant_ids_of(request.user)
        if tenant_ids is None:
            return Tenant.objects.all()
        if len(tenant_ids) > 1:
            return Tenant.objects.filter(pk__in=tenant_ids)
        return None

    def csv_import_view(self, request):
        """Upload, preview (a dry run), confirm (the import of the very file previewed)."""
        viewset = self.csv_viewset()
        if viewset is None or not self.may_import_csv(request):
            raise PermissionDenied
        tenants = self.csv_tenant_choices(request, viewset)
        if request.method == "POST" and "_confirm" in request.POST:
            return self._confirm(request, viewset, tenants)
        if request.method == "POST":
            form = CsvImportForm(request.POST, request.FILES, tenants=tenants)
            if form.is_valid():
                return self._preview(request, viewset, form, tenants)
        else:
            form = CsvImportForm(tenants=tenants)
        return self._import_page(request, form)

    def _preview(self, request, viewset, form, tenants):
        raw = form.cleaned_data["file"].read()
        tenant = form.cleaned_data.get("tenant")
        options = {"on_duplicate": form.cleaned_data["on_duplicate"], "tenant": tenant.code if tenant else ""}
        try:
            report = run_import(request, viewset, raw, dry_run=True, **options)
        except APIException as error:
            form.add_error("file", str(error.detail))
            return self._import_page(request, form)
        token = keep_upload(request, self.model, raw, options) if not report["refused"] else None
        return self._import_page(
            request,
            CsvImportForm(tenants=tenants, initial=options),
            report=report,
            token=token,
            file_name=form.cleaned_data["file"].name,
            options=options,
        )

    def _confirm(self, request, viewset, tenants):
        token = request.POST.get("token", "")
        pending = pending_upload(request, self.model, token)
        if pending is None:
            self.message_user(
                request, "That preview has expired or is not yours: upload the file again.", messages.ERROR
            )
            return HttpResponseRedirect(request.path)
        raw, options = pending
        try:
            report = run_import(request, viewset, raw, dry_run=False, **options)
        except RowsRefused as refused:
            # The objects changed since the preview: show why, write nothing.
            drop_upload(request, token)
            self.message_user(request, str(refused.detail), messages.ERROR)
            return self._import_page(
                request,
                CsvImportForm(tenants=tenants, initial=options),
                report=refused.extra,
                options=options,
            )
        except APIException as error:
            drop_upload(request, token)
            self.message_user(request, str(error.detail), messages.ERROR)
            return HttpResponseRedirect(request.path)
        drop_upload(request, token)
        self.message_user(request, report_message(report), messages.SUCCESS)
        return HttpResponseRedirect(reverse(f"{self.admin_site.name}:{self._csv_url_name('changelist')}"))

    def _import_page(self, request, form, report=None, token=None, file_name="", options=None):
        context = {
            **self.admin_site.each_context(request),
            "title": f"Import {self.opts.verbose_name_plural} from CSV",
            "opts": self.opts,
            "form": form,
            "media": self.media + form.media,
            "report": report,
            "token": token,
            "file_name": file_name,
            "options": options or {},
            "on_duplicate_label": ON_DUPLICATE_CHOICES.get((options or {}).get("on_duplicate", ""), ""),
            "has_view_permission": self.has_view_permission(request),
            "changelist_url": reverse(f"{self.admin_site.name}:{self._csv_url_name('changelist')}"),
        }
        return TemplateResponse(request, self.csv_import_template, context)
