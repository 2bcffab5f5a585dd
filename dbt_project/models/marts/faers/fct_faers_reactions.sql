-- One row per reaction term of each deduplicated FAERS case, on the team's MedDRA release when the
-- landing holds one.

with

coded as (

    select * from {{ ref('int_faers_reaction_terms_coded') }}

),

final as (

    select
        caseid,
        pt,
        meddra_pt_code,
        meddra_pt_name,
        meddra_soc_name,
        meddra_match
    from coded

)

select * from final
