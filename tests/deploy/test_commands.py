"""The commands that deploy/'s systemd units and crontab run exist and take the
arguments given there, parsed by each command's own parser; the files they name under
the installed checkout exist in it."""

import os

import pytest
from django.core.management import CommandError, get_commands, load_command_class

from tests.deploy.deployfiles import (
    CRONTAB,
    NOT_YET_MERGED,
    UNITS,
    guide_commands,
    in_checkout,
    installed_paths,
    manage_py_lines,
    names_read_by_pbx,
)

LINES = manage_py_lines()


def parser_of(name):
    command = load_command_class(get_commands()[name], name)
    return command.create_parser("manage.py", name)


def without_unmerged_options(parser, arguments):
    """The arguments less an option of NOT_YET_MERGED that the command lacks (and its value)."""
    kept, skip = [], False
    for arg in arguments:
        if skip:
            skip = False
            continue
        option = arg.split("=", 1)[0]
        if option in NOT_YET_MERGED and option not in parser._option_string_actions:
            skip = "=" not in arg
            continue
        kept.append(arg)
    return kept


def test_the_units_and_the_crontab_run_every_upkeep_command():
    commands = {line.command for line in LINES}
    assert {
        "run_webhooks",
        "run_cronjobs",
        "kamailio_config",
        "partition_cdrs",
        "purge_cdrs",
        "purge_changes",
        "purge_webhook_deliveries",
        "purge_media",
    } <= commands, commands


@pytest.mark.parametrize("line", LINES, ids=lambda line: f"{line.where}-{line.command}")
def test_each_command_exists_and_takes_its_arguments(line):
    if line.command not in get_commands():
        if line.command in NOT_YET_MERGED:
            pytest.skip(f"manage.py {line.command} is being written at the same time as deploy/")
        pytest.fail(f"{line}: there is no command {line.command}")
    parser = parser_of(line.command)
    arguments = without_unmerged_options(parser, line.arguments)
    try:
        parser.parse_args(arguments)
    except CommandError as error:
        pytest.fail(f"{line}: {error}")


@pytest.mark.parametrize("line", guide_commands(), ids=lambda line: f"{line.where}-{line.command}")
def test_each_command_the_guide_shows_exists_and_takes_its_arguments(line):
    test_each_command_exists_and_takes_its_arguments(line)


def test_the_guide_shows_the_first_administrator_and_the_upgrade():
    commands = {line.command for line in guide_commands()}
    assert {"migrate", "collectstatic", "createsuperuser", "createapikey", "kamailio_config"} <= commands


@pytest.mark.parametrize("name", sorted(NOT_YET_MERGED))
def test_a_name_not_yet_merged_leaves_the_list_once_it_has_arrived(name):
    """NOT_YET_MERGED is for the time between the deployment files and what they name."""
    if name.startswith("--"):
        arrived = all(
            name in parser_of(line.command)._option_string_actions
            for line in LINES
            if name in " ".join(line.arguments) and line.command in get_commands()
        )
    elif name.islower():
        arrived = name in get_commands()
    else:
        arrived = name in names_read_by_pbx()
    assert not arrived, f"{name} exists now: remove it from NOT_YET_MERGED in tests/deploy/deployfiles.py"


@pytest.mark.parametrize("path,where", installed_paths(), ids=lambda value: str(value))
def test_each_path_under_the_installed_checkout_exists_in_it(path, where):
    found = in_checkout(path)
    assert found.exists(), f"{where} names {path}, and the checkout has no {found}"
    if "/bin/" in path or path.endswith(("pbx-manage", "pbx-backup", "pbx-restore")):
        assert os.access(found, os.X_OK), f"{where}: {found} is not executable"


def test_the_crontab_runs_as_the_users_the_units_run_as():
    users = {line.split()[5] for line in CRONTAB.read_text().splitlines() if line[:1].isdigit()}
    unit_users = {
        line.split("=", 1)[1].strip()
        for unit in UNITS
        for line in unit.read_text().splitlines()
        if line.startswith("User=")
    }
    assert users <= unit_users | {"root"}, users
