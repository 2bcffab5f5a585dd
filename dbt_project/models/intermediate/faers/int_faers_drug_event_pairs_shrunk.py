"""EBGM, EB05 and EB95 of every (drug, reaction term) pair of faers_signals, under the table's fitted prior."""

from pv_warehouse.transform.mgps import shrink


def model(dbt, session):
    dbt.config(materialized="table")
    pairs = dbt.ref("int_faers_drug_event_pairs_counted").df()
    priors = dbt.ref("int_faers_signal_priors").df()
    return shrink(pairs, priors[priors["signal_table"] == "faers_signals"], keys=["drug", "pt"])
