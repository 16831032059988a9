"""docs/migrating.md's FusionPBX section says what the FusionPBX door does: its tables
are checked against the actions the door answers."""

from compat.fusionpbx.actions import ACTION_ALIASES, ACTIONS
from tests.compat.migrating_doc import DOC, section, table_rows

SECTION = section("FusionPBX")


def test_the_file_starts_with_an_introduction_before_any_system():
    text = DOC.read_text()
    assert text.startswith("# ") and text.index("\n## ") > text.index("\n\n") + 200


def test_the_section_says_what_works_unchanged_what_differs_and_the_equivalent():
    assert "### What works unchanged" in SECTION and "### What differs" in SECTION
    assert "pbx equivalent" in SECTION


def test_every_action_is_documented_and_every_documented_action_exists():
    documented = [row[0][0] for row in table_rows(SECTION, "| action |")]
    assert sorted(documented) == sorted(ACTIONS)


def test_each_actions_documented_parameters_are_the_ones_it_takes():
    for row in table_rows(SECTION, "| action |"):
        (name,), parameters = row[0], row[1]
        assert set(parameters) == ACTIONS[name].accepted - {"action"}, name


def test_each_action_names_an_existing_pbx_route_as_its_equivalent():
    from django.urls import resolve

    for row in table_rows(SECTION, "| action |"):
        (equivalent,) = row[3]
        _method, path = equivalent.split(" ", 1)
        path = path.split("?")[0].replace("{id}", "1").replace("{uuid}", "1").replace("{call_id}", "1")
        assert getattr(resolve(path).func, "cls", None) is not None, equivalent  # not the API's 404


def test_the_other_spellings_are_the_ones_the_door_takes():
    documented = {written: meant for (written,), (meant,) in table_rows(SECTION, "| written |")}
    assert documented == ACTION_ALIASES
