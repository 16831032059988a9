"""The project as Django sees it: system checks pass and the migrations match the models;
and as its readers see it: docs, code and messages name the systems, not planning files."""

import io
import json
import os
import re
from pathlib import Path

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


# What the project's readers cannot follow: our planning files' numbering of the systems
# users come from, the design file and issue numbers, and paths outside the repository.
# (Written so that this file does not match itself.)
PRIVATE_REFERENCES = re.compile(
    r"\bseeds? 00\d|\bseeds/|\bDESIGN\.md\b|\bissues? #?\d+|\.\./shared|steering\s+repo", re.IGNORECASE
)
ROOT = Path(__file__).resolve().parents[2]
TEXT_SUFFIXES = {".py", ".md", ".html", ".txt", ".sh", ".toml", ".cfg", ".lua", ".json", ".yml", ".yaml"}
SKIPPED_DIRS = {"var", "node_modules", "__pycache__", "results"}


def project_text_files():
    """The repository's text files, without the virtualenv, runtime data or results."""
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [name for name in dirs if not name.startswith(".") and name not in SKIPPED_DIRS]
        for name in files:
            path = Path(folder, name)
            if path.suffix in TEXT_SUFFIXES or name == "Makefile":
                yield path


def private_references(text):
    return sorted({match.group(0) for match in PRIVATE_REFERENCES.finditer(text)})


def test_the_pattern_tells_references_from_ordinary_words():
    # Split so that this file's own text does not match.
    for reference in (
        "seed " + "001's example",
        "DESIGN" + ".md",
        "issue " + "7",
        ".." + "/shared",
        "seeds" + "/004",
    ):
        assert private_references(f"as in {reference} says"), reference
    assert not private_references("ApiKey.issue(owner) issues a key; make bench seeds PostgreSQL")


def test_docs_code_and_messages_name_systems_not_planning_files():
    found = {
        str(path.relative_to(ROOT)): hits
        for path in project_text_files()
        if (hits := private_references(path.read_text(encoding="utf-8", errors="replace")))
    }
    assert found == {}, (
        f"Name the system (Thirdlane, MiRTA PBX, FusionPBX, DjangoPBX) or link docs/ instead: {found}"
    )


def test_the_api_schema_names_systems_not_planning_files(openapi_schema):
    assert private_references(json.dumps(openapi_schema)) == []


def test_every_commands_help_names_systems_not_planning_files():
    from django.core.management import get_commands, load_command_class

    helps = {
        name: load_command_class(app, name).create_parser("manage.py", name).format_help()
        for name, app in get_commands().items()
        if app
        in {"pbx", "tenants", "apikeys", "extensions", "media", "routing", "campaigns", "cdrs", "webhooks"}
    }
    assert (
        helps
        and {name: private_references(text) for name, text in helps.items() if private_references(text)} == {}
    )
