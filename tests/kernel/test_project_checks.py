"""The project as Django sees it: system checks pass and the migrations match the models."""

import io

import pytest
from django.core.management import call_command


def test_the_system_checks_pass():
    call_command("check", stdout=io.StringIO())  # raises SystemCheckError on an error


@pytest.mark.django_db
def test_every_model_change_has_its_migration():
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out)
    except SystemExit:
        pytest.fail(f"Models and migrations differ; run makemigrations:\n{out.getvalue()}")
