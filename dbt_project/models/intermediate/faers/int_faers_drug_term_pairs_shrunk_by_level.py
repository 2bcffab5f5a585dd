"""EBGM, EB05 and EB95 of every (drug, MedDRA term) pair of faers_signals_by_level, under its level's prior."""

from pv_warehouse.transform.mgps import shrink


def model(dbt, session):
    dbt.config(materialized="table")
    pairs = dbt.ref("int_faers_drug_term_pairs_counted_by_level").df()
    priors = dbt.ref("int_faers_signal_priors").df()
    return shrink(
        pairs,
        priors[priors["signal_table"] == "faers_signals_by_level"],
        keys=["drug", "level", "term_code"],
        level_column="level",
    )
