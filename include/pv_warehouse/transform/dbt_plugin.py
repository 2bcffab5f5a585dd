"""dbt-duckdb plugin: registers the patient-key functions, and the failpoint models reach once built, on
every connection dbt opens."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dbt.adapters.duckdb.plugins import BasePlugin  # noqa: TID253 - only dbt imports this module

from pv_warehouse.core import failpoints
from pv_warehouse.core.pseudonymise import hmac_pads, secret_from_env

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection


# HMAC-SHA256 (RFC 2104) in SQL: DuckDB hashes a whole column at native speed, where a Python function was
# called once per row. The padded keys come from a function, so the secret never appears in SQL text.
KEY_MACROS = (
    "create or replace temp macro pv_hmac_sha256(message) as "
    "sha256(pv_hmac_pad('outer') || unhex(sha256(pv_hmac_pad('inner') || encode(message))))",
    "create or replace temp macro pv_patient_key(identifier) as pv_hmac_sha256(nullif(upper(trim(identifier)), ''))",
    "create or replace temp macro pv_record_key(kind, identifier) as "
    "pv_hmac_sha256(kind || ':' || nullif(trim(identifier), ''))",
)


class Plugin(BasePlugin):
    """Registers `pv_patient_key(identifier)`, `pv_record_key(kind, identifier)`,
    `pv_gamma_quantile(p, shape, rate)` and `pv_failpoint(model)`."""

    def configure_cursor(self, cursor: DuckDBPyConnection) -> None:
        # temporary macros belong to one connection, and each dbt thread works on a cursor of its own
        for statement in KEY_MACROS:
            cursor.execute(statement)

    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        # a misspelt failpoint would never fire: refused before dbt builds anything
        failpoints.check_environment()
        inner, outer = hmac_pads(secret_from_env())
        conn.create_function(
            "pv_hmac_pad",
            lambda which: inner if which == "inner" else outer,
            ["VARCHAR"],
            "BLOB",
            side_effects=False,
        )
        for statement in KEY_MACROS:
            conn.execute(statement)
        # the IC025 of a drug-event pair needs a Gamma quantile, which DuckDB has no function for
        conn.create_function(
            "pv_gamma_quantile",
            gamma_quantile,
            ["DOUBLE", "DOUBLE", "DOUBLE"],
            "DOUBLE",
            side_effects=False,
        )
        # every model's post-hook, inside its transaction: `dbt-model:<name>` kills the build right there
        conn.create_function(
            "pv_failpoint",
            _reach_model_failpoint,
            ["VARCHAR"],
            "VARCHAR",
            side_effects=True,
        )


def _reach_model_failpoint(model: str) -> str:
    failpoints.reach(f"dbt-model:{model}")
    return model


def gamma_quantile(probability: float, shape: float, rate: float) -> float:
    """The `probability` quantile of the Gamma distribution with this shape and rate (scipy's inverse of the
    regularised lower incomplete gamma function, divided by the rate)."""
    from scipy.special import gammaincinv

    return float(gammaincinv(shape, probability)) / rate
