-- The statistics of faers_signals for every (drug, MedDRA term) pair at each level of the team's release:
-- pt, hlt, hlgt, soc and smq. Empty without a release.

{{ disproportionality(
    ref('int_faers_drug_term_pairs_counted_by_level'),
    ['drug', 'level', 'term_code', 'term'],
    ref('int_faers_drug_term_pairs_shrunk_by_level'),
    ['drug', 'level', 'term_code']
) }}
