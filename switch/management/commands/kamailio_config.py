"""manage.py kamailio_config --pbx-url URL (--api-key KEY | --create-credential) --out DIR
[--database-url URL] [--listen udp:0.0.0.0:5060] [--rpc-listen tcp:127.0.0.1:5071]
[--rpc-allow ADDRESS]"""

import re
from pathlib import Path
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from apikeys import roles
from apikeys.models import ApiKey, split_key
from pbx import changelog
from pbx.management.base import PbxCommand

SHIPPED = Path(__file__).resolve().parents[2] / "kamailio"
MAIN, SETTINGS = "kamailio.cfg", "pbx-settings.cfg"
# The configuration as shipped: kamailio.cfg includes the other two (and the settings).
SHIPPED_FILES = (MAIN, "pbx-calls.cfg", "pbx-records.cfg")
# The user a created credential belongs to.
SWITCH_USERNAME = "kamailio"
# Separators a #!substdef may use; the first one the value does not contain is taken.
SEPARATORS = "!#%|~^@"
RPC_LISTEN = re.compile(r"^tcp:(\[[0-9a-fA-F:.]+\]|[0-9.]+):\d{1,5}$")
RPC_ALLOW = re.compile(r"^[0-9.]+$|^[0-9a-fA-F:]+$")
LISTEN = re.compile(r"^(udp|tcp|tls|sctp):(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}(\s+advertise\s+\S+)?$")


class Command(PbxCommand):
    """Write pbx's Kamailio configuration into a folder, its four settings filled in:
    the database, pbx's URL, the switch's API key and the SIP socket (docs/switches.md)."""

    help = "Write pbx's Kamailio configuration (kamailio.cfg, its includes, pbx-settings.cfg) into --out."

    def add_arguments(self, parser):
        parser.add_argument(
            "--out", required=True, help="folder to write kamailio.cfg and pbx-settings.cfg into"
        )
        parser.add_argument(
            "--pbx-url", required=True, help="where Kamailio reaches pbx, e.g. http://10.0.0.2:8000"
        )
        key = parser.add_mutually_exclusive_group(required=True)
        key.add_argument("--api-key", help="an existing key of a switch_api user")
        key.add_argument(
            "--create-credential",
            action="store_true",
            help=f"create a key for the switch_api user {SWITCH_USERNAME!r} (made if missing)",
        )
        parser.add_argument(
            "--database-url",
            help="pbx's PostgreSQL as Kamailio reaches it (default: pbx's own DATABASE_URL)",
        )
        parser.add_argument(
            "--listen",
            default="udp:0.0.0.0:5060",
            help='the SIP socket, proto:address:port [advertise public:port] (default "udp:0.0.0.0:5060")',
        )

        parser.add_argument(
            "--rpc-listen",
            default="tcp:127.0.0.1:5071",
            help="the JSON-RPC socket pbx places click-to-dial calls through, tcp:address:port "
            '(default "tcp:127.0.0.1:5071"; never an address facing the internet)',
        )
        parser.add_argument(
            "--rpc-allow",
            default="127.0.0.1",
            help="pbx's IP address, the one allowed to send JSON-RPC requests besides loopback",
        )

    def handle(
        self, *args, out, pbx_url, api_key, create_credential, database_url, listen, rpc_listen, rpc_allow,
        **options,
    ):  # fmt: skip
        values = {
            "PBX_DB_URL": kamailio_database_url(database_url),
            "PBX_HTTP_URL": http_url(pbx_url),
            "PBX_LISTEN": listen_address(listen),
            "PBX_RPC_LISTEN": rpc_listen_address(rpc_listen),
            "PBX_RPC_ALLOW": rpc_allowed(rpc_allow),
        }
        filled_settings({**values, "PBX_API_KEY": "pbx_checked"})  # refuse a bad value before any write
        values["PBX_API_KEY"] = self.create_credential() if create_credential else checked_key(api_key)
        text = filled_settings(values)
        folder = Path(out)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for name in SHIPPED_FILES:
                (folder / name).write_text((SHIPPED / name).read_text())
            settings_file = folder / SETTINGS
            settings_file.write_text(text)
            settings_file.chmod(0o640)  # it holds the database password and the key
        except OSError as error:
            raise CommandError(f"Cannot write into {out}: {error.strerror or error}.") from None
        self.stderr.write(f"Wrote {folder / MAIN} and {settings_file} (Kamailio on {values['PBX_LISTEN']}).")
        self.stderr.write(f"Check it with: kamailio -c -f {folder / MAIN}; run it with TZ=UTC.")
        self.stdout.write(str(folder / MAIN))

    def create_credential(self):
        with transaction.atomic():
            user, created = get_user_model().objects.get_or_create(username=SWITCH_USERNAME)
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
                changelog.record(user, changelog.CREATE)
            role = roles.role_of(user)
            if role not in (None, roles.SWITCH):
                raise CommandError(
                    f"User {SWITCH_USERNAME!r} exists with the role {role}; a switch's key must be "
                    "switch_api's alone. Rename that user or pass --api-key."
                )
            user.groups.add(Group.objects.get_or_create(name=roles.SWITCH)[0])
            api_key, key = ApiKey.issue(
                name=f"Kamailio, written by kamailio_config on {timezone.now():%Y-%m-%d}", owner=user
            )
            changelog.record(api_key, changelog.CREATE)
        self.stderr.write(
            f"{'Created' if created else 'Found'} the switch_api user {SWITCH_USERNAME!r}; "
            f"created its key {api_key.prefix} (written into {SETTINGS} only)."
        )
        return key


def kamailio_database_url(given):
    """Kamailio's `postgres://user:password@host:port/name` for pbx's database."""
    if given:
        parts = urlsplit(given)
        if (
            parts.scheme not in ("postgres", "postgresql", "pgsql")
            or not parts.hostname
            or len(parts.path) < 2
        ):
            raise CommandError(
                f"--database-url must look like postgres://user:password@host:5432/name, not {given!r}."
            )
        if parts.query:
            raise CommandError(
                "--database-url cannot carry options (?...): Kamailio's PostgreSQL module reads none."
            )
        return "postgres://" + parts.netloc + parts.path
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        raise CommandError(
            "pbx's database is not PostgreSQL (DATABASE_URL); Kamailio needs pbx on PostgreSQL. "
            "Give --database-url if Kamailio reaches it at another address."
        )
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    return f"postgres://{credentials}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def http_url(given):
    parts = urlsplit(given)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise CommandError(f"--pbx-url must look like http://10.0.0.2:8000, not {given!r}.")
    return given.rstrip("/")


def listen_address(given):
    given = " ".join(given.split())
    if not LISTEN.match(given):
        raise CommandError(
            f"--listen must look like udp:0.0.0.0:5060 (or tcp:..., with an optional "
            f"'advertise 203.0.113.5:5060'), not {given!r}."
        )
    return given


def rpc_listen_address(given):
    given = given.strip()
    if not RPC_LISTEN.match(given):
        raise CommandError(f"--rpc-listen must look like tcp:127.0.0.1:5071, not {given!r}.")
    return given


def rpc_allowed(given):
    given = given.strip()
    if not RPC_ALLOW.match(given):
        raise CommandError(f"--rpc-allow must be an IP address (pbx's), not {given!r}.")
    return given


def checked_key(key):
    """The key, if it opens pbx's switch endpoints: a live key of a switch_api user."""
    prefix = split_key(key.strip())
    api_key = ApiKey.objects.filter(prefix=prefix).select_related("owner").first() if prefix else None
    if api_key is None or not api_key.matches(key.strip()):
        raise CommandError(
            "--api-key is not a key of this pbx (see manage.py createapikey, or --create-credential)."
        )
    if api_key.is_revoked or api_key.is_expired or not api_key.owner.is_active:
        raise CommandError(f"The key {api_key.prefix} is revoked or expired, or its owner is inactive.")
    if roles.role_of(api_key.owner) != roles.SWITCH:
        raise CommandError(
            f"The key {api_key.prefix} belongs to {api_key.owner.username}, who is not a switch_api user: "
            "Kamailio must hold a key that opens /api/switch/ and nothing else."
        )
    return key.strip()


def filled_settings(values):
    """The shipped pbx-settings.cfg with each #!substdef line carrying its value."""
    text = (SHIPPED / SETTINGS).read_text()
    for name, value in values.items():
        if any(character in value for character in '"\\\n\r'):
            raise CommandError(f"{name} cannot contain quotes, backslashes or line breaks: {value!r}.")
        separator = next((s for s in SEPARATORS if s not in value and s not in name), None)
        if separator is None:
            raise CommandError(
                f"{name} contains every separator Kamailio's #!substdef could use ({SEPARATORS})."
            )
        line = f'#!substdef "{separator}{name}{separator}{value}{separator}g"'
        text, count = re.subn(
            rf"^#!substdef \"(.){name}\1.*$", lambda _, line=line: line, text, flags=re.MULTILINE
        )
        if count != 1:
            raise CommandError(f"The shipped {SETTINGS} has no line for {name}: reinstall pbx.")
    return text
