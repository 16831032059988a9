"""Settings read from the environment refuse what they cannot understand."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from pbx import settings


def test_a_redis_cache_url_selects_the_shared_redis_cache():
    assert settings._cache("redis://127.0.0.1:6379/0")["BACKEND"].endswith("RedisCache")


def test_no_cache_url_means_a_per_process_cache():
    assert settings._cache("")["BACKEND"].endswith("LocMemCache")


def test_an_unknown_cache_url_is_refused():
    with pytest.raises(ImproperlyConfigured, match="PBX_CACHE_URL"):
        settings._cache("memcached://x")


def test_a_boolean_switch_must_be_a_boolean(monkeypatch):
    monkeypatch.setenv("PBX_X", "maybe")
    with pytest.raises(ImproperlyConfigured, match="PBX_X"):
        settings.env_bool("PBX_X", False)


def test_a_number_setting_must_be_a_number(monkeypatch):
    monkeypatch.setenv("PBX_N", "ten")
    with pytest.raises(ImproperlyConfigured, match="PBX_N"):
        settings.env_int("PBX_N", 1)
