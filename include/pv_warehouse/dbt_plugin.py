"""dbt-duckdb plugin: registers the patient-key functions, and the failpoint models reach once built, on
every connection dbt opens."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dbt.adapters.duckdb.plugins import BasePlugin  # noqa: TID253 - only dbt imports this module

from pv_warehouse import failpoints
from pv_warehouse.pseudonymise import patient_key, record_key, secret_from_env

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection


class Plugin(BasePlugin):
    """Registers `pv_patient_key(identifier)`, `pv_record_key(kind, identifier)`,
    `pv_gamma_quantile(p, shape, rate)` and `pv_failpoint(model)`."""

    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        secret = secret_from_env()
        conn.create_function(
            "pv_patient_key",
            lambda identifier: patient_key(identifier, secret),
            ["VARCHAR"],
            "VARCHAR",
            null_handling="special",
            side_effects=False,
        )
        conn.create_function(
            "pv_record_key",
            lambda kind, identifier: record_key(kind, identifier, secret),
            ["VARCHAR", "VARCHAR"],
            "VARCHAR",
            null_handling="special",
            side_effects=False,
        )
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
