-- Disproportionality of every (drug, reaction term) pair in the deduplicated FAERS cases (see the macro
-- disproportionality for the statistics and flags).

{{ disproportionality(
    ref('int_faers_drug_event_pairs_counted'), ['drug', 'pt'], ref('int_faers_drug_event_pairs_shrunk'), ['drug', 'pt']
) }}
