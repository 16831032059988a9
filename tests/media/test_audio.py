"""What counts as audio: the bytes decide, never the name."""

import io

import pytest
from mutagen.mp3 import MP3

from media.audio import inspect
from pbx.api.exceptions import UnsupportedMedia
from tests.media import samples


def test_pcm_wav_is_measured():
    info = inspect(samples.wav_pcm(2.0, rate=16000, channels=2))
    assert (info.format, info.duration, info.sample_rate, info.channels) == ("wav-pcm", 2.0, 16000, 2)


def test_alaw_wav_is_measured():
    info = inspect(samples.wav_alaw(1.5))
    assert (info.format, info.duration, info.sample_rate) == ("wav-alaw", 1.5, 8000)


def test_mulaw_wav_is_measured():
    info = inspect(samples.wav_ulaw(0.5))
    assert (info.format, info.duration) == ("wav-ulaw", 0.5)


def test_the_sample_mp3_is_real_mpeg_audio_to_mutagen():
    audio = MP3(io.BytesIO(samples.mp3(40)))
    assert (audio.info.layer, audio.info.sample_rate, audio.info.bitrate) == (3, 44100, 128000)


def test_mp3_is_measured():
    info = inspect(samples.mp3(400))
    assert info.format == "mp3"
    assert info.duration == pytest.approx(10.4, abs=0.1)  # 400 frames of 1152 samples at 44.1 kHz


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (samples.TEXT_NAMED_WAV, "not audio"),
        (b"", "empty"),
        (samples.wav_with_tag(3), "format tag 3"),
        (b"RIFF\x04\x00\x00\x00WAVE", "no format chunk"),
        (samples.wav_pcm()[:44], "no audio data"),
        (bytes(range(256)) * 16, "not audio"),
        (b"\x89PNG\r\n\x1a\n" + bytes(400), "not audio"),
    ],
    ids=["text", "empty", "float-wav", "no-fmt", "no-data", "binary-junk", "png"],
)
def test_anything_else_is_refused_naming_the_accepted_formats(data, reason):
    with pytest.raises(UnsupportedMedia) as refused:
        inspect(data)
    assert reason in str(refused.value.detail)
    assert "WAV (PCM, A-law or mu-law) and MP3" in str(refused.value.detail)
