"""Patient keys: HMAC-SHA256 of the normalised hospital identifier with the warehouse's secret."""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
from pathlib import Path

import duckdb
import pytest

from pv_warehouse.core.pseudonymise import (
    DBT_SECRET_ENV,
    MissingPseudonymKey,
    ensure_local_key,
    patient_key,
    record_key,
    require_secret,
    secret_from_env,
)

LONG_KEY = "0123456789abcdef0123456789abcdef-test"


@pytest.fixture
def no_key(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No key in the environment; restores whatever this test's calls set."""
    for variable in ("PV_WAREHOUSE_PSEUDONYM_KEY", DBT_SECRET_ENV, "AIRFLOW_CONN_PV_WAREHOUSE_PSEUDONYM"):
        monkeypatch.delenv(variable, raising=False)
    return monkeypatch


def test_patient_key_is_the_hmac_of_the_trimmed_identifier() -> None:
    expected = hmac.new(b"s3cret", b"10000007", hashlib.sha256).hexdigest()
    assert patient_key("10000007", b"s3cret") == expected
    assert patient_key(" 10000007 ", b"s3cret") == expected
    assert patient_key("10000007", b"other") != expected
    assert patient_key("", b"s3cret") is None
    assert patient_key(None, b"s3cret") is None


def test_record_keys_of_different_kinds_never_collide() -> None:
    assert record_key("event", "42", b"k") != record_key("course", "42", b"k")
    assert record_key("event", "42", b"k") == hmac.new(b"k", b"event:42", hashlib.sha256).hexdigest()


def test_local_key_file_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    key_file = tmp_path / "secrets" / "pseudonym.key"
    first, created = ensure_local_key(key_file)
    again, created_again = ensure_local_key(key_file)
    assert (created, created_again) == (True, False)
    assert first == again and len(first) == 64
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_missing_key_says_how_to_set_one(no_key: pytest.MonkeyPatch) -> None:
    for resolve in (secret_from_env, require_secret):
        with pytest.raises(MissingPseudonymKey, match="no pseudonym key is set") as refused:
            resolve()
        assert "export PV_WAREHOUSE_PSEUDONYM_KEY=$(openssl rand -hex 32)" in str(refused.value)
        assert "Airflow connection `pv_warehouse_pseudonym`" in str(refused.value)


def test_a_short_key_is_refused_with_its_length(no_key: pytest.MonkeyPatch) -> None:
    no_key.setenv("PV_WAREHOUSE_PSEUDONYM_KEY", "s3cret")
    with pytest.raises(MissingPseudonymKey, match="PV_WAREHOUSE_PSEUDONYM_KEY has 6 characters; at least 32"):
        require_secret()


def test_the_key_can_come_from_an_airflow_connection(no_key: pytest.MonkeyPatch) -> None:
    no_key.setenv("AIRFLOW_CONN_PV_WAREHOUSE_PSEUDONYM", f'{{"conn_type": "generic", "password": "{LONG_KEY}"}}')
    assert require_secret() == LONG_KEY.encode()
    # handed to dbt under a name dbt scrubs from its logs
    assert os.environ[DBT_SECRET_ENV] == LONG_KEY


def test_the_environment_wins_over_the_airflow_connection(no_key: pytest.MonkeyPatch) -> None:
    no_key.setenv("AIRFLOW_CONN_PV_WAREHOUSE_PSEUDONYM", '{"conn_type": "generic", "password": "from-airflow"}')
    no_key.setenv("PV_WAREHOUSE_PSEUDONYM_KEY", LONG_KEY)
    assert require_secret() == LONG_KEY.encode()


def test_dbt_plugin_registers_the_key_functions_on_a_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    from pv_warehouse.transform.dbt_plugin import Plugin

    monkeypatch.setenv("PV_WAREHOUSE_PSEUDONYM_KEY", "s3cret")
    con = duckdb.connect()
    Plugin(name="pv", plugin_config={}).configure_connection(con)
    assert con.execute("select pv_patient_key('10000007'), pv_patient_key(null)").fetchone() == (
        patient_key("10000007", b"s3cret"),
        None,
    )
    assert con.execute("select pv_record_key('event', '7')").fetchone()[0] == record_key("event", "7", b"s3cret")


@pytest.mark.parametrize("key", ["s3cret", "k" * 64, "a-secret-longer-than-sha256-block-" * 3])
def test_sql_keys_equal_python_hmac_on_each_dbt_thread_cursor(monkeypatch: pytest.MonkeyPatch, key: str) -> None:
    """The keys are SQL over DuckDB's sha256 with the padded key (a key over 64 bytes is hashed first, as
    RFC 2104 says); each of dbt's threads works on a cursor, which gets the functions too."""
    from pv_warehouse.transform.dbt_plugin import Plugin

    monkeypatch.setenv("PV_WAREHOUSE_PSEUDONYM_KEY", key)
    plugin = Plugin(name="pv", plugin_config={})
    con = duckdb.connect()
    plugin.configure_connection(con)
    cursor = con.cursor()
    plugin.configure_cursor(cursor)
    identifiers = ["10000007", " 0042 ", "ab12", "", "   ", None]
    rows = cursor.execute(
        "select pv_patient_key(i), pv_record_key('course', i) from unnest(?) as t(i)", [identifiers]
    ).fetchall()
    secret = key.encode()
    assert rows == [(patient_key(i, secret), record_key("course", i, secret)) for i in identifiers]
    assert rows[1][0] == patient_key("0042", secret) != patient_key("42", secret)
    assert rows[2][0] == patient_key("AB12", secret)
    assert rows[3:] == [(None, None)] * 3
