"""The failpoint list is the one truth: a variable naming anything else is refused, in one sentence listing the
valid names, by a refresh before it starts, by every place that reaches a failpoint and by dbt's connections."""

from __future__ import annotations

import errno
import re

import duckdb
import pytest
from click.testing import CliRunner

from helpers import PROJECT_DIR
from pv_warehouse.cli import main
from pv_warehouse.core import failpoints
from pv_warehouse.core.failpoints import ENV_DISK_FULL, ENV_FAILPOINT, POINTS, UnknownFailpoint

MISSPELT = "load:file-loded"
VARIABLES = [ENV_FAILPOINT, ENV_DISK_FULL]


@pytest.fixture(autouse=True)
def no_failpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in VARIABLES:
        monkeypatch.delenv(variable, raising=False)


def test_every_listed_place_and_every_name_of_a_placeholder_is_a_failpoint() -> None:
    fixed = [point for point in POINTS if "<" not in point]
    assert all(failpoints.is_point(point) for point in fixed)
    assert failpoints.is_point("task-start:transform")
    assert failpoints.is_point("dbt-model:int_cutaneous_reactions_characterised")


@pytest.mark.parametrize(
    "name", [MISSPELT, "publish", "publish:swapped ", "task-start:", "dbt-model:", "task-start", "Load:file-loaded"]
)
def test_a_name_off_the_list_is_no_failpoint(name: str) -> None:
    assert not failpoints.is_point(name)


def test_every_place_the_code_reaches_is_on_the_list() -> None:
    package = PROJECT_DIR / "include" / "pv_warehouse"
    reached = []
    for path in package.rglob("*.py"):
        reached += re.findall(r"failpoints\.reach\(f?\"([^\"]+)\"\)", path.read_text(encoding="utf-8"))
    # an f-string's `{...}` is the placeholder's name
    names = [re.sub(r"\{[^}]+\}", "x", name) for name in reached]
    assert len(names) >= 6
    assert [name for name in names if not failpoints.is_point(name)] == []


@pytest.mark.parametrize("variable", VARIABLES)
def test_unset_empty_or_listed_variables_pass(variable: str) -> None:
    failpoints.check_environment({})
    failpoints.check_environment({variable: ""})
    for point in POINTS:
        failpoints.check_environment({variable: point.replace("<task id>", "transform").replace("<model>", "m")})


@pytest.mark.parametrize("variable", VARIABLES)
def test_a_misspelt_variable_is_refused_in_one_sentence_listing_the_valid_names(variable: str) -> None:
    with pytest.raises(UnknownFailpoint) as refusal:
        failpoints.check_environment({variable: MISSPELT})
    message = str(refusal.value)
    assert message.startswith(f"{variable} is set to '{MISSPELT}', which is no failpoint: set it to one of ")
    assert message.endswith(", or unset it")
    assert "\n" not in message
    assert all(point in message for point in POINTS)


def test_reaching_a_failpoint_refuses_a_misspelt_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_FAILPOINT, MISSPELT)
    with pytest.raises(UnknownFailpoint):
        failpoints.reach("load:file-loaded")


def test_reaching_another_failpoint_than_the_one_named_does_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_FAILPOINT, "publish:swapped")
    failpoints.reach("publish:staged")


def test_the_disk_full_failpoint_raises_no_space_left(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_DISK_FULL, "publish:staged")
    with pytest.raises(OSError) as full:
        failpoints.reach("publish:staged")
    assert full.value.errno == errno.ENOSPC
    failpoints.reach("publish:swapped")


def test_a_refresh_with_a_misspelt_failpoint_is_refused_before_it_starts(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    monkeypatch.setenv(ENV_FAILPOINT, MISSPELT)
    home = tmp_path / "home"
    result = CliRunner().invoke(main, ["refresh", "--landing", str(tmp_path), "--home", str(home)])
    assert result.exit_code == 1
    (line,) = result.output.splitlines()
    assert line.startswith(f"Error: refresh refused, nothing was run: {ENV_FAILPOINT} is set to '{MISSPELT}'")
    assert all(point in line for point in POINTS)
    assert "Traceback" not in result.output
    assert not home.exists()


def test_dbt_connections_refuse_a_misspelt_failpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    from pv_warehouse.transform.dbt_plugin import Plugin

    monkeypatch.setenv(ENV_FAILPOINT, MISSPELT)
    monkeypatch.setenv("PV_WAREHOUSE_PSEUDONYM_KEY", "unit-tests-only")
    plugin = Plugin.__new__(Plugin)
    with duckdb.connect() as con, pytest.raises(UnknownFailpoint, match=MISSPELT):
        plugin.configure_connection(con)
