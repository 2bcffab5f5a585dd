-- How much of each loaded quarter's suspect-drug rows (PS, SS) is counted as an active ingredient, by
-- method: the row's prod_ai, learned from the loaded quarters, or the seed of overrides; the rest unmapped.

with

suspect_rows as (

    select * from {{ ref('int_faers_drug_rows_resolved') }}
    where role_cod in ('PS', 'SS')

),

final as (

    select
        {{ faers_quarter('quarter_start') }} as quarter,  -- noqa: RF04
        count(*) as n_suspect_rows,
        count(*) filter (where mapping_method = 'prod_ai') as n_by_prod_ai,
        count(*) filter (where mapping_method = 'learned') as n_learned,
        count(*) filter (where mapping_method = 'override') as n_override,
        count(*) filter (where mapping_method = 'unmapped') as n_unmapped,
        round(100.0 * count(*) filter (where mapping_method <> 'unmapped') / count(*), 1) as pct_mapped
    from suspect_rows
    group by quarter_start

)

select * from final
