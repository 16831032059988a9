"""Real audio made in code for the tests: WAV (PCM through the wave module, A-law and
mu-law with RIFF headers written by hand) and MP3 (valid MPEG-1 Layer III frames)."""

import io
import math
import struct
import wave


def wav_pcm(seconds=1.0, rate=8000, channels=1):
    """16-bit PCM: a 440 Hz tone."""
    frames = int(seconds * rate)
    samples = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * n / rate))) * channels
        for n in range(frames)
    )
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples)
    return buffer.getvalue()


def wav_g711(tag, seconds=1.0, rate=8000):
    """A-law (tag 6) or mu-law (tag 7): 8-bit samples, one byte per sample, with the
    18-byte format chunk and the `fact` chunk such files carry."""
    frames = int(seconds * rate)
    data = bytes((n * 7) & 0xFF for n in range(frames))
    fmt = struct.pack("<HHIIHHH", tag, 1, rate, rate, 1, 8, 0)
    fact = struct.pack("<I", frames)
    chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt
    chunks += b"fact" + struct.pack("<I", len(fact)) + fact
    chunks += b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks


def wav_alaw(seconds=1.0):
    return wav_g711(6, seconds)


def wav_ulaw(seconds=1.0):
    return wav_g711(7, seconds)


def wav_with_tag(tag):
    """A WAV whose samples use another encoding (3 = IEEE float, 2 = MS ADPCM ...)."""
    return wav_g711(tag)


# MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, no CRC, no padding, joint stereo: each frame is
# 144 * 128000 / 44100 = 417 bytes; a silent frame's side information is all zeros.
MP3_FRAME_HEADER = bytes([0xFF, 0xFB, 0x90, 0x44])
MP3_FRAME_BYTES = 417


def mp3(frames=40):
    """`frames` valid silent frames: about 26 ms each."""
    frame = MP3_FRAME_HEADER + bytes(MP3_FRAME_BYTES - len(MP3_FRAME_HEADER))
    return frame * frames


TEXT_NAMED_WAV = b"This is not audio, whatever its name says.\n" * 20
