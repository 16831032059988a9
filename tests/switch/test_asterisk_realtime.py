"""ps_endpoints, ps_aors, ps_auths, ps_domain_aliases: Asterisk's PJSIP realtime tables
as views over pbx's extensions, read with the queries Asterisk's res_config_pgsql makes.

Asterisk is not packaged for this machine: the columns below are Asterisk's own schema
and the queries are the ones res_config_pgsql builds, not a running Asterisk's."""

import hashlib
import re
import uuid

import pytest
from django.db import ProgrammingError, connection, transaction

from extensions.models import Extension, PickupGroupMember
from tests.factories import ExtensionFactory, PickupGroupFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the views are made on PostgreSQL only, where Asterisk reads them",
    ),
]

# Asterisk's tables after every alembic script of contrib/ast-db-manage/config/versions
# (asterisk/asterisk, master of August 2026, the create in 43956d550a44 and each later
# add_column / drop_column), in Asterisk's column order.
PS_ENDPOINTS = [
    "id", "transport", "aors", "auth", "context", "disallow", "allow", "direct_media",
    "connected_line_method", "direct_media_method", "direct_media_glare_mitigation",
    "disable_direct_media_on_nat", "dtmf_mode", "external_media_address", "force_rport",
    "ice_support", "identify_by", "mailboxes", "moh_suggest", "outbound_auth",
    "outbound_proxy", "rewrite_contact", "rtp_ipv6", "rtp_symmetric", "send_diversion",
    "send_pai", "send_rpid", "timers_min_se", "timers", "timers_sess_expires", "callerid",
    "callerid_privacy", "callerid_tag", "100rel", "aggregate_mwi", "trust_id_inbound",
    "trust_id_outbound", "use_ptime", "use_avpf", "media_encryption", "inband_progress",
    "call_group", "pickup_group", "named_call_group", "named_pickup_group",
    "device_state_busy_at", "fax_detect", "t38_udptl", "t38_udptl_ec",
    "t38_udptl_maxdatagram", "t38_udptl_nat", "t38_udptl_ipv6", "tone_zone", "language",
    "one_touch_recording", "record_on_feature", "record_off_feature", "rtp_engine",
    "allow_transfer", "allow_subscribe", "sdp_owner", "sdp_session", "tos_audio",
    "tos_video", "sub_min_expiry", "from_domain", "from_user", "mwi_from_user",
    "dtls_verify", "dtls_rekey", "dtls_cert_file", "dtls_private_key", "dtls_cipher",
    "dtls_ca_file", "dtls_ca_path", "dtls_setup", "srtp_tag_32", "media_address",
    "redirect_method", "set_var", "cos_audio", "cos_video", "message_context", "force_avp",
    "media_use_received_transport", "accountcode", "user_eq_phone", "moh_passthrough",
    "media_encryption_optimistic", "rpid_immediate", "g726_non_standard", "rtp_keepalive",
    "rtp_timeout", "rtp_timeout_hold", "bind_rtp_to_media_address", "voicemail_extension",
    "mwi_subscribe_replaces_unsolicited", "deny", "permit", "acl", "contact_deny",
    "contact_permit", "contact_acl", "subscribe_context", "fax_detect_timeout",
    "contact_user", "preferred_codec_only", "asymmetric_rtp_codec", "rtcp_mux",
    "allow_overlap", "refer_blind_progress", "notify_early_inuse_ringing",
    "max_audio_streams", "max_video_streams", "webrtc", "dtls_fingerprint",
    "incoming_mwi_mailbox", "bundle", "dtls_auto_generate_cert", "follow_early_media_fork",
    "accept_multiple_sdp_answers", "suppress_q850_reason_headers", "trust_connected_line",
    "send_connected_line", "ignore_183_without_sdp", "codec_prefs_incoming_offer",
    "codec_prefs_outgoing_offer", "codec_prefs_incoming_answer",
    "codec_prefs_outgoing_answer", "stir_shaken", "send_history_info",
    "allow_unauthenticated_options", "t38_bind_udptl_to_media_address",
    "geoloc_incoming_call_profile", "geoloc_outgoing_call_profile",
    "incoming_call_offer_pref", "outgoing_call_offer_pref", "stir_shaken_profile",
    "security_negotiation", "security_mechanisms", "send_aoc", "overlap_context", "tenantid",
    "suppress_moh_on_sendonly", "follow_redirect_methods", "rtp_port_start", "rtp_port_end",
]  # fmt: skip
PS_AORS = [
    "id", "contact", "default_expiration", "mailboxes", "max_contacts",
    "minimum_expiration", "remove_existing", "qualify_frequency", "authenticate_qualify",
    "maximum_expiration", "outbound_proxy", "support_path", "qualify_timeout",
    "voicemail_extension", "remove_unavailable", "qualify_2xx_only",
]  # fmt: skip
PS_AUTHS = [
    "id", "auth_type", "nonce_lifetime", "md5_cred", "password", "realm", "username",
    "refresh_token", "oauth_clientid", "oauth_secret", "password_digest",
    "supported_algorithms_uas", "supported_algorithms_uac",
]  # fmt: skip
PS_DOMAIN_ALIASES = ["id", "domain"]

# Asterisk's numeric columns; the others are varchar, text or enums of strings.
INTEGER_COLUMNS = {
    "timers_min_se", "timers_sess_expires", "device_state_busy_at", "t38_udptl_maxdatagram",
    "sub_min_expiry", "cos_audio", "cos_video", "rtp_keepalive", "rtp_timeout",
    "rtp_timeout_hold", "fax_detect_timeout", "max_audio_streams", "max_video_streams",
    "rtp_port_start", "rtp_port_end", "default_expiration", "max_contacts",
    "minimum_expiration", "qualify_frequency", "maximum_expiration", "nonce_lifetime",
}  # fmt: skip
DOUBLE_COLUMNS = {"qualify_timeout"}


def md5(text):
    return hashlib.md5(text.encode()).hexdigest()


def select(sql, *params):
    """Rows of a query as dicts, as res_config_pgsql reads them: column name to value."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def asterisk_reads(value):
    """What res_config_pgsql hands Asterisk for one value: the pieces between ';',
    stripped, with ^XX decoded, empty ones (and NULL) left out."""
    pieces = (piece.strip() for piece in str(value or "").split(";"))
    decoded = (re.sub(r"\^([0-9A-Fa-f]{2})", lambda m: chr(int(m[1], 16)), piece) for piece in pieces)
    return [piece for piece in decoded if piece]


def by_id(view, ident):
    """res_config_pgsql's single-row lookup (realtime_pgsql): sorcery's retrieve_by_id."""
    return select(f"SELECT * FROM {view} WHERE id = %s", ident)


def every(view):
    """Sorcery's retrieve_multiple through res_config_pgsql: LIKE '%' ordered by id."""
    return select(f"SELECT * FROM {view} WHERE id LIKE %s ESCAPE '\\' ORDER BY id", "%")


def ids(view):
    return [row["id"] for row in every(view)]


def endpoint(ident):
    [row] = by_id("ps_endpoints", ident)
    return row


@pytest.mark.parametrize(
    ("view", "columns"),
    [
        ("ps_endpoints", PS_ENDPOINTS),
        ("ps_aors", PS_AORS),
        ("ps_auths", PS_AUTHS),
        ("ps_domain_aliases", PS_DOMAIN_ALIASES),
    ],
)
def test_each_view_has_exactly_asterisk_s_columns_in_its_order(view, columns):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {view} LIMIT 0")
        assert [column.name for column in cursor.description] == columns


def test_numeric_columns_are_numbers_and_the_others_strings():
    types = {
        (row["table_name"], row["column_name"]): row["data_type"]
        for row in select(
            "SELECT table_name, column_name, data_type FROM information_schema.columns"
            " WHERE table_name IN ('ps_endpoints', 'ps_aors', 'ps_auths', 'ps_domain_aliases')"
        )
    }
    for (table, column), data_type in types.items():
        if column in INTEGER_COLUMNS:
            assert data_type == "integer", (table, column)
        elif column in DOUBLE_COLUMNS:
            assert data_type == "double precision", (table, column)
        else:
            assert data_type in ("character varying", "text"), (table, column)


def test_endpoint_aor_and_auth_share_the_id_sip_username_at_domain(acme):
    ExtensionFactory(tenant=acme, number="100", sip_username="alice")
    row = endpoint("alice@acme.pbx.test")
    assert (row["aors"], row["auth"]) == ("alice@acme.pbx.test", "alice@acme.pbx.test")
    assert [r["id"] for r in by_id("ps_aors", "alice@acme.pbx.test")] == ["alice@acme.pbx.test"]
    assert [r["id"] for r in by_id("ps_auths", "alice@acme.pbx.test")] == ["alice@acme.pbx.test"]


def test_the_same_extension_of_two_tenants_is_two_endpoints(acme, globex):
    ExtensionFactory(tenant=acme, number="100")
    ExtensionFactory(tenant=globex, number="100")
    assert ids("ps_endpoints") == ["100@acme.pbx.test", "100@globex.pbx.test"]
    assert ids("ps_aors") == ids("ps_auths") == ids("ps_endpoints")


def test_a_prefix_lookup_finds_only_its_rows(acme, globex):
    ExtensionFactory(tenant=acme, number="100")
    ExtensionFactory(tenant=acme, number="101")
    ExtensionFactory(tenant=globex, number="100")
    rows = select("SELECT * FROM ps_aors WHERE id LIKE %s ESCAPE '\\' ORDER BY id", "100@%")
    assert [row["id"] for row in rows] == ["100@acme.pbx.test", "100@globex.pbx.test"]


def test_an_unknown_id_is_no_row(acme):
    ExtensionFactory(tenant=acme, number="100")
    assert by_id("ps_endpoints", "100@globex.pbx.test") == []
    assert by_id("ps_endpoints", "100") == []


def test_a_disabled_extension_is_absent(acme):
    ExtensionFactory(tenant=acme, number="100", enabled=False)
    assert ids("ps_endpoints") == ids("ps_aors") == ids("ps_auths") == []


def test_a_disabled_tenant_s_extensions_and_domain_are_absent(acme, globex):
    ExtensionFactory(tenant=acme, number="100")
    ExtensionFactory(tenant=globex, number="100")
    globex.enabled = False
    globex.save()
    assert ids("ps_endpoints") == ids("ps_aors") == ids("ps_auths") == ["100@acme.pbx.test"]
    assert ids("ps_domain_aliases") == ["acme.pbx.test"]


@pytest.mark.parametrize("tech", [Extension.Tech.VIRTUAL, Extension.Tech.CUSTOM])
def test_an_extension_that_does_not_register_is_absent(acme, tech):
    ExtensionFactory(tenant=acme, number="100", tech=tech)
    assert ids("ps_endpoints") == ids("ps_aors") == ids("ps_auths") == []


def test_sip_and_pjsip_extensions_are_both_endpoints(acme):
    ExtensionFactory(tenant=acme, number="100", tech=Extension.Tech.SIP)
    ExtensionFactory(tenant=acme, number="101", tech=Extension.Tech.PJSIP)
    assert ids("ps_endpoints") == ["100@acme.pbx.test", "101@acme.pbx.test"]


def test_auth_is_md5_of_username_realm_and_password_with_the_domain_as_realm(acme):
    ExtensionFactory(tenant=acme, number="100", sip_username="alice", password="pässwörd-long")
    [auth] = by_id("ps_auths", "alice@acme.pbx.test")
    assert auth["auth_type"] == "md5"
    assert auth["md5_cred"] == md5("alice:acme.pbx.test:pässwörd-long")
    assert (auth["username"], auth["realm"]) == ("alice", "acme.pbx.test")


def test_the_password_itself_is_not_in_the_view(acme):
    ExtensionFactory(tenant=acme, number="100")
    [auth] = by_id("ps_auths", "100@acme.pbx.test")
    assert auth["password"] is None


def test_a_password_change_is_seen_at_once(acme):
    extension = ExtensionFactory(tenant=acme, number="100", password="first-long-secret")
    extension.password = "second-long-secret"
    extension.save()
    [auth] = by_id("ps_auths", "100@acme.pbx.test")
    assert auth["md5_cred"] == md5("100:acme.pbx.test:second-long-secret")


def test_allow_lists_the_extension_s_codecs_in_order_after_disallow_all(acme):
    ExtensionFactory(tenant=acme, number="100", codecs=["opus", "g722", "ulaw"])
    row = endpoint("100@acme.pbx.test")
    assert (row["disallow"], row["allow"]) == ("all", "opus,g722,ulaw")


def test_no_codecs_allows_ulaw_alaw_and_g722(acme):
    ExtensionFactory(tenant=acme, number="100", codecs=[])
    assert endpoint("100@acme.pbx.test")["allow"] == "ulaw,alaw,g722"


def test_callerid_is_the_quoted_name_and_the_number(acme):
    ExtensionFactory(tenant=acme, number="100", name="Alice Smith")
    assert endpoint("100@acme.pbx.test")["callerid"] == '"Alice Smith" <100>'


def test_callerid_prefers_the_internal_caller_id(acme):
    ExtensionFactory(
        tenant=acme, number="100", name="Alice", caller_id_name="Reception", caller_id_number="200"
    )
    assert endpoint("100@acme.pbx.test")["callerid"] == '"Reception" <200>'


def test_callerid_without_a_name_is_the_number_alone(acme):
    ExtensionFactory(tenant=acme, number="100", name="")
    assert endpoint("100@acme.pbx.test")["callerid"] == "<100>"


def test_a_double_quote_in_the_name_is_dropped(acme):
    ExtensionFactory(tenant=acme, number="100", name='Al "Boss" Smith')
    assert endpoint("100@acme.pbx.test")["callerid"] == '"Al Boss Smith" <100>'


def test_a_semicolon_or_caret_in_a_name_reaches_asterisk_as_one_callerid(acme):
    ExtensionFactory(tenant=acme, number="100", name="Sales; 2nd ^floor")
    row = endpoint("100@acme.pbx.test")
    assert asterisk_reads(row["callerid"]) == ['"Sales; 2nd ^floor" <100>']


def test_context_and_tenantid_are_the_tenant_s_code(acme):
    ExtensionFactory(tenant=acme, number="100")
    row = endpoint("100@acme.pbx.test")
    assert (row["context"], row["tenantid"]) == ("ACME", "ACME")


def test_mailboxes_are_the_mailbox_at_the_tenant_s_context(acme):
    ExtensionFactory(tenant=acme, number="100", mailbox="8100")
    [aor] = by_id("ps_aors", "100@acme.pbx.test")
    assert endpoint("100@acme.pbx.test")["mailboxes"] == aor["mailboxes"] == "8100@ACME"


def test_no_mailbox_is_null(acme):
    ExtensionFactory(tenant=acme, number="100", mailbox="")
    assert endpoint("100@acme.pbx.test")["mailboxes"] is None


def test_max_contacts_is_the_extension_s_and_the_oldest_contact_is_replaced(acme):
    ExtensionFactory(tenant=acme, number="100", max_contacts=3)
    [aor] = by_id("ps_aors", "100@acme.pbx.test")
    assert (aor["max_contacts"], aor["remove_existing"]) == (3, "yes")


def test_media_goes_through_asterisk_with_nat_settings_and_rfc4733(acme):
    ExtensionFactory(tenant=acme, number="100")
    row = endpoint("100@acme.pbx.test")
    assert {key: row[key] for key in (
        "direct_media", "rtp_symmetric", "force_rport", "rewrite_contact", "dtmf_mode", "transport"
    )} == {
        "direct_media": "no", "rtp_symmetric": "yes", "force_rport": "yes",
        "rewrite_contact": "yes", "dtmf_mode": "rfc4733", "transport": None,
    }  # fmt: skip


def test_call_limit_and_account_code_map_onto_busy_at_and_accountcode(acme):
    ExtensionFactory(tenant=acme, number="100", call_limit=2, account_code="sales;7")
    row = endpoint("100@acme.pbx.test")
    assert row["device_state_busy_at"] == 2
    assert asterisk_reads(row["accountcode"]) == ["sales;7"]


def test_pickup_groups_are_named_call_and_pickup_groups(acme):
    extension = ExtensionFactory(tenant=acme, number="100")
    for name, kind in (("sales", "call"), ("support", "call"), ("sales", "pickup")):
        group = PickupGroupFactory(tenant=acme, name=name, kind=kind)
        PickupGroupMember.objects.create(group=group, extension=extension)
    row = endpoint("100@acme.pbx.test")
    assert (row["named_call_group"], row["named_pickup_group"]) == ("sales,support", "sales")


def test_a_role_granted_select_on_the_four_views_reads_them_and_nothing_else(acme):
    ExtensionFactory(tenant=acme, number="100")
    role = f"asterisk_check_{uuid.uuid4().hex[:12]}"  # roles are shared by every database
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role}")
        cursor.execute(f"GRANT SELECT ON ps_endpoints, ps_aors, ps_auths, ps_domain_aliases TO {role}")
        cursor.execute(f"SET ROLE {role}")
        try:
            assert ids("ps_endpoints") == ["100@acme.pbx.test"]
            assert ids("ps_auths") == ids("ps_aors") == ["100@acme.pbx.test"]
            with pytest.raises(ProgrammingError, match="permission denied"), transaction.atomic():
                cursor.execute("SELECT password FROM extensions_extension")
        finally:
            cursor.execute("RESET ROLE")


def test_domain_aliases_are_each_enabled_tenant_s_domain(acme, globex):
    assert select("SELECT * FROM ps_domain_aliases WHERE id = %s", "acme.pbx.test") == [
        {"id": "acme.pbx.test", "domain": "acme.pbx.test"}
    ]
    assert ids("ps_domain_aliases") == ["acme.pbx.test", "globex.pbx.test"]
