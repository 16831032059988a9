"""Seed the switch benchmark: tenants of registering extensions (bench/seed.py), then
per tenant a schedule open all week and DIDs, half of them through the schedule, and one
carrier trunk on loopback assigned to every tenant. Written with COPY."""

import seed

DID_PREFIX = "+1555"


def did_number(tenant_index, n):
    """+1555 TTTT NNN: unique across the platform."""
    return f"{DID_PREFIX}{tenant_index:04d}{n:03d}"


def seed_switch(url, tenants, extensions_per_tenant, dids_per_tenant):
    """Returns nothing; prints progress. Extension numbers are 1000.., passwords
    `bench-secret-<number>` (bench/seed.py)."""
    import uuid

    import psycopg

    seed.seed(url, tenants, extensions_per_tenant)
    with psycopg.connect(url) as conn:
        tenant_ids = [row[0] for row in conn.execute("SELECT id FROM tenants_tenant ORDER BY id")]
        seed.log(f"seeding {len(tenant_ids)} schedules and {len(tenant_ids) * dids_per_tenant} DIDs")
        seed.copy_rows(
            conn,
            "routing_schedule",
            ["tenant_id", "name", "description", "time_zone", "created_at", "updated_at"],
            ((tenant_id, "Always open", "", "UTC", "now()", "now()") for tenant_id in tenant_ids),
        )
        conn.execute(
            'INSERT INTO routing_schedulerange (schedule_id, days, start, "end") '
            'SELECT id, \'["mon","tue","wed","thu","fri","sat","sun"]\', \'00:00\', \'23:59\' '
            "FROM routing_schedule"
        )
        schedules = dict(conn.execute("SELECT tenant_id, id FROM routing_schedule"))
        seed.copy_rows(
            conn,
            "routing_did",
            [
                "tenant_id",
                "number",
                "description",
                "schedule_id",
                "enabled",
                "created_at",
                "updated_at",
                "uuid",
            ],
            (
                (
                    tenant_id,
                    did_number(index, n),
                    "",
                    schedules[tenant_id] if n % 2 else None,
                    True,
                    "now()",
                    "now()",
                    uuid.uuid4(),
                )
                for index, tenant_id in enumerate(tenant_ids, start=1)
                for n in range(dids_per_tenant)
            ),
        )
        # Each DID rings one extension of its tenant: DID n -> extension 1000 + n % M.
        conn.execute(
            "INSERT INTO pbx_destination (tenant_id, owner_type, owner_id, slot, position, target_type, target_id) "
            "SELECT d.tenant_id, 'routing.did', d.id, 'DID', 0, 'EXT', e.id "
            "FROM routing_did d JOIN extensions_extension e ON e.tenant_id = d.tenant_id "
            "AND e.number = (1000 + (right(d.number, 3)::int %% %s))::text",
            (extensions_per_tenant,),
        )
        seed.log("seeding one carrier trunk on 127.0.0.1, assigned to every tenant")
        trunk_id = conn.execute(
            "INSERT INTO routing_trunk (name, description, host, port, transport, username, password, "
            "register, from_user, from_domain, codecs, max_channels, enabled, created_at, updated_at, uuid) "
            "VALUES ('bench-carrier', '', '127.0.0.1', 5090, 'udp', '', '', false, '', '', '[]', 0, true, "
            "now(), now(), gen_random_uuid()) RETURNING id"
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO routing_trunk_tenants (trunk_id, tenant_id) SELECT %s, id FROM tenants_tenant",
            (trunk_id,),
        )
        conn.execute("ANALYZE")
