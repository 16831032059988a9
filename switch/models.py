"""The tables Kamailio reads and writes in pbx's database (docs/switches.md).

`Registration` is Kamailio 5.6's usrloc `location` table under the name
`kamailio_location`: Kamailio writes it, pbx only reads it. `KamailioVersion` is the
`version` table Kamailio checks each table's schema version in. The VIEW
`kamailio_subscriber` that auth_db reads is made by migration 0001 (PostgreSQL only).
"""

import datetime
import re

from django.db import models
from django.utils import timezone

UTC = datetime.UTC


class UTCTimestampField(models.DateTimeField):
    """A `timestamp without time zone` column whose wall-clock time is UTC.

    Kamailio writes `expires` and `last_modified` in its local time without a zone, and
    runs with TZ=UTC. Django's DateTimeField would be `timestamp with time zone` on
    PostgreSQL, and reading a naive column it either returns a naive value
    (PostgreSQL) or one made aware in the connection's zone (SQLite). This field reads
    every value as UTC and writes aware values as naive UTC, so neither the database
    session's TimeZone nor settings.TIME_ZONE changes what a row means.
    """

    def db_type(self, connection):
        if connection.vendor == "postgresql":
            return "timestamp without time zone"
        return super().db_type(connection)

    def from_db_value(self, value, expression, connection):
        # The stored wall-clock time is UTC whatever zone the backend attached.
        if value is None:
            return value
        return value.replace(tzinfo=UTC)

    def get_db_prep_value(self, value, connection, prepared=False):
        if not prepared:
            value = self.get_prep_value(value)
        if isinstance(value, datetime.datetime) and value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return connection.ops.adapt_datetimefield_value(value)


class RealField(models.FloatField):
    """Kamailio's `REAL` (single precision) column; Django's FloatField is double."""

    def db_type(self, connection):
        if connection.vendor == "postgresql":
            return "real"
        return super().db_type(connection)


def _utc(*args):
    return datetime.datetime(*args, tzinfo=UTC)


# sip:[user@]host[:port][;params][?headers], the host an IPv6 reference in brackets.
_SIP_URI = re.compile(
    r"^(?P<scheme>sips?):(?:[^@;?]*@)?(?P<host>\[[0-9A-Fa-f:.]+\]|[^:;?\[\]]+)(?::(?P<port>[0-9]{1,5}))?"
    r"(?P<params>;[^?]*)?",
    re.IGNORECASE,
)


def sip_source(uri):
    """(host, port) of a SIP URI as usrloc stores it, or (None, None) for anything else.

    Without a port the URI means the default one: 5061 for sips: or transport=tls,
    5060 otherwise. An IPv6 host is returned without its brackets."""
    match = _SIP_URI.match((uri or "").strip())
    if match is None:
        return None, None
    host = match["host"].strip("[]")
    if match["port"] is not None:
        port = int(match["port"])
        return host, port if 0 < port < 65536 else None
    params = (match["params"] or "").lower()
    secure = match["scheme"].lower() == "sips" or ";transport=tls" in params
    return host, 5061 if secure else 5060


class RegistrationQuerySet(models.QuerySet):
    def current(self, at=None):
        """The contacts registered at `at` (now): Kamailio keeps an expired row until its
        timer deletes it, so a row alone is no registration."""
        return self.filter(expires__gt=at or timezone.now())


class Registration(models.Model):
    """One registered contact of a SIP account, as Kamailio's usrloc keeps it.

    Columns, defaults and indexes are those of Kamailio 5.6's
    usrloc-create.sql (table version 9), except `domain`, which holds a tenant's whole
    sip_domain (253 characters where Kamailio has 64). An account is
    (username, domain) = (extension.sip_username, tenant.sip_domain).
    """

    id = models.AutoField(primary_key=True)
    ruid = models.CharField(max_length=64, db_default="")
    username = models.CharField(max_length=64, db_default="")
    domain = models.CharField(max_length=253, null=True, blank=True)
    contact = models.CharField(max_length=512, db_default="")
    received = models.CharField(max_length=128, null=True, blank=True)
    path = models.CharField(max_length=512, null=True, blank=True)
    expires = UTCTimestampField(db_default=_utc(2030, 5, 28, 21, 32, 15))
    q = RealField(db_default=1.0)
    callid = models.CharField(max_length=255, db_default="Default-Call-ID")
    cseq = models.IntegerField(db_default=1)
    last_modified = UTCTimestampField(db_default=_utc(2000, 1, 1, 0, 0, 1))
    flags = models.IntegerField(db_default=0)
    cflags = models.IntegerField(db_default=0)
    user_agent = models.CharField(max_length=255, db_default="")
    socket = models.CharField(max_length=64, null=True, blank=True)
    methods = models.IntegerField(null=True, blank=True)
    instance = models.CharField(max_length=255, null=True, blank=True)
    reg_id = models.IntegerField(db_default=0)
    server_id = models.IntegerField(db_default=0)
    connection_id = models.IntegerField(db_default=0)
    keepalive = models.IntegerField(db_default=0)
    partition = models.IntegerField(db_default=0)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        db_table = "kamailio_location"
        ordering = ["id"]
        # Kamailio's own names for them (usrloc-create.sql).
        constraints = [models.UniqueConstraint(fields=["ruid"], name="location_ruid_idx")]
        indexes = [
            models.Index(fields=["username", "domain", "contact"], name="location_account_contact_idx"),
            models.Index(fields=["expires"], name="location_expires_idx"),
            models.Index(fields=["connection_id"], name="location_tcpcon_idx"),
            models.Index(fields=["server_id", "connection_id"], name="location_connection_idx"),
        ]

    def __str__(self):
        return f"{self.username}@{self.domain} {self.contact}"

    @property
    def source(self):
        """(ip, port) the registration came from: Kamailio's `received` (the packet's
        source, which fix_nated_register saves for a phone behind NAT), else the
        contact's own host and port."""
        host, port = sip_source(self.received)
        return (host, port) if host else sip_source(self.contact)


class KamailioVersion(models.Model):
    """Kamailio's `version` table: the schema version of each table it uses, checked at
    start (core parameter version_table="kamailio_version")."""

    id = models.AutoField(primary_key=True)
    table_name = models.CharField(max_length=32, unique=True)
    table_version = models.IntegerField(db_default=0)

    class Meta:
        db_table = "kamailio_version"
        ordering = ["table_name"]

    def __str__(self):
        return f"{self.table_name} {self.table_version}"


class Originate(models.Model):
    """One click-to-dial request: ring `extension`, then connect it to `to` through the
    tenant's media server (docs/switches.md, "Click-to-dial"). The row gives the request
    its id, the count of a tenant's calls still being placed, and its change log row."""

    class State(models.TextChoices):
        PLACING = "placing", "Being handed to the media server"
        PLACED = "placed", "Accepted by the media server"
        FAILED = "failed", "Refused by the media server or not reached"

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="originates")
    extension = models.ForeignKey(
        "extensions.Extension", null=True, on_delete=models.SET_NULL, related_name="originates"
    )
    to = models.CharField(max_length=64)
    caller_id_name = models.CharField(max_length=64, blank=True)
    caller_id_number = models.CharField(max_length=32, blank=True)
    server_kind = models.CharField(max_length=16, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PLACING)
    error = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["tenant", "state"], name="originate_tenant_state_idx")]

    def __str__(self):
        return f"{self.extension_id} -> {self.to} ({self.state})"
