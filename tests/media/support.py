"""Helpers of the media tests."""

import base64


def b64(data):
    return base64.b64encode(data).decode()


def content_of(response):
    """The body of a download, streamed or not."""
    return b"".join(response.streaming_content) if response.streaming else response.content
