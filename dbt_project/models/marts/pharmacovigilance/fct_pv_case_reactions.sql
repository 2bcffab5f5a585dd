-- One row per reaction term of each national case's latest version, on the team's MedDRA release when the
-- landing holds one.

with

case_rows as (

    select * from {{ ref('int_pv_case_rows_coded') }}

),

final as (

    select
        case_id,
        case_version,
        reaction_llt,
        reaction_pt,
        reaction_soc,
        meddra_pt_code,
        meddra_pt_name,
        meddra_soc_name,
        meddra_match,
        is_soc_consistent
    from case_rows

)

select * from final
