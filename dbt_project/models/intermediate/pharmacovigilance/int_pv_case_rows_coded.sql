-- Rows of each case's latest version on the team's MedDRA release: the export's `reaction_llt` matched to
-- an LLT's name, else its `reaction_pt` to a PT's or LLT's name (case, accents and spaces aside, in any
-- language of the release). `is_soc_consistent` is false when no path of the matched PT leads to the
-- export's `reaction_soc`: a steward warning. Terms the release lacks are kept, unmatched.
-- `is_injection_site_term`: the PT is under the HLT `injection_site_hlt`; NULL without a release.

with

case_rows as (

    select * from {{ ref('int_pv_case_rows_imputability_checked') }}

),

names as (

    select * from {{ ref('int_meddra_term_lookup') }}

),

meddra_release as (

    select count(*) > 0 as is_present from {{ ref('dim_meddra_terms') }}

),

injection_site_terms as (

    select pt_code from {{ ref('int_meddra_study_terms') }}
    where is_injection_site

),

soc_names as (

    select distinct
        pt_code,
        {{ label_key('soc_name') }} as soc_key
    from {{ ref('dim_meddra_pt_soc') }}

),

matched as (

    select
        case_rows.*,
        coalesce(by_llt.pt_code, by_pt.pt_code) as meddra_pt_code,
        case
            when by_llt.pt_code is not null then 'llt'
            when by_pt.pt_code is not null then 'pt'
            else 'unmatched'
        end as meddra_match
    from case_rows
    left join names as by_llt
        on {{ label_key('case_rows.reaction_llt') }} = by_llt.term_key
    left join names as by_pt
        on {{ label_key('case_rows.reaction_pt') }} = by_pt.term_key

),

coded as (

    select
        matched.*,
        preferred_terms.pt_name as meddra_pt_name,
        preferred_terms.soc_name as meddra_soc_name,
        case
            when matched.meddra_pt_code is not null and matched.reaction_soc is not null
                then exists (
                    select 1
                    from soc_names
                    where
                        soc_names.pt_code = matched.meddra_pt_code
                        and soc_names.soc_key = {{ label_key('matched.reaction_soc') }}
                )
        end as is_soc_consistent,
        case
            when (select meddra_release.is_present from meddra_release)
                then coalesce(
                    matched.meddra_pt_code in (select injection_site_terms.pt_code from injection_site_terms), false
                )
        end as is_injection_site_term
    from matched
    left join {{ ref('int_meddra_preferred_terms_named') }} as preferred_terms
        on matched.meddra_pt_code = preferred_terms.pt_code

)

select * from coded
