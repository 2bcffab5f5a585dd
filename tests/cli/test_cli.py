"""The command line: every verb documents itself, every verb on a home takes the same --home (honouring
PV_WAREHOUSE_HOME); demo-data writes the landing and says what it wrote."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pv_warehouse.cli import DEFAULT_HOME, main
from pv_warehouse.core.pseudonymise import ensure_local_key

VERBS_ON_A_HOME = {"refresh", "summary", "sql", "rollback", "accept-snapshot", "export-summary", "check-key", "prepare"}


@pytest.mark.parametrize(
    ("verb", "options"),
    [
        ("demo-data", ["--out", "--seed", "--scale"]),
        ("refresh", ["--landing", "--home", "--retries", "--wait", "--verbose"]),
        ("summary", ["--home"]),
        ("sql", ["--home", "--format"]),
        ("rollback", ["--home", "--to", "--list"]),
        ("accept-snapshot", ["--reason", "--home", "--landing", "--by"]),
        ("export-summary", ["--home", "--min-cell", "--out"]),
        ("check-key", ["--home"]),
        ("prepare", ["--home"]),
    ],
)
def test_every_verb_has_help(verb: str, options: list[str]) -> None:
    result = CliRunner().invoke(main, [verb, "--help"])
    assert result.exit_code == 0
    for option in options:
        assert option in result.output


def test_the_help_lists_every_verb_the_lazily_loaded_ones_too() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    listed = {line.split()[0] for line in result.output.split("Commands:")[1].splitlines() if line.strip()}
    assert listed == VERBS_ON_A_HOME | {"demo-data", "bench"}


def test_a_refresh_loads_neither_the_demo_generators_nor_the_benchmark() -> None:
    """What `pv-warehouse refresh` imports before it runs, and what the DAG's tasks import: no demo, no bench."""
    script = (
        "import sys, click\n"
        "from pv_warehouse.cli import main\n"
        "import pv_warehouse.orchestrate.nightly, pv_warehouse.orchestrate.tasks\n"
        "assert main.get_command(click.Context(main), 'refresh') is not None\n"
        "print(sorted(m for m in sys.modules if m.startswith(('pv_warehouse.demo', 'pv_warehouse.bench'))))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def test_demo_data_writes_every_file_and_counts_rows(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["demo-data", "--out", str(tmp_path / "landing"), "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert f"{tmp_path / 'landing' / 'hospital/2016-05-15/patients.csv'}: 27 rows" in result.output
    assert f"{tmp_path / 'landing' / 'pharmacovigilance/2016-05-10/pv_cases.csv'}: 88 rows" in result.output
    assert len(list((tmp_path / "landing").rglob("*.csv"))) == 8


def test_summary_without_a_published_warehouse_says_what_to_run(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["summary", "--home", str(tmp_path)])
    assert result.exit_code == 1
    assert "does not exist yet" in result.output
    assert "pv-warehouse refresh" in result.output


def test_check_key_says_where_the_key_comes_from_never_the_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    key = "a-long-enough-secret-for-patient-keys-0123456789"
    monkeypatch.setenv("PV_WAREHOUSE_PSEUDONYM_KEY", key)
    monkeypatch.delenv("DBT_ENV_SECRET_PV_PSEUDONYM_KEY", raising=False)
    result = CliRunner().invoke(main, ["check-key", "--home", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert result.output == "Pseudonym key: set, from PV_WAREHOUSE_PSEUDONYM_KEY.\n"
    monkeypatch.delenv("PV_WAREHOUSE_PSEUDONYM_KEY")
    refused = CliRunner().invoke(main, ["check-key", "--home", str(tmp_path)])
    assert refused.exit_code == 1
    assert "no pseudonym key is set" in refused.output
    assert f"No local demo key {tmp_path / 'secrets' / 'pseudonym.key'} either" in refused.output


def test_check_key_reports_the_demo_key_refresh_created(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PV_WAREHOUSE_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("DBT_ENV_SECRET_PV_PSEUDONYM_KEY", raising=False)
    key_file = tmp_path / "home" / "secrets" / "pseudonym.key"
    secret, _ = ensure_local_key(key_file)
    result = CliRunner().invoke(main, ["check-key", "--home", str(tmp_path / "home")])
    assert result.exit_code == 0, result.output
    assert result.output == (f"Pseudonym key: the local demo key {key_file} (created by refresh for demo extracts).\n")
    assert secret not in result.output
    # a key set in the environment is the one refresh uses, demo key or not
    monkeypatch.setenv("PV_WAREHOUSE_PSEUDONYM_KEY", "a-long-enough-secret-for-patient-keys-0123456789")
    configured = CliRunner().invoke(main, ["check-key", "--home", str(tmp_path / "home")])
    assert configured.output == "Pseudonym key: set, from PV_WAREHOUSE_PSEUDONYM_KEY.\n"


def test_every_verb_on_a_home_takes_the_same_home_option() -> None:
    homes = {
        name: [param for param in command.params if param.name == "home"] for name, command in main.commands.items()
    }
    assert {name for name, params in homes.items() if params} == VERBS_ON_A_HOME
    options = [params[0] for params in homes.values() if params]
    first = options[0].to_info_dict()
    assert first["opts"] == ["--home"]
    assert first["envvar"] == "PV_WAREHOUSE_HOME"
    assert first["default"] == DEFAULT_HOME
    for option in options:
        assert option.to_info_dict() == first
    # the help says where the default comes from
    assert "PV_WAREHOUSE_HOME" in CliRunner().invoke(main, ["summary", "--help"]).output


def test_the_home_comes_from_pv_warehouse_home_unless_given(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PV_WAREHOUSE_HOME", str(tmp_path / "from-env"))
    summary = CliRunner().invoke(main, ["summary"])
    assert summary.exit_code == 1
    assert f"{tmp_path / 'from-env' / 'analytics.duckdb'} does not exist yet" in summary.output
    given = CliRunner().invoke(main, ["summary", "--home", str(tmp_path / "given")])
    assert f"{tmp_path / 'given' / 'analytics.duckdb'} does not exist yet" in given.output

    monkeypatch.delenv("PV_WAREHOUSE_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("DBT_ENV_SECRET_PV_PSEUDONYM_KEY", raising=False)
    key_file = tmp_path / "from-env" / "secrets" / "pseudonym.key"
    ensure_local_key(key_file)
    check = CliRunner().invoke(main, ["check-key"])
    assert check.exit_code == 0, check.output
    assert check.output == f"Pseudonym key: the local demo key {key_file} (created by refresh for demo extracts).\n"
