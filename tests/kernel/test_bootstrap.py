"""manage.py bootstrap: what `make run` prints the first time, and nothing twice."""

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from apikeys.models import ApiKey, digest
from extensions.models import Extension
from tenants.models import Tenant


def bootstrap():
    out = StringIO()
    call_command("bootstrap", stdout=out)
    return out.getvalue()


def test_the_first_run_creates_an_admin_a_key_and_a_demo_tenant(db):
    out = bootstrap()
    password = out.split("password ")[1].split()[0]
    key = out.split("Global API key: ")[1].split()[0]
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.check_password(password)
    assert ApiKey.objects.get(owner=admin).key_hash == digest(key)
    assert Extension.objects.filter(tenant=Tenant.objects.get(code="DEMO")).count() >= 3


def test_a_second_run_creates_nothing_and_says_how_to_get_a_key(db):
    bootstrap()
    out = bootstrap()
    assert "createapikey" in out
    assert ApiKey.objects.count() == 1
    assert Tenant.objects.count() == 1


def test_every_address_printed_uses_the_port_given(db):
    out = StringIO()
    call_command("bootstrap", "--port", "8123", stdout=out)
    addresses = re.findall(r"http://[^\s/]+", out.getvalue())
    assert addresses and set(addresses) == {"http://127.0.0.1:8123"}


def test_a_port_that_is_not_a_port_is_refused_in_one_line(db):
    with pytest.raises(CommandError, match="port number from 1 to 65535"):
        call_command("bootstrap", "--port", "http")
    assert not get_user_model().objects.exists()
