"""The commands that deploy/'s systemd units and crontab run exist and take the
arguments given there, parsed by each command's own parser; the files they name under
the installed checkout exist in it."""

import os

import pytest
from django.core.management import CommandError, get_commands, load_command_class

from tests.deploy.deployfiles import (
    CRONTAB,
    UNITS,
    guide_commands,
    in_checkout,
    installed_paths,
    manage_py_lines,
)

LINES = manage_py_lines()


def parser_of(name):
    command = load_command_class(get_commands()[name], name)
    return command.create_parser("manage.py", name)


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
        pytest.fail(f"{line}: there is no command {line.command}")
    parser = parser_of(line.command)
    try:
        parser.parse_args(line.arguments)
    except CommandError as error:
        pytest.fail(f"{line}: {error}")


@pytest.mark.parametrize("line", guide_commands(), ids=lambda line: f"{line.where}-{line.command}")
def test_each_command_the_guide_shows_exists_and_takes_its_arguments(line):
    test_each_command_exists_and_takes_its_arguments(line)


def test_the_guide_shows_the_first_administrator_and_the_upgrade():
    commands = {line.command for line in guide_commands()}
    assert {"migrate", "collectstatic", "createsuperuser", "createapikey", "kamailio_config"} <= commands


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
