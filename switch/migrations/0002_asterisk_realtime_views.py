"""Asterisk's PJSIP realtime tables as VIEWs over pbx's extensions and tenants, on
PostgreSQL only (docs/switches.md, "Asterisk (PJSIP realtime)"): ps_endpoints, ps_aors,
ps_auths and ps_domain_aliases, each with every column of Asterisk's own schema (its
alembic scripts in contrib/ast-db-manage), NULL where pbx has nothing to say, so
Asterisk's defaults apply.

An extension is there when it is enabled, of an enabled tenant, of a registering tech
(SIP, PJSIP) and has a SIP username and a password. Its endpoint, AOR and auth share
one id, `<sip_username>@<sip_domain>`: the name Asterisk's multi-domain lookups try
first (a From or To of user@domain, `Dial(PJSIP/alice@acme.example.com)`), unique
across tenants because the domain is.

The views read columns of extensions_extension, tenants_tenant and the pickup groups:
PostgreSQL refuses to alter a column a view uses, so a later migration that alters one
of them runs drop_views first and create_views after (both importable from here), as
0001 does for kamailio_subscriber.
"""

from django.db import migrations

# Every column of Asterisk's tables, in its order. Asterisk's types: integer columns
# below, qualify_timeout a double, set_var text, the rest varchar or enums of
# strings (yes/no ...), given here as varchar, which Asterisk reads alike.
COLUMNS = {
    "ps_endpoints": (
        "id transport aors auth context disallow allow direct_media connected_line_method "
        "direct_media_method direct_media_glare_mitigation disable_direct_media_on_nat "
        "dtmf_mode external_media_address force_rport ice_support identify_by mailboxes "
        "moh_suggest outbound_auth outbound_proxy rewrite_contact rtp_ipv6 rtp_symmetric "
        "send_diversion send_pai send_rpid timers_min_se timers timers_sess_expires callerid "
        "callerid_privacy callerid_tag 100rel aggregate_mwi trust_id_inbound trust_id_outbound "
        "use_ptime use_avpf media_encryption inband_progress call_group pickup_group "
        "named_call_group named_pickup_group device_state_busy_at fax_detect t38_udptl "
        "t38_udptl_ec t38_udptl_maxdatagram t38_udptl_nat t38_udptl_ipv6 tone_zone language "
        "one_touch_recording record_on_feature record_off_feature rtp_engine allow_transfer "
        "allow_subscribe sdp_owner sdp_session tos_audio tos_video sub_min_expiry from_domain "
        "from_user mwi_from_user dtls_verify dtls_rekey dtls_cert_file dtls_private_key "
        "dtls_cipher dtls_ca_file dtls_ca_path dtls_setup srtp_tag_32 media_address "
        "redirect_method set_var cos_audio cos_video message_context force_avp "
        "media_use_received_transport accountcode user_eq_phone moh_passthrough "
        "media_encryption_optimistic rpid_immediate g726_non_standard rtp_keepalive "
        "rtp_timeout rtp_timeout_hold bind_rtp_to_media_address voicemail_extension "
        "mwi_subscribe_replaces_unsolicited deny permit acl contact_deny contact_permit "
        "contact_acl subscribe_context fax_detect_timeout contact_user preferred_codec_only "
        "asymmetric_rtp_codec rtcp_mux allow_overlap refer_blind_progress "
        "notify_early_inuse_ringing max_audio_streams max_video_streams webrtc "
        "dtls_fingerprint incoming_mwi_mailbox bundle dtls_auto_generate_cert "
        "follow_early_media_fork accept_multiple_sdp_answers suppress_q850_reason_headers "
        "trust_connected_line send_connected_line ignore_183_without_sdp "
        "codec_prefs_incoming_offer codec_prefs_outgoing_offer codec_prefs_incoming_answer "
        "codec_prefs_outgoing_answer stir_shaken send_history_info "
        "allow_unauthenticated_options t38_bind_udptl_to_media_address "
        "geoloc_incoming_call_profile geoloc_outgoing_call_profile incoming_call_offer_pref "
        "outgoing_call_offer_pref stir_shaken_profile security_negotiation "
        "security_mechanisms send_aoc overlap_context tenantid suppress_moh_on_sendonly "
        "follow_redirect_methods rtp_port_start rtp_port_end"
    ).split(),
    "ps_aors": (
        "id contact default_expiration mailboxes max_contacts minimum_expiration "
        "remove_existing qualify_frequency authenticate_qualify maximum_expiration "
        "outbound_proxy support_path qualify_timeout voicemail_extension remove_unavailable "
        "qualify_2xx_only"
    ).split(),
    "ps_auths": (
        "id auth_type nonce_lifetime md5_cred password realm username refresh_token "
        "oauth_clientid oauth_secret password_digest supported_algorithms_uas "
        "supported_algorithms_uac"
    ).split(),
    "ps_domain_aliases": ["id", "domain"],
}
TYPES = {
    **dict.fromkeys(
        "timers_min_se timers_sess_expires device_state_busy_at t38_udptl_maxdatagram "
        "sub_min_expiry cos_audio cos_video rtp_keepalive rtp_timeout rtp_timeout_hold "
        "fax_detect_timeout max_audio_streams max_video_streams rtp_port_start rtp_port_end "
        "default_expiration max_contacts minimum_expiration qualify_frequency "
        "maximum_expiration nonce_lifetime".split(),
        "integer",
    ),
    "qualify_timeout": "double precision",
    "set_var": "text",
}

# When an extension lists no codecs: G.711 both laws and G.722, which every phone has.
DEFAULT_CODECS = "ulaw,alaw,g722"

# The rows: e is the extension, t its tenant, ident the shared id.
SOURCE = """
  FROM {extension} e
  JOIN {tenant} t ON t.id = e.tenant_id
  CROSS JOIN LATERAL (SELECT e.sip_username || '@' || t.sip_domain AS ident) AS i
 WHERE e.enabled AND t.enabled
   AND e.tech IN ('SIP', 'PJSIP')
   AND e.sip_username <> '' AND e.password <> ''
"""

TENANTS = """
  FROM {tenant} t
 WHERE t.enabled
"""

# The group names of one kind the extension is a member of, comma-separated.
NAMED_GROUPS = """(SELECT string_agg(g.name, ',' ORDER BY g.name)
     FROM {group} g JOIN {member} m ON m.group_id = g.id
    WHERE m.extension_id = e.id AND g.kind = '{kind}')"""

# res_config_pgsql splits every value at ';' into several and decodes ^XX: free text
# is encoded as Asterisk's ast_realtime_encode_chunk does, so a name with a ';' stays
# one value.
CHUNK = "replace(replace({}, '^', '^5E'), ';', '^3B')"

# What pbx says, column by column; every other column is NULL.
VALUES = {
    "ps_endpoints": {
        "id": "i.ident",
        "aors": "i.ident",
        "auth": "i.ident",
        # The tenant's code names its dial plan context, and its voicemail context.
        "context": "t.code",
        "disallow": "'all'",
        "allow": f"""COALESCE(NULLIF((SELECT string_agg(c.name, ',' ORDER BY c.position)
                     FROM jsonb_array_elements_text(e.codecs) WITH ORDINALITY AS c(name, position)),
                   ''), '{DEFAULT_CODECS}')""",
        # Media goes through Asterisk, and phones are taken to be behind NAT.
        "direct_media": "'no'",
        "force_rport": "'yes'",
        "rewrite_contact": "'yes'",
        "rtp_symmetric": "'yes'",
        "dtmf_mode": "'rfc4733'",
        # "name" <number>: the internal caller ID, else the extension's name and number;
        # a double quote in a name would end Asterisk's quoted string, so it is dropped.
        "callerid": CHUNK.format("""CASE WHEN COALESCE(NULLIF(e.caller_id_name, ''), e.name) = ''
                     THEN '<' || COALESCE(NULLIF(e.caller_id_number, ''), e.number) || '>'
                     ELSE '"' || replace(COALESCE(NULLIF(e.caller_id_name, ''), e.name), '"', '')
                          || '" <' || COALESCE(NULLIF(e.caller_id_number, ''), e.number) || '>'
                END"""),
        "mailboxes": "NULLIF(e.mailbox, '') || '@' || t.code",
        "named_call_group": CHUNK.format(NAMED_GROUPS.replace("{kind}", "call")),
        "named_pickup_group": CHUNK.format(NAMED_GROUPS.replace("{kind}", "pickup")),
        # A call limit: Asterisk reports the extension busy at that many calls.
        "device_state_busy_at": "e.call_limit::integer",
        "accountcode": CHUNK.format("NULLIF(e.account_code, '')"),
        "from_domain": "t.sip_domain",
        "tenantid": "t.code",
    },
    "ps_aors": {
        "id": "i.ident",
        "mailboxes": "NULLIF(e.mailbox, '') || '@' || t.code",
        "max_contacts": "e.max_contacts::integer",
        # A phone that registers again from a new address replaces its oldest contact.
        "remove_existing": "'yes'",
    },
    "ps_auths": {
        "id": "i.ident",
        # md5: Asterisk reads a hash valid for this realm only, never the password.
        "auth_type": "'md5'",
        "md5_cred": "md5(e.sip_username || ':' || t.sip_domain || ':' || e.password)",
        "realm": "t.sip_domain",
        "username": "e.sip_username",
    },
    # Each tenant's domain, as itself: the domain Asterisk puts after user@.
    "ps_domain_aliases": {"id": "t.sip_domain", "domain": "t.sip_domain"},
}


def view_sql(name, tables):
    """CREATE VIEW for one of Asterisk's tables, every column in Asterisk's order."""
    values = VALUES[name]
    columns = ",\n       ".join(
        f'({values[column]})::{TYPES.get(column, "varchar")} AS "{column}"'
        if column in values
        else f'NULL::{TYPES.get(column, "varchar")} AS "{column}"'
        for column in COLUMNS[name]
    )
    source = TENANTS if name == "ps_domain_aliases" else SOURCE
    return f"CREATE VIEW {name} AS\nSELECT {columns}{source}".format(**tables)


def create_views(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    tables = {
        key: quote(apps.get_model(app, model)._meta.db_table)
        for key, app, model in (
            ("extension", "extensions", "Extension"),
            ("tenant", "tenants", "Tenant"),
            ("group", "extensions", "PickupGroup"),
            ("member", "extensions", "PickupGroupMember"),
        )
    }
    for name in COLUMNS:
        schema_editor.execute(view_sql(name, tables))


def drop_views(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in COLUMNS:
            schema_editor.execute(f"DROP VIEW IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("switch", "0001_kamailio_location_version_subscriber"),
        ("extensions", "0005_extension_routing_profile"),
        ("tenants", "0008_server_sip_port"),
    ]

    operations = [migrations.RunPython(create_views, drop_views)]
