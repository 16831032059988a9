"""docs/migrating.md's `## MiRTA PBX` section against the door's code: every object it
lists is mapped as it says and every mapped object is listed, the fields pbx cannot
honour are the ones the door refuses, and every error code the door answers is named."""

import inspect
import re
from pathlib import Path

import pytest

from compat.mirta import views
from compat.mirta.groups import GROUP_COLUMNS
from compat.mirta.objects import BY_NAME, OBJECTS

DOC = Path(__file__).resolve().parents[3] / "docs" / "migrating.md"


def section():
    text = DOC.read_text()
    start = text.index("\n## MiRTA PBX\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def table_under(heading):
    """The rows of the first table after `heading`, as lists of cells without backticks."""
    text = section()
    lines = text[text.index(f"\n{heading}\n") :].splitlines()[1:]
    rows, started = [], False
    for line in lines:
        if line.startswith("|"):
            started = True
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            if not set(cells[0]) <= set("-") and not cells[0].startswith("MiRTA PBX"):
                rows.append(cells)
        elif started:
            break
    return rows


def names(cell):
    return re.findall(r"`([^`]+)`", cell)


def objects_in_doc():
    return {names(row[0])[0]: row for row in table_under("### Objects and their pbx resources")}


def test_the_doc_lists_every_object_the_door_maps():
    assert set(objects_in_doc()) == {obj.name for obj in OBJECTS}


def test_the_door_maps_every_object_the_doc_lists():
    assert set(objects_in_doc()) <= set(BY_NAME)


@pytest.mark.parametrize("obj", OBJECTS, ids=lambda obj: obj.name)
def test_the_doc_gives_each_objects_paths_table_and_pbx_resource(obj):
    paths, table, resource = objects_in_doc()[obj.name][1:4]
    expected_paths = [f"/{obj.plural}", f"/{obj.name}?id="] + (
        [f"/{obj.plural}/number/N"] if obj.numbered else []
    )
    assert names(paths) == expected_paths
    assert names(table) == [obj.table, obj.id_column]
    assert names(resource) == [f"/api/{obj.resource}/"]


@pytest.mark.parametrize("obj", OBJECTS, ids=lambda obj: obj.name)
def test_the_doc_names_the_columns_each_object_answers(obj):
    expected = [column for column in obj.columns if column != obj.id_column]
    if obj.name == "extension":
        expected += list(GROUP_COLUMNS)
    assert names(objects_in_doc()[obj.name][4]) == expected


def test_the_doc_lists_exactly_the_fields_the_door_refuses():
    documented = {
        (names(row[0])[0], names(row[1])[0]): row[2] for row in table_under("### Fields pbx cannot honour")
    }
    refused = {(obj.name, name): why for obj in OBJECTS for name, why in obj.unsupported.items()}
    assert documented == refused


def test_the_doc_names_every_error_code_the_door_answers():
    codes = set(re.findall(r'DoorError\(\s*\d+,\s*"(\w+)"', inspect.getsource(views)))
    codes |= {"extension_not_found", "multiple_extensions_found"}  # pbx's codes, renamed
    assert codes, "the door's error codes were not found in its source"
    assert {code for code in codes if f"`{code}`" not in section()} == set()
