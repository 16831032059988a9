"""The environment the deployment files give pbx: every variable they set is one that
pbx (or gunicorn, or the library named) reads, every setting pbx reads is in the
example environment file, and the limits and paths that nginx and the units repeat
agree with pbx's."""

import re
import runpy

import pytest
from django.conf import settings

from tests.deploy.deployfiles import (
    DEPLOY,
    ENV_FILES,
    READ_BY_A_LIBRARY,
    REFERENCE,
    ROOT,
    UNITS,
    env_example,
    library_reads,
    names_read_by_pbx,
    names_settings_read,
    unit_environment,
    unit_environment_files,
    unit_settings,
)

# Read by the process a unit runs, not by Python: Kamailio's local time.
READ_BY_THE_PROGRAM = {"TZ", "PYTHONDONTWRITEBYTECODE"}
# Settings pbx reads that an operator never sets: the change log is switched off only by
# the benchmark that measures its cost.
NOT_FOR_OPERATORS = {"PBX_CHANGE_LOG"}
NGINX = DEPLOY / "nginx" / "pbx.conf"


def unit(name):
    return DEPLOY / "systemd" / name


def named_variables():
    """[(name, where)] of every variable the example files and the units set."""
    named = []
    for path in ENV_FILES.values():
        named += [(name, path.name) for name in env_example(path)]
    for path in UNITS:
        named += [(name, path.name) for name in unit_environment(path)]
    return named


@pytest.mark.parametrize("name,where", named_variables(), ids=lambda value: str(value))
def test_each_variable_set_is_one_that_something_reads(name, where):
    if name.startswith("KAMAILIO_"):
        users = [path.name for path in UNITS if f"${{{name}}}" in path.read_text()]
        assert users, f"{where} sets {name}, which no unit's command line uses"
    elif name in READ_BY_A_LIBRARY:
        package = READ_BY_A_LIBRARY[name]
        assert library_reads(package, name), f"{where} sets {name}, which {package} does not read"
    elif name in READ_BY_THE_PROGRAM:
        pass
    else:
        assert name in names_read_by_pbx(), (
            f"{where} sets {name}, which pbx never reads (a typo, or a setting that was renamed?)"
        )


@pytest.mark.parametrize("name", sorted(names_settings_read() - NOT_FOR_OPERATORS))
def test_each_setting_pbx_reads_is_in_the_example_environment_or_a_unit(name):
    units_set = {set_name for path in UNITS for set_name in unit_environment(path)}
    assert name in env_example(DEPLOY / "env.example") or name in units_set, (
        f"pbx reads {name}: give it a line (commented, with its default) in deploy/env.example"
    )


@pytest.mark.parametrize("path", UNITS, ids=lambda path: path.name)
def test_each_variable_a_unit_uses_comes_from_its_environment_files(path):
    files = unit_environment_files(path)
    assert files, f"{path.name} reads no EnvironmentFile"
    assert set(files) <= set(ENV_FILES), (
        f"{path.name} reads {files}; deploy/ has examples of {list(ENV_FILES)}"
    )
    available = set(unit_environment(path))
    for file in files:
        available |= set(env_example(ENV_FILES[file]))
    used = set(REFERENCE.findall(path.read_text()))
    assert used <= available, f"{path.name} uses {sorted(used - available)}, set nowhere"


def test_the_web_unit_may_write_the_media_root_the_environment_names():
    media_root = env_example(DEPLOY / "env.example")["PBX_MEDIA_ROOT"]
    writable = [value for key, value, _ in unit_settings(unit("pbx-web.service")) if key == "ReadWritePaths"]
    assert writable == [media_root]


def test_the_state_directory_is_the_var_dir():
    var_dir = env_example(DEPLOY / "env.example")["PBX_VAR_DIR"]
    for path in UNITS:
        states = [value for key, value, _ in unit_settings(path) if key == "StateDirectory"]
        if states:
            assert [f"/var/lib/{state}" for state in states] == [var_dir], path.name


def test_the_web_unit_gives_gunicorn_an_empty_metrics_folder_of_its_own():
    settings_ = dict((key, value) for key, value, _ in unit_settings(unit("pbx-web.service")))
    runtime = f"/run/{settings_['RuntimeDirectory']}"
    assert unit_environment(unit("pbx-web.service"))["PROMETHEUS_MULTIPROC_DIR"] == runtime


def nginx_size(directive):
    match = re.search(rf"^\s*{directive}\s+([^;]+);", NGINX.read_text(), re.MULTILINE)
    assert match, f"deploy/nginx/pbx.conf has no {directive}"
    return match[1].split()


def in_bytes(size):
    number, unit_ = re.fullmatch(r"(\d+)([kKmMgG]?)", size).groups()
    return int(number) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit_.lower()]


def test_nginx_lets_through_every_body_pbx_accepts():
    """Bodies up to PBX_MAX_BODY_BYTES, and a whole media file as base64 in JSON, reach
    pbx, which answers what is over its own limit with its JSON error."""
    (size,) = nginx_size("client_max_body_size")
    largest_media_as_json = settings.PBX_MEDIA_MAX_BYTES * 4 // 3 + 4096
    assert in_bytes(size) > max(settings.PBX_MAX_BODY_BYTES, largest_media_as_json)


def test_nginx_lets_through_every_request_line_and_header_gunicorn_accepts():
    gunicorn = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    _count, size = nginx_size("large_client_header_buffers")
    assert in_bytes(size) >= max(gunicorn["limit_request_line"], gunicorn["limit_request_field_size"])
