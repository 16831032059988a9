"""What an uploaded file really is: the one place that decides whether bytes are audio
the switch can play, and measures them.

Accepted: WAV (RIFF/WAVE) holding PCM, A-law or mu-law samples (also in the extensible
format), and MP3 (MPEG audio frames, optionally after an ID3 tag). The file's name and
the client's content type are never trusted: a text file named `.wav` is refused.
"""

import io
import struct
from dataclasses import dataclass

import mutagen
from django.core.files.base import ContentFile
from mutagen.mp3 import MP3

from pbx.api.exceptions import UnsupportedMedia

# Format codes as stored and returned, with their content type and file extension.
WAV_PCM, WAV_ALAW, WAV_ULAW, MP3_FORMAT = "wav-pcm", "wav-alaw", "wav-ulaw", "mp3"
FORMATS = {
    WAV_PCM: ("WAV, PCM", "audio/wav", "wav"),
    WAV_ALAW: ("WAV, A-law", "audio/wav", "wav"),
    WAV_ULAW: ("WAV, mu-law", "audio/wav", "wav"),
    MP3_FORMAT: ("MP3", "audio/mpeg", "mp3"),
}
FORMAT_CHOICES = [(code, label) for code, (label, _type, _ext) in FORMATS.items()]
ACCEPTED = "WAV (PCM, A-law or mu-law) and MP3"

# WAVE format tags (mmreg.h): the sample encodings a switch plays without transcoding tricks.
WAVE_TAGS = {1: WAV_PCM, 6: WAV_ALAW, 7: WAV_ULAW}
WAVE_FORMAT_EXTENSIBLE = 0xFFFE


@dataclass(frozen=True)
class AudioInfo:
    """What was found in the bytes."""

    format: str
    duration: float  # seconds
    sample_rate: int
    channels: int

    @property
    def content_type(self):
        return content_type_of(self.format)

    @property
    def extension(self):
        return FORMATS[self.format][2]


def content_type_of(format_code):
    return FORMATS.get(format_code, (None, "application/octet-stream", "bin"))[1]


def refuse(reason):
    raise UnsupportedMedia(f"{reason} Accepted formats: {ACCEPTED}.", accepted=list(FORMATS))


def inspect(data):
    """The AudioInfo of `data` (bytes); UnsupportedMedia (400) when it is not audio we take."""
    if not data:
        refuse("The file is empty.")
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return _inspect_wav(data)
    if data[:4] in (b"RIFF", b"RIFX", b"RF64"):
        refuse("This RIFF file is not a WAVE file the switch can play.")
    return _inspect_mp3(data)


def _inspect_wav(data):
    """Walk the RIFF chunks for `fmt ` and `data` (chunks are word-aligned)."""
    fmt, data_size, offset = None, None, 12
    while offset + 8 <= len(data):
        chunk_id, size = data[offset : offset + 4], struct.unpack_from("<I", data, offset + 4)[0]
        body = offset + 8
        if chunk_id == b"fmt ":
            if size < 16 or body + 16 > len(data):
                refuse("The WAV file's format chunk is truncated.")
            fmt = struct.unpack_from("<HHIIHH", data, body)
            if fmt[0] == WAVE_FORMAT_EXTENSIBLE:
                # The real tag is the first two bytes of the SubFormat GUID, after cbSize,
                # valid bits and the channel mask.
                if size < 40 or body + 26 > len(data):
                    refuse("The WAV file's extensible format chunk is truncated.")
                fmt = (struct.unpack_from("<H", data, body + 24)[0], *fmt[1:])
        elif chunk_id == b"data":
            # A writer that streamed the file may leave the size too large (or 0xFFFFFFFF):
            # what is there is what plays.
            data_size = min(size, len(data) - body)
            if fmt is not None:
                break
        offset = body + size + (size & 1)
    if fmt is None:
        refuse("The WAV file has no format chunk.")
    tag, channels, sample_rate, byte_rate, _align, _bits = fmt
    if tag not in WAVE_TAGS:
        refuse(f"The WAV file's samples use format tag {tag}, which the switch cannot play.")
    if not channels or not sample_rate or not byte_rate:
        refuse("The WAV file's format chunk has no channels, sample rate or byte rate.")
    if not data_size:
        refuse("The WAV file has no audio data.")
    return AudioInfo(WAVE_TAGS[tag], round(data_size / byte_rate, 3), sample_rate, channels)


def _inspect_mp3(data):
    """MPEG audio frames, found by mutagen; junk with no frame (text, images) raises."""
    try:
        audio = MP3(io.BytesIO(data))
    except (mutagen.MutagenError, struct.error, ValueError, EOFError, OverflowError, ZeroDivisionError):
        refuse("The file is not audio the switch can play.")
    info = audio.info
    # mutagen also reads MPEG-2/2.5 and layers I/II under MP3; only layer III is MP3.
    if info.layer != 3 or info.length <= 0 or getattr(info, "sketchy", False):
        refuse("The file is not audio the switch can play.")
    return AudioInfo(MP3_FORMAT, round(info.length, 3), info.sample_rate, info.channels)


def stored_fields(data, info):
    """The model fields of an audio row holding `data` (for AudioFile.objects.create, or
    setattr): the file, saved under a fresh name on save, and its measurements."""
    return {
        "file": ContentFile(data, name=f"audio.{info.extension}"),
        "format": info.format,
        "duration": info.duration,
        "size": len(data),
        "sample_rate": info.sample_rate,
        "channels": info.channels,
    }
