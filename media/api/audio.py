"""The upload, check and download machinery every audio resource shares (media files,
recordings, voicemail greetings and messages): written once here, used by each.

- `AudioSerializer`: the audio arrives as a multipart `file` or as `data_base64` in JSON;
  it is refused above PBX_MEDIA_MAX_BYTES (413 payload_too_large) and unless
  media.audio recognises it (400 unsupported_media); format, duration, size, sample
  rate and channels are measured, never sent. The audio itself never appears in JSON:
  `download_url` points at it.
- `AudioDownloadMixin`: `GET /api/<resource>/<id>/download/` with the file's content
  type and byte ranges (`serve_audio`, which the admin's player uses too).
"""

import base64
import binascii
import re

import django_filters
from django.conf import settings
from django.db import transaction
from django.http import FileResponse, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.negotiation import DefaultContentNegotiation

from media import audio
from pbx.api.exceptions import NotFound, PayloadTooLarge, error_response
from pbx.api.filters import NUMBER_LOOKUPS, PbxFilterSet
from pbx.api.schema import ERROR_SCHEMA
from pbx.api.serializers import DetailUrlField, PbxModelSerializer

# Fields of the audio resources' bodies, in the order they are listed.
AUDIO_FIELDS = [
    "format",
    "duration",
    "size",
    "sample_rate",
    "channels",
    "download_url",
    "file",
    "data_base64",
]


def too_large(size):
    limit = settings.PBX_MEDIA_MAX_BYTES
    return PayloadTooLarge(
        f"The audio is {size} bytes; the largest accepted is {limit} bytes (PBX_MEDIA_MAX_BYTES).",
        max_bytes=limit,
    )


def read_upload(upload):
    """The bytes of a multipart upload, refused (413) as soon as they pass the limit."""
    limit = settings.PBX_MEDIA_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise too_large(upload.size)
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise too_large(upload.size or len(data))
    return data


DATA_URI = re.compile(r"^data:[\w/+.-]*;base64,", re.IGNORECASE)


def decode_base64(text):
    """The bytes of `data_base64` (a `data:audio/wav;base64,` prefix and line breaks are
    allowed); 413 above the limit before decoding, 400 for text that is not base64."""
    text = DATA_URI.sub("", "".join(text.split()))
    if len(text) * 3 // 4 > settings.PBX_MEDIA_MAX_BYTES + 2:
        raise too_large(len(text) * 3 // 4)
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise serializers.ValidationError({"data_base64": ["This is not valid base64."]}) from None
    if len(data) > settings.PBX_MEDIA_MAX_BYTES:
        raise too_large(len(data))
    return data


class DownloadUrlField(DetailUrlField):
    """The absolute URL of the object's audio: its serializer's Meta.download_view."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "Where to GET the audio (byte ranges accepted).")
        super().__init__(view_name="", **kwargs)

    def bind(self, field_name, parent):
        super().bind(field_name, parent)
        self.view_name = parent.Meta.download_view


class AudioSerializer(PbxModelSerializer):
    """Base of the audio resources' serializers: list `*AUDIO_FIELDS` in Meta.fields and
    set Meta.download_view to the resource's `<basename>-download`."""

    # An empty file or text is let through to media.audio, which refuses it as
    # unsupported_media naming the accepted formats, like any other file it cannot play.
    file = serializers.FileField(
        write_only=True,
        required=False,
        allow_empty_file=True,
        use_url=False,
        help_text=f"The audio, as a multipart/form-data upload ({audio.ACCEPTED}).",
    )
    data_base64 = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        trim_whitespace=True,
        help_text=f"The audio, base64-encoded, in a JSON body ({audio.ACCEPTED}).",
    )
    download_url = DownloadUrlField()

    def validate(self, attrs):
        upload, encoded = attrs.pop("file", None), attrs.pop("data_base64", None)
        attrs = super().validate(attrs)
        if upload is not None and encoded is not None:
            raise serializers.ValidationError({"file": ["Send the audio once: as file or as data_base64."]})
        if upload is None and encoded is None:
            if self.instance is None:
                raise serializers.ValidationError(
                    {"data_base64": ["Send the audio: a multipart `file`, or `data_base64` in JSON."]}
                )
            return attrs  # a change of the other fields keeps the audio
        data = read_upload(upload) if upload is not None else decode_base64(encoded)
        info = audio.inspect(data)
        attrs["_audio"] = (data, info)
        return attrs

    def save(self, **kwargs):
        sent = self._validated_data.pop("_audio", None)
        replaced = self.instance.file.name if sent is not None and self.instance is not None else None
        if sent is not None:
            self._validated_data.update(audio.stored_fields(*sent))
        instance = super().save(**kwargs)
        if replaced:
            storage = instance.file.storage
            transaction.on_commit(lambda: storage.delete(replaced))
        return instance


class AudioFilterSet(PbxFilterSet):
    """Base of the audio resources' filtersets: `audio_format` (not `format`, which
    chooses the response's format: `?format=csv`), `duration` and `size` with lookups.
    Subclasses list their own fields with `**AudioFilterSet.AUDIO_FIELDS`."""

    AUDIO_FIELDS = {"duration": NUMBER_LOOKUPS, "size": NUMBER_LOOKUPS}

    audio_format = django_filters.ChoiceFilter(field_name="format", choices=audio.FORMAT_CHOICES)


def _byte_range(header, size):
    """(start, end) inclusive for a single `bytes=` range; None to serve the whole file
    (no header, several ranges, or a header that is not a byte range: RFC 9110 lets a
    server ignore those); "unsatisfiable" when the range lies outside the file."""
    match = re.fullmatch(r"\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*", header or "")
    if not match or match[1] == match[2] == "":
        return None
    first, last = match[1], match[2]
    if first == "":  # the last N bytes
        suffix = int(last)
        return (max(0, size - suffix), size - 1) if suffix and size else "unsatisfiable"
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        return "unsatisfiable"
    return start, end


def serve_audio(request, obj):
    """The stored audio of `obj` with its content type; a `Range: bytes=` request gets 206
    and that slice, a range outside the file 416 (in the error envelope)."""
    name = obj.file.name
    if not name or not obj.file.storage.exists(name):
        raise NotFound(f"The audio of {obj._meta.verbose_name} {obj.pk} is missing from storage.")
    size = obj.file.storage.size(name)
    filename = f"{obj._meta.model_name}-{obj.pk}.{name.rsplit('.', 1)[-1]}"
    wanted = _byte_range(request.META.get("HTTP_RANGE"), size)
    if wanted == "unsatisfiable":
        response = error_response(
            416,
            "range_not_satisfiable",
            f"The requested range is outside the file, which has {size} bytes.",
            size=size,
        )
        response["Content-Range"] = f"bytes */{size}"
    elif wanted is None:
        response = FileResponse(obj.file.storage.open(name, "rb"), content_type=obj.content_type)
        response["Content-Length"] = str(size)
    else:
        start, end = wanted
        with obj.file.storage.open(name, "rb") as stored:
            stored.seek(start)
            chunk = stored.read(end - start + 1)
        response = HttpResponse(chunk, status=206, content_type=obj.content_type)
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(len(chunk))
    response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


class AnyAcceptNegotiation(DefaultContentNegotiation):
    """A download answers audio whatever the client accepts (an `<audio>` element sends
    `Accept: audio/*`, which no JSON renderer matches); errors still render as JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except exceptions.NotAcceptable:
            return renderers[0], renderers[0].media_type


class AudioDownloadMixin:
    """Mix into an audio resource's viewset: `GET <id>/download/`."""

    @extend_schema(
        summary="Download the audio",
        description=(
            "The stored file with its content type (audio/wav or audio/mpeg). Send `Range: bytes=0-1023` "
            "for part of it (206 with Content-Range); a range outside the file answers 416."
        ),
        parameters=[
            OpenApiParameter("Range", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False),
        ],
        responses={
            **{
                (status, content_type): OpenApiResponse(OpenApiTypes.BINARY, description=description)
                for status, description in ((200, "The whole file."), (206, "The range asked for."))
                for content_type in ("audio/wav", "audio/mpeg")
            },
            416: OpenApiResponse(
                ERROR_SCHEMA, description="The range lies outside the file (range_not_satisfiable)."
            ),
        },
        filters=False,
    )
    @action(detail=True, methods=["get"], content_negotiation_class=AnyAcceptNegotiation)
    def download(self, request, *args, **kwargs):
        return serve_audio(request, self.get_object())
