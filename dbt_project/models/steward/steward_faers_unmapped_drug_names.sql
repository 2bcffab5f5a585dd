-- Suspect-drug names (PS, SS) counted as themselves: no prod_ai, nothing learned, no override. Add the
-- frequent ones to seeds/faers_drug_name_overrides.csv.

with

unmapped as (

    select * from {{ ref('int_faers_drug_rows_resolved') }}
    where role_cod in ('PS', 'SS') and mapping_method = 'unmapped'

),

final as (

    select
        drug_name_key as drugname,
        count(*) as n_rows,
        count(distinct caseid) as n_cases
    from unmapped
    group by drug_name_key

)

select * from final
