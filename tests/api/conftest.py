"""Fixtures of the generated matrices (the personas are in tests/conftest.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import ApiKeyFactory


@pytest.fixture
def acme_admin_global_key(acme_admin):
    """A global key of ACME's minor admin: it reaches the owner's tenants (ACME only)."""
    return ApiKeyFactory(owner=acme_admin, name="acme admin global key")


@pytest.fixture
def expired_key(platform_admin):
    return ApiKeyFactory(
        owner=platform_admin, name="expired", expires_at=timezone.now() - timedelta(minutes=1)
    )


@pytest.fixture
def revoked_key(platform_admin):
    return ApiKeyFactory(owner=platform_admin, name="revoked", revoked_at=timezone.now())
