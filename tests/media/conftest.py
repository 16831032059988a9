"""Fixtures of the media tests."""

import pytest

from tests.media.support import b64


@pytest.fixture
def upload(api):
    """upload(key, data, **fields) -> the response of creating a media file from `data`."""

    def post(key, data, url="/api/media-files/", **fields):
        body = {"name": fields.pop("name", "Welcome"), **fields, "data_base64": b64(data)}
        return api(key).post(url, body, format="json")

    return post
