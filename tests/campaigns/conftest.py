"""Fax files are stored: every test of this folder stores them under its own temporary
directory, never under the repository's var/media."""

import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
