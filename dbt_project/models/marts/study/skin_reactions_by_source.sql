-- Skin reactions to the study's drug in the three sources side by side: the hospital cohort, the national
-- query and FAERS. Cases are patients (hospital) or deduplicated cases (national, FAERS). Withdrawal is
-- `withdrawn` in the hospital and national data; FAERS has no action-taken column, so there it is a
-- positive dechallenge (the drug stopped and the reaction abated). The hospital extract has no seriousness.
-- FAERS skin terms come from the team's MedDRA release when the landing holds one.

with

hospital as (

    select
        'hospital_cohort' as source,  -- noqa: RF04
        1 as source_order,
        count(distinct patient_id) as cases,
        count(distinct patient_id) filter (where action_taken = 'withdrawn') as cases_withdrawn_or_dechallenge_positive,
        cast(null as bigint) as cases_serious
    from {{ ref('int_cutaneous_reactions_characterised') }}
    where is_course_included

),

national as (

    select
        'national_query' as source,  -- noqa: RF04
        2 as source_order,
        count(*) as cases,
        count(*) filter (where is_withdrawn) as cases_withdrawn_or_dechallenge_positive,
        count(*) filter (where is_serious) as cases_serious
    from {{ ref('int_pv_cases_classified') }}
    where is_in_query

),

meddra_release as (

    select count(*) > 0 as is_present from {{ ref('dim_meddra_terms') }}

),

skin_terms as (

    -- with the team's MedDRA release, the PTs of its SOC pv_soc and HLT injection_site_hlt; without, the
    -- bundled list of skin PTs and the PTs starting with injection_site_pt_prefix
    select terms.caseid
    from {{ ref('int_faers_reaction_terms_coded') }} as terms
    cross join meddra_release
    left join {{ ref('faers_skin_terms') }} as skin
        on terms.pt = skin.pt
    left join {{ ref('int_meddra_study_terms') }} as study_terms
        on terms.meddra_pt_code = study_terms.pt_code
    where
        case
            when meddra_release.is_present then study_terms.pt_code is not null
            else skin.pt is not null or starts_with(terms.pt, '{{ var("injection_site_pt_prefix") }}')
        end
    group by terms.caseid

),

faers_cases as (

    select
        suspects.caseid,
        suspects.is_dechallenge_positive,
        reports.is_serious
    from {{ ref('int_faers_suspect_drugs_filtered_to_kept_reports') }} as suspects
    semi join skin_terms
        on suspects.caseid = skin_terms.caseid
    inner join {{ ref('fct_faers_reports') }} as reports
        on suspects.caseid = reports.caseid
    where suspects.drug = upper('{{ var("target_drug_name") }}')

),

faers as (

    select
        'faers' as source,  -- noqa: RF04
        3 as source_order,
        count(*) as cases,
        count(*) filter (where is_dechallenge_positive) as cases_withdrawn_or_dechallenge_positive,
        count(*) filter (where is_serious) as cases_serious
    from faers_cases

),

sources as (

    select * from hospital
    union all
    select * from national
    union all
    select * from faers

),

final as (

    select
        source,
        cases,
        cases_withdrawn_or_dechallenge_positive,
        round(cast(cases_withdrawn_or_dechallenge_positive as double) * 100 / nullif(cases, 0), 1)
            as share_withdrawn_or_dechallenge_positive,
        cases_serious,
        round(cast(cases_serious as double) * 100 / nullif(cases, 0), 1) as share_serious
    from sources
    order by source_order

)

select * from final
