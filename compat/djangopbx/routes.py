"""DjangoPBX's /api/ paths, registered with pbx's router as aliases of pbx's resources.

Each alias is the kernel's viewset itself under DjangoPBX's name, so scope, validation,
change log and events are the same as through pbx's own path; the generated matrices of
tests/api/ walk these routes like any other. DjangoPBX's field and filter names are the
resources' own aliases (their serializers' `Meta.aliases` and filtersets).
"""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from cdrs.api import CallRecordViewSet
from extensions.api.views import ExtensionViewSet
from media.api.voicemail import VoicemailMessageViewSet
from pbx.api.routers import router
from pbx.api.strict import refuse_unknown_fields
from routing.api.inbound import DIDViewSet
from routing.api.outbound import OutboundRouteViewSet, TrunkViewSet

NOTHING_TO_FLUSH = (
    "pbx keeps no copy of the directory: Kamailio and FreeSWITCH read it live, so changes apply at once."
)
FLUSHED = inline_serializer(
    "DirectoryCacheFlushed", {"flushed": serializers.BooleanField(), "detail": serializers.CharField()}
)


class CallStatisticsViewSet(CallRecordViewSet):
    """DjangoPBX's `/api/xmlcdrbasicstatistics/`: pbx's `/api/cdrs/stats/`."""

    alias_of_action = "stats"


# DjangoPBX path -> (pbx's viewset, pbx's path), the table docs/migrating.md is checked against.
ALIASES = {
    "xmlcdrs": (CallRecordViewSet, "cdrs"),
    "xmlcustomercdrs": (CallRecordViewSet, "cdrs"),
    "xmlcdrbasicstatistics": (CallStatisticsViewSet, "cdrs/stats"),
    "gateways": (TrunkViewSet, "trunks"),
    "dialplan_ib_route": (DIDViewSet, "dids"),
    "dialplan_ob_route": (OutboundRouteViewSet, "outbound-routes"),
    "voicemail_messages": (VoicemailMessageViewSet, "voicemail-messages"),
}

for path, (viewset, ours) in ALIASES.items():
    router.register_alias(
        path, viewset, basename=f"djangopbx-{path.replace('_', '-')}", of=ours, system="DjangoPBX"
    )


class DirectoryCacheViewSet(ExtensionViewSet):
    """DjangoPBX's `POST /api/extensions/flush_cache_all_directories/`."""

    alias_of_action = "flush_cache_all_directories"

    @extend_schema(request=None, responses={200: FLUSHED})
    @action(detail=False, methods=["post"])
    def flush_cache_all_directories(self, request):
        """Nothing to flush: pbx keeps no copy of the directory. Kamailio reads it from
        PostgreSQL views and FreeSWITCH asks mod_xml_curl at each registration, so a
        change applies at once. Answers what DjangoPBX's script expects (200)."""
        refuse_unknown_fields(request.data, set())
        self.check_role_write(None, None)  # whoever may change extensions may ask
        return Response({"flushed": True, "detail": NOTHING_TO_FLUSH})


router.register(
    "extensions/flush_cache_all_directories", DirectoryCacheViewSet, basename="djangopbx-flush-cache"
)
