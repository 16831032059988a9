"""Strict input: a name the API does not know is an error, never a silent no-op.

Body fields are checked by the kernel's serializer once a resource has translated the
payloads of other systems (a FusionPBX ring group's `destinations`, a DjangoPBX route's
`prefix`), so what a resource understands is exactly what it accepts.

A typo in a body field (`do_not_distrub`), a filter (`extension__contains`) or a
`fields=` column would otherwise be a write that never applies or a filter that returns
everything. Every route refuses names it does not know with 400 `unknown_field` (body
fields, `fields=` and `ordering=` names) or `unknown_parameter` (query parameters),
listing the names it accepts. Documented aliases (MiRTA PBX's `ex_number`, DjangoPBX's
filter names ...) are known names.

Views declare the query parameters of their own actions with
`@action(..., query_parameters=["at", "caller"])` (or a class attribute); the kernel adds
what it takes itself (pages, filters, `search`, `ordering`, `fields`, `tenant`, `global`,
`format`, `key` ...), so that the check is the same mechanism on every route.
"""

from pbx.api.exceptions import UnknownField, UnknownParameter

# Taken by every route: DRF's format override and the API key in the query.
KERNEL_QUERY_PARAMETERS = frozenset({"format", "key"})
# Sent by the browsable API's HTML forms along with the object's fields.
FORM_CONTROLS = frozenset({"csrfmiddlewaretoken"})
# FusionPBX (`domain_uuid`) and DjangoPBX (`domain_id`) name the tenant -- their domain --
# by its UUID in every body. Here the tenant comes from the key, `?tenant=` or `tenant`,
# so their scripts' bodies are taken and these names set aside.
OTHER_SYSTEMS_TENANT_FIELDS = frozenset({"domain_uuid", "domain_id"})


def _listed(names):
    return ", ".join(sorted(names)) or "none"


def refuse_unknown_parameters(params, accepted):
    """400 unknown_parameter naming each query parameter outside `accepted`."""
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        raise UnknownParameter(
            f"Unknown query parameter{'s' if len(unknown) > 1 else ''} {_listed(unknown)}: "
            f"this route takes {_listed(accepted)}.",
            fields={name: ["Unknown query parameter."] for name in unknown},
            accepted=sorted(accepted),
        )


def refuse_unknown_fields(data, accepted, where=""):
    """400 unknown_field naming each key of the body object `data` outside `accepted`
    (`where`: what names the fields, when not the body)."""
    if not hasattr(data, "keys"):
        return
    unknown = sorted(set(data.keys()) - set(accepted) - FORM_CONTROLS)
    if unknown:
        raise UnknownField(
            f"Unknown field{'s' if len(unknown) > 1 else ''}{where} {_listed(unknown)}: "
            f"the fields are {_listed(accepted)}.",
            fields={name: ["Unknown field."] for name in unknown},
            accepted=sorted(accepted),
        )


class StrictQueryMixin:
    """Mix into an APIView: the query may name only the parameters the view takes."""

    # Query parameters this view takes beyond the kernel's; an action of a viewset names
    # its own with @action(query_parameters=[...]).
    query_parameters = ()

    def accepted_query_parameters(self):
        return KERNEL_QUERY_PARAMETERS | set(self.query_parameters)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # After authentication and permissions: a caller without access hears 401 or 403,
        # not which parameters exist. A CORS preflight carries no query of the client's,
        # and a method the view does not serve answers 405 whatever its query says.
        served = (
            getattr(self, request.method.lower(), None)
            if request.method.lower() in self.http_method_names
            else None
        )
        if request.method != "OPTIONS" and served is not None:
            refuse_unknown_parameters(request.query_params, self.accepted_query_parameters())
