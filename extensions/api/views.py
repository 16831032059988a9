"""Extensions: `/api/extensions/` and `/api/extensions/number/<number>/`."""

from extensions.api.filters import ExtensionFilterSet
from extensions.api.registrations import registered_now
from extensions.api.serializers import FORWARDS, ExtensionSerializer
from extensions.models import Extension
from pbx.api.viewsets import NumberedViewSet


class ExtensionViewSet(NumberedViewSet):
    """Extensions of the caller's tenants. A user_api caller reads the tenant's extensions
    and changes do-not-disturb, forwarding and caller ID on its own ones."""

    queryset = Extension.objects.all()
    serializer_class = ExtensionSerializer
    filterset_class = ExtensionFilterSet
    search_fields = ["number", "name", "caller_id_name", "description"]
    ordering_fields = ["number", "name", "tech", "created_at", "updated_at", "id"]
    owner_field = "user"
    owner_editable_fields = (
        "do_not_disturb",
        "caller_id_name",
        "caller_id_number",
        *[f"forward_{kind}_{part}" for kind in FORWARDS for part in ("enabled", "destination")],
    )

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "list":
            # `registered` rides along with each row (a detail reads the contacts instead).
            queryset = queryset.annotate(registered_now=registered_now())
        return queryset
