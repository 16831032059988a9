"""docs/csv.md's columns of each resource are generated from the serializers
(`manage.py csv_columns_doc`), so the page cannot drift from what the import reads."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from pbx.api.sheet_docs import BEGIN, END, updated_page
from pbx.management.spreadsheets import importable_resources

PAGE = Path(settings.BASE_DIR) / "docs" / "csv.md"


# The columns' ranges come from the database's integer sizes (DRF asks the connection):
# the page gives PostgreSQL's, which production runs; SQLite's integers are all 64-bit.
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the page documents PostgreSQL's ranges")
def test_the_page_holds_the_columns_the_serializers_give(db):
    text = PAGE.read_text(encoding="utf-8")
    assert updated_page(text) == text, "docs/csv.md is out of date: run manage.py csv_columns_doc"


def test_every_importable_resource_has_its_section(db):
    text = PAGE.read_text(encoding="utf-8")
    for prefix, _viewset in importable_resources():
        assert f"\n### {prefix}\n" in text


def test_a_section_names_the_natural_key_aliases_and_secrets(db):
    text = PAGE.read_text(encoding="utf-8")
    section = text.split("\n### extensions\n")[1].split("\n### ")[0]
    assert "Natural key: `number` within its tenant." in section
    number = next(line for line in section.splitlines() if line.startswith("| `number` |"))
    assert "`ex_number`" in number and "natural key" in number
    password = next(line for line in section.splitlines() if line.startswith("| `password` |"))
    assert "secret" in password
    busy = next(line for line in section.splitlines() if line.startswith("| `destinations.EXT-BUSY` |"))
    assert "`onbusy`" in busy


def test_the_command_rewrites_only_the_generated_part(db, tmp_path):
    page = tmp_path / "csv.md"
    page.write_text(f"# Hand-written\n\n{BEGIN}\nstale\n{END}\n\nTail.\n", encoding="utf-8")
    call_command("csv_columns_doc", "--page", str(page), stdout=io.StringIO())
    text = page.read_text(encoding="utf-8")
    assert text.startswith(f"# Hand-written\n\n{BEGIN}\n\n### ")
    assert text.endswith(f"{END}\n\nTail.\n") and "stale" not in text


def test_check_fails_on_a_page_out_of_date_and_changes_nothing(db, tmp_path):
    page = tmp_path / "csv.md"
    stale = f"{BEGIN}\nstale\n{END}\n"
    page.write_text(stale, encoding="utf-8")
    with pytest.raises(CommandError, match="out of date"):
        call_command("csv_columns_doc", "--page", str(page), "--check")
    assert page.read_text(encoding="utf-8") == stale


def test_a_page_without_the_markers_is_one_clear_error(db, tmp_path):
    page = tmp_path / "csv.md"
    page.write_text("# No markers\n", encoding="utf-8")
    with pytest.raises(CommandError, match="markers"):
        call_command("csv_columns_doc", "--page", str(page))
