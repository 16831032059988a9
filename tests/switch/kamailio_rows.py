"""Rows written into pbx's database the way Kamailio writes them: plain SQL, no ORM.

usrloc (db_mode 1 to 3) inserts every column of `kamailio_location` itself and writes
`expires` and `last_modified` as zone-less text in its local time, which is UTC (the
shipped configuration runs Kamailio with TZ=UTC).
"""

import datetime
import itertools
import uuid

from django.db import connection

_cseq = itertools.count(1)


def kamailio_time(moment):
    """A datetime as Kamailio's db_postgres writes a time: 'YYYY-MM-DD HH:MM:SS', UTC."""
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")


def kamailio_registers(
    username,
    domain,
    contact=None,
    *,
    received=None,
    expires_in=3600,
    user_agent="Yealink SIP-T46U 108.86.0.45",
    now=None,
):
    """Insert one contact as usrloc's save() does; answers the row's ruid."""
    now = now or datetime.datetime.now(datetime.UTC)
    ruid = f"uloc-{uuid.uuid4().hex[:16]}"
    contact = contact or f"sip:{username}@192.168.1.10:5062;transport=udp"
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO kamailio_location (ruid, username, domain, contact, received, path, expires, q,"
            " callid, cseq, last_modified, flags, cflags, user_agent, socket, methods, instance, reg_id,"
            " server_id, connection_id, keepalive, partition)"
            " VALUES (%s, %s, %s, %s, %s, NULL, %s, 1, %s, %s, %s, 0, 64, %s, %s, 8191, NULL, 0, 0, -1, 0, 0)",
            [
                ruid,
                username,
                domain,
                contact,
                received,
                kamailio_time(now + datetime.timedelta(seconds=expires_in)),
                f"{uuid.uuid4().hex}@192.168.1.10",
                next(_cseq),
                kamailio_time(now),
                user_agent,
                "udp:127.0.0.1:5060",
            ],
        )
    return ruid
