"""Helpers of the media tests."""

import base64

import pytest


def b64(data):
    return base64.b64encode(data).decode()


def content_of(response):
    """The body of a download, streamed or not."""
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def upload(api):
    """upload(key, data, **fields) -> the response of creating a media file from `data`."""

    def post(key, data, url="/api/media-files/", **fields):
        body = {"name": fields.pop("name", "Welcome"), **fields, "data_base64": b64(data)}
        return api(key).post(url, body, format="json")

    return post
