"""How the media app takes part in destinations (docs/api.md): `MEDIAFILE-<id>`
(play a file, MiRTA PBX's IVR_MEDIAFILE) and `MUSICONHOLD-<id>` as targets, and the
playlist rows that keep a media file in use (deleting it answers 409 in_use, or with
?force=true drops it from the playlists). Registered from MediaConfig.ready()."""

from pbx import destinations


def register():
    from media.models import MediaFile, MusicOnHold, MusicOnHoldEntry

    destinations.register_target("MEDIAFILE", MediaFile, label=lambda m: f"media file {m}")
    destinations.register_target("MUSICONHOLD", MusicOnHold, label=lambda m: f"music on hold {m}")
    destinations.register_reference(MusicOnHoldEntry, "media_file", "music_on_hold")
