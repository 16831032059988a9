"""The cdrs app's resources."""

from cdrs.api import CallRecordViewSet
from pbx.api.routers import router

router.register("cdrs", CallRecordViewSet, basename="callrecord")
