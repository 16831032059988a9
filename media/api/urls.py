"""The media app's resources."""

from media.api import calls, library, voicemail
from pbx.api.routers import router

router.register("media-files", library.MediaFileViewSet, basename="mediafile")
router.register("music-on-hold", library.MusicOnHoldViewSet, basename="musiconhold")
router.register("recordings", calls.RecordingViewSet, basename="recording")
router.register("voicemail-greetings", voicemail.VoicemailGreetingViewSet, basename="voicemailgreeting")
router.register("voicemail-messages", voicemail.VoicemailMessageViewSet, basename="voicemailmessage")
