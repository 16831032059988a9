"""`PBX_DB_POOLING=transaction`: pbx/settings.py switches off what cannot outlive a
transaction behind pgbouncer in transaction pooling mode (docs/scaling.md)."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from tests.pooling.conftest import pbx_databases

URL = "postgres://pbx@db.example.com:6432/pbx"


def test_transaction_pooling_turns_off_django_server_side_cursors():
    assert pbx_databases(URL, "transaction")["default"]["DISABLE_SERVER_SIDE_CURSORS"] is True


def test_transaction_pooling_turns_off_prepared_statements_even_when_the_url_asks_for_them():
    options = pbx_databases(f"{URL}?prepare_threshold=5", "transaction")["default"]["OPTIONS"]
    assert "prepare_threshold" in options and options["prepare_threshold"] is None


def test_transaction_pooling_turns_off_django_own_pool():
    assert "pool" not in pbx_databases(f"{URL}?pool=true", "transaction")["default"]["OPTIONS"]


def test_transaction_pooling_keeps_persistent_connections_to_pgbouncer():
    assert pbx_databases(URL, "transaction")["default"]["CONN_MAX_AGE"] == 60


def test_without_pooling_django_keeps_its_server_side_cursors():
    assert pbx_databases(URL, "")["default"]["DISABLE_SERVER_SIDE_CURSORS"] is False


@pytest.mark.parametrize("mode", ["session", "off"])
def test_session_pooling_needs_nothing_switched_off(mode):
    assert pbx_databases(URL, mode)["default"]["DISABLE_SERVER_SIDE_CURSORS"] is False


def test_an_unknown_pooling_mode_is_refused_naming_the_setting_and_its_values():
    with pytest.raises(
        ImproperlyConfigured, match="PBX_DB_POOLING must be transaction, session or off, not 'statement'"
    ):
        pbx_databases(URL, "statement")


def test_transaction_pooling_leaves_an_sqlite_database_as_it_is():
    database = pbx_databases("sqlite:///pbx.sqlite3", "transaction")["default"]
    assert "prepare_threshold" not in database["OPTIONS"] and not database["DISABLE_SERVER_SIDE_CURSORS"]
