"""switch/asterisk/: the three files that point Asterisk's res_pjsip at pbx's views."""

import configparser
from pathlib import Path

import pytest

FILES = Path(__file__).resolve().parents[2] / "switch" / "asterisk"
VIEWS = {
    "endpoint": "ps_endpoints",
    "auth": "ps_auths",
    "aor": "ps_aors",
    "domain_alias": "ps_domain_aliases",
}


def read(name):
    """An Asterisk .conf as sections of key -> value; ';' starts a comment, and
    extconfig's `family => driver` is read as `family = > driver`."""
    parser = configparser.ConfigParser(
        comment_prefixes=(";",), inline_comment_prefixes=(";",), delimiters=("=>", "=")
    )
    parser.read_string((FILES / name).read_text())
    return parser


def test_sorcery_takes_the_four_pjsip_objects_from_realtime():
    mapped = dict(read("sorcery.conf")["res_pjsip"])
    assert mapped == {kind: f"realtime,{view}" for kind, view in VIEWS.items()}


def test_extconfig_reads_each_view_through_res_config_pgsql():
    families = dict(read("extconfig.conf")["settings"])
    assert families == {view: "pgsql,general" for view in VIEWS.values()}


@pytest.mark.parametrize("key", ["dbhost", "dbport", "dbname", "dbuser", "dbpass"])
def test_res_pgsql_names_each_connection_setting_res_config_pgsql_reads(key):
    assert read("res_pgsql.conf")["general"][key]


def test_res_pgsql_leaves_the_views_unchanged():
    assert read("res_pgsql.conf")["general"]["requirements"] == "warn"
