"""What the deployment files in deploy/ name: the manage.py commands the units and the
crontab run, the environment variables they set and read, and the paths under the
checkout they use (installed as /opt/pbx)."""

import functools
import importlib.util
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
INSTALLED = "/opt/pbx"  # where docs/deployment.md installs the checkout
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
CRONTAB = DEPLOY / "cron" / "pbx"
ENV_FILES = {
    "/etc/pbx/pbx.env": DEPLOY / "env.example",
    "/etc/pbx/kamailio.env": DEPLOY / "kamailio.env.example",
}

ASSIGNMENT = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=(.*)$")
REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass
class CommandLine:
    """One `manage.py <command> <arguments>` that a deployment file runs."""

    where: str  # file:line
    command: str
    arguments: list

    def __str__(self):
        return f"{self.where}: manage.py {self.command} {' '.join(self.arguments)}"


def env_example(path):
    """{name: value} of an example environment file, commented-out lines included (they
    give the defaults an operator may uncomment)."""
    values = {}
    for line in path.read_text().splitlines():
        if match := ASSIGNMENT.match(line.strip()):
            values[match[1]] = match[2]
    return values


def unit_settings(path):
    """[(key, value, line number)] of a systemd unit, comments left out."""
    settings = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        line = line.strip()
        if line and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            settings.append((key.strip(), value.strip(), number))
    return settings


def unit_environment_files(path):
    return [value.lstrip("-") for key, value, _ in unit_settings(path) if key == "EnvironmentFile"]


def unit_environment(path):
    """{name: value} of a unit's Environment= lines."""
    names = {}
    for key, value, _ in unit_settings(path):
        if key == "Environment":
            for assignment in shlex.split(value):
                name, _, text = assignment.partition("=")
                names[name] = text
    return names


def unit_commands(path):
    """[(argv, line number)] of a unit's Exec* lines, with systemd's prefixes removed."""
    commands = []
    for key, value, number in unit_settings(path):
        if key.startswith("Exec"):
            commands.append((shlex.split(value.lstrip("-+!@:")), number))
    return commands


def crontab_commands():
    """[(argv, line number)] of the crontab's jobs (after minute ... weekday and user)."""
    commands = []
    for number, line in enumerate(CRONTAB.read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#") or re.match(r"^[A-Z_]+=", line):
            continue
        fields = line.split(None, 6)
        assert len(fields) == 7, f"{CRONTAB.name}:{number} is not 'm h dom mon dow user command'"
        commands.append((shlex.split(fields[6]), number))
    return commands


def expand(argv, values):
    """The arguments with ${NAME} replaced by the example environment's values."""
    return [REFERENCE.sub(lambda m: values[m[1]], arg) for arg in argv]


def manage_py_lines():
    """Every manage.py command the units and the crontab run (directly or through
    deploy/pbx-manage), with its arguments as the example environment files fill them."""
    examples = {}
    for path in ENV_FILES.values():
        examples.update(env_example(path))
    found = []
    sources = [(unit, unit_commands(unit)) for unit in UNITS] + [(CRONTAB, crontab_commands())]
    for path, commands in sources:
        for argv, number in commands:
            for index, arg in enumerate(argv):
                if arg.endswith(("/manage.py", "/pbx-manage")):
                    rest = expand(argv[index + 1 :], examples)
                    where = f"{path.relative_to(ROOT)}:{number}"
                    found.append(CommandLine(where, rest[0], rest[1:]))
                    break
    return found


def installed_paths():
    """[(path under /opt/pbx, where)] that the units and the crontab name."""
    paths = []
    for path in [*UNITS, CRONTAB]:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if line.lstrip().startswith("#"):
                continue
            for found in re.findall(rf"{INSTALLED}/[^\s'\"]+", line):
                paths.append((found, f"{path.relative_to(ROOT)}:{number}"))
    return paths


def in_checkout(installed_path):
    return ROOT / installed_path.removeprefix(INSTALLED + "/")


# A name read from the environment: os.environ.get("X"), os.environ["X"], os.getenv("X"),
# or the settings' env_bool/env_int/env_list("X", ...).
READ_FROM_ENVIRONMENT = re.compile(
    r"""(?:\benv_(?:bool|int|list)\(|os\.environ\.get\(|os\.environ\[|\bgetenv\()\s*["']([A-Z][A-Z0-9_]*)["']"""
)


def pbx_sources():
    """pbx's Python source: every app, settings.py and gunicorn.conf.py; not the tests."""
    for top in sorted(ROOT.iterdir()):
        if top.name in ("tests", "var", "node_modules") or top.name.startswith("."):
            continue
        if top.is_dir():
            yield from top.rglob("*.py")
        elif top.suffix == ".py":
            yield top


@functools.cache
def names_read_by_pbx():
    """Every environment variable pbx's code reads, by name."""
    names = set()
    for path in pbx_sources():
        names.update(READ_FROM_ENVIRONMENT.findall(path.read_text()))
    return names


def names_settings_read():
    """The environment variables pbx/settings.py and gunicorn.conf.py read."""
    found = set()
    for path in (ROOT / "pbx" / "settings.py", ROOT / "gunicorn.conf.py"):
        found.update(READ_FROM_ENVIRONMENT.findall(path.read_text()))
    return found


# Variables read by something other than pbx's code, and who reads them.
READ_BY_A_LIBRARY = {
    "WEB_CONCURRENCY": "gunicorn",  # the default of --workers
    "PROMETHEUS_MULTIPROC_DIR": "prometheus_client",  # where gunicorn's workers share metrics
}


def library_reads(package, name):
    """Whether an installed package's source names the variable."""
    spec = importlib.util.find_spec(package)
    if spec is None:
        return False
    folder = Path(spec.origin).parent
    return any(name in path.read_text(errors="replace") for path in folder.rglob("*.py"))


GUIDE = ROOT / "docs" / "deployment.md"


def guide_commands():
    """Every `pbx-manage <command> <arguments>` in docs/deployment.md's shell blocks."""
    found, block, pending = [], False, ""
    for number, line in enumerate(GUIDE.read_text().splitlines(), 1):
        if line.startswith("```"):
            block = line.strip() == "```sh"
            continue
        if not block:
            continue
        pending += line.rstrip("\\") + " "
        if line.endswith("\\"):
            continue
        argv, pending = shlex.split(pending, comments=True), ""
        for index, arg in enumerate(argv):
            if arg.endswith("pbx-manage"):
                found.append(CommandLine(f"docs/deployment.md:{number}", argv[index + 1], argv[index + 2 :]))
                break
    return found
