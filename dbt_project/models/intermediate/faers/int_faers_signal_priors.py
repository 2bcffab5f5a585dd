"""The MGPS prior of each signal table, fitted by maximum likelihood to its pairs' counts (pv_warehouse.transform.
mgps): one row for faers_signals, one per MedDRA level of faers_signals_by_level that has pairs."""

from pv_warehouse.transform.mgps import fit_priors


def model(dbt, session):
    dbt.config(materialized="table")
    pairs = dbt.ref("int_faers_drug_event_pairs_counted").df()
    by_level = dbt.ref("int_faers_drug_term_pairs_counted_by_level").df()
    tables = {("faers_signals", None): pairs}
    tables.update({("faers_signals_by_level", level): group for level, group in by_level.groupby("level")})
    return fit_priors(tables)
