"""manage.py import_csv and export_csv: the API's CSV import and export from the command
line, acting as the platform (docs/csv.md)."""

import io
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from extensions.models import Extension
from pbx.models import ChangeLog
from routing.models import HuntList
from tests.factories import ExtensionFactory


def run(*args):
    """(stdout, stderr) of a command that succeeds."""
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(*args):
    """(the CommandError's message, stderr) of a command that fails."""
    err = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command(*args, stdout=io.StringIO(), stderr=err)
    return str(failure.value), err.getvalue()


@pytest.fixture
def csv_file(tmp_path):
    def write(text, encoding="utf-8"):
        path = tmp_path / "rows.csv"
        path.write_bytes(text.encode(encoding))
        return str(path)

    return write


def numbers(tenant):
    return sorted(Extension.objects.filter(tenant=tenant).values_list("number", flat=True))


def test_it_imports_a_file_and_sums_it_up(acme, csv_file):
    path = csv_file("tenant,number,name\nACME,101,Alice\nACME,102,Bob\n")
    out, err = run("import_csv", "extensions", path)
    assert numbers(acme) == ["101", "102"]
    assert out.strip() == "extensions: 2 rows, 2 created, 0 updated, 0 unchanged, 0 skipped, 0 refused."
    assert "imported 2 of 2 rows" in err


def test_its_changes_are_logged_as_the_commands(acme, csv_file):
    run("import_csv", "extensions", csv_file("number,name\n101,Alice\n"), "--tenant", "ACME")
    row = ChangeLog.objects.get(object_type="extension")
    assert (row.action, row.source) == ("create", "command:import_csv")


def test_the_resource_may_be_named_by_its_model(acme, csv_file):
    run("import_csv", "Extension", csv_file("number,name\n101,Alice\n"), "--tenant", "acme")
    assert numbers(acme) == ["101"]


def test_the_progress_bar_counts_the_rows_by_hundreds(acme, csv_file):
    rows = "".join(f"{number},Ext {number}\n" for number in range(1000, 1250))
    _out, err = run("import_csv", "extensions", csv_file("number,name\n" + rows), "--tenant", "ACME")
    assert "100 of 250 rows" in err and "200 of 250 rows" in err and "250 of 250 rows" in err
    assert "[" + "#" * 30 + "]" in err


def test_a_dry_run_writes_nothing_and_reports_what_would_be_done(acme, csv_file):
    ExtensionFactory(tenant=acme, number="101", name="Alice")
    path = csv_file("number,name\n101,Alicia\n102,Bob\n")
    out, _err = run(
        "import_csv", "extensions", path, "--tenant", "ACME", "--dry-run", "--on-duplicate", "update"
    )
    assert "2 rows, 1 created, 1 updated" in out and "dry run: nothing written" in out
    assert numbers(acme) == ["101"]
    assert Extension.objects.get(tenant=acme).name == "Alice"
    assert not ChangeLog.objects.filter(source="command:import_csv").exists()


def test_refused_rows_are_listed_by_line_and_column_and_nothing_is_written(acme, csv_file):
    path = csv_file("number,name,enabled\n101,Alice,true\nabc,Bob,true\n103,Carol,maybe\n")
    message, err = refused("import_csv", "extensions", path, "--tenant", "ACME")
    assert message == "2 of 3 rows are refused: nothing was written."
    assert "line 3, column number: " in err
    assert "line 4, column enabled: " in err
    assert numbers(acme) == []


def test_a_dry_run_with_refused_rows_fails_too(acme, csv_file):
    message, err = refused(
        "import_csv", "extensions", csv_file("number\nabc\n"), "--tenant", "ACME", "--dry-run"
    )
    assert message == "1 of 1 rows are refused: nothing would be written."
    assert "line 2, column number: " in err


def test_rows_without_a_tenant_column_go_to_the_tenant_given(acme, globex, csv_file):
    run("import_csv", "extensions", csv_file("number,name\n101,Alice\n"), "--tenant", "GLOBEX")
    assert numbers(globex) == ["101"]
    assert numbers(acme) == []


def test_rows_of_another_tenant_than_the_one_given_are_refused(acme, globex, csv_file):
    path = csv_file("tenant,number\nACME,101\n")
    _message, err = refused("import_csv", "extensions", path, "--tenant", "GLOBEX")
    assert "line 2, column tenant: " in err
    assert numbers(acme) == numbers(globex) == []


def test_rows_without_any_tenant_are_refused(acme, csv_file):
    _message, err = refused("import_csv", "extensions", csv_file("number\n101\n"))
    assert "line 2" in err and "tenant" in err


def test_an_unknown_tenant_is_one_clear_error(db, csv_file):
    message, _err = refused("import_csv", "extensions", csv_file("number\n101\n"), "--tenant", "NOPE")
    assert message == "No tenant has the code 'NOPE'."


def test_a_platform_resource_takes_no_tenant(db, csv_file):
    message, _err = refused("import_csv", "tenants", csv_file("code,name\nX,X\n"), "--tenant", "ACME")
    assert message == "tenants are platform objects, not a tenant's: leave out --tenant."


def test_an_existing_object_is_refused_by_default(acme, csv_file):
    ExtensionFactory(tenant=acme, number="101", name="Alice")
    _message, err = refused(
        "import_csv", "extensions", csv_file("number,name\n101,Alicia\n"), "--tenant", "ACME"
    )
    assert "line 2, column number: " in err and "already exists" in err
    assert Extension.objects.get(tenant=acme).name == "Alice"


def test_on_duplicate_skip_leaves_an_existing_object_alone(acme, csv_file):
    ExtensionFactory(tenant=acme, number="101", name="Alice")
    path = csv_file("number,name\n101,Alicia\n102,Bob\n")
    out, _err = run("import_csv", "extensions", path, "--tenant", "ACME", "--on-duplicate", "skip")
    assert "2 rows, 1 created, 0 updated, 0 unchanged, 1 skipped" in out
    assert Extension.objects.get(tenant=acme, number="101").name == "Alice"


def test_on_duplicate_update_changes_only_the_columns_given(acme, csv_file):
    ExtensionFactory(tenant=acme, number="101", name="Alice", description="desk")
    path = csv_file("number,name\n101,Alicia\n")
    out, _err = run("import_csv", "extensions", path, "--tenant", "ACME", "--on-duplicate", "update")
    assert "1 rows, 0 created, 1 updated" in out
    extension = Extension.objects.get(tenant=acme, number="101")
    assert (extension.name, extension.description) == ("Alicia", "desk")


def test_an_unknown_duplicate_policy_is_refused(acme, csv_file):
    with pytest.raises(CommandError, match="fail"):
        call_command("import_csv", "extensions", csv_file("number\n101\n"), "--on-duplicate", "replace")


def test_a_windows_1252_file_is_read(acme, csv_file):
    # The en dash is 0x96 in Windows-1252, a byte that Latin-1 reads as a control character.
    path = csv_file("number;name\n101;Zoë Müller \u2013 Réception\n", encoding="cp1252")
    run("import_csv", "extensions", path, "--tenant", "ACME")
    assert Extension.objects.get(tenant=acme).name == "Zoë Müller \u2013 Réception"


def test_a_file_may_come_on_standard_input(acme, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"number,name\n101,Alice\n")))
    run("import_csv", "extensions", "-", "--tenant", "ACME")
    assert numbers(acme) == ["101"]


def test_a_bad_file_on_standard_input_is_named_so(db, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
    message, _err = refused("import_csv", "extensions", "-")
    assert message == "standard input: The file is empty: its first line must name the columns."


def test_an_export_imported_back_changes_and_logs_nothing(acme, globex, tmp_path):
    for tenant in (acme, globex):
        ExtensionFactory(tenant=tenant, number="101", name='Zoë, the "desk"', codecs=["opus", "alaw"])
        ExtensionFactory(tenant=tenant, number="102")
    path = str(tmp_path / "extensions.csv")
    _out, err = run("export_csv", "extensions", "--output", path)
    assert "Exported 4 extensions" in err
    changes = ChangeLog.objects.count()
    out, _err = run("import_csv", "extensions", path, "--on-duplicate", "update")
    assert "4 rows, 0 created, 0 updated, 4 unchanged, 0 skipped, 0 refused" in out
    assert ChangeLog.objects.count() == changes


def test_an_export_holds_the_secrets(acme):
    ExtensionFactory(tenant=acme, number="101", password="s3cret-Pa55")
    out, _err = run("export_csv", "extensions")
    assert "password" in out.splitlines()[0].split(",")
    assert "s3cret-Pa55" in out


def test_an_export_with_a_tenant_holds_that_tenants_objects_only(acme, globex):
    ExtensionFactory(tenant=acme, number="101")
    ExtensionFactory(tenant=globex, number="201")
    out, _err = run("export_csv", "extensions", "--tenant", "GLOBEX")
    lines = out.strip().splitlines()
    assert len(lines) == 2 and ",201," in lines[1]


def test_an_export_into_a_file_that_cannot_be_written_is_one_clear_error(db, tmp_path):
    message, _err = refused("export_csv", "extensions", "--output", str(tmp_path / "missing" / "x.csv"))
    assert message.endswith("cannot write it (No such file or directory).")


@pytest.mark.parametrize("command", [("import_csv", "phones", "rows.csv"), ("export_csv", "phones")])
def test_an_unknown_resource_lists_the_resources(db, command):
    message, _err = refused(*command)
    assert message.startswith("Unknown resource 'phones': the resources are ")
    assert "extensions, " in message and "hunt-lists" in message
    assert "\n" not in message


def test_a_resource_without_an_import_is_unknown(db):
    message, _err = refused("export_csv", "changes")
    assert message.startswith("Unknown resource 'changes'")


def test_a_missing_file_is_one_clear_error(db, tmp_path):
    message, _err = refused("import_csv", "extensions", str(tmp_path / "nope.csv"))
    assert message == f"{tmp_path / 'nope.csv'}: cannot read it (No such file or directory)."


def test_an_unknown_column_is_one_clear_error_naming_the_columns(acme, csv_file):
    path = csv_file("number,colour\n101,red\n")
    message, _err = refused("import_csv", "extensions", path, "--tenant", "ACME")
    assert message.startswith(f"{path}: Line 1: unknown column colour; the columns are id, tenant, number")
    assert numbers(acme) == []


def test_an_empty_file_is_one_clear_error(db, csv_file):
    message, _err = refused("import_csv", "extensions", csv_file(""))
    assert message.endswith("The file is empty: its first line must name the columns.")


def test_a_hunt_list_names_its_members_in_one_cell(acme, csv_file):
    first, second = ExtensionFactory(tenant=acme, number="101"), ExtensionFactory(tenant=acme, number="102")
    path = csv_file(f"number,name,members\n600,Sales,EXT-{second.pk};EXT-{first.pk}\n")
    run("import_csv", "hunt-lists", path, "--tenant", "ACME")
    hunt_list = HuntList.objects.get(tenant=acme, number="600")
    assert [m.extension_id for m in hunt_list.memberships.all()] == [second.pk, first.pk]


def test_a_file_that_is_no_text_is_one_clear_error(db, tmp_path):
    path = tmp_path / "phone.png"
    path.write_bytes(b"\x89PNG\r\n\x00\x00number\n")
    message, _err = refused("import_csv", "extensions", str(path))
    assert message == f"{path}: The file holds NUL characters: it is no CSV text."
