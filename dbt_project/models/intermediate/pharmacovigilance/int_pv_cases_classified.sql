-- One row per national case (latest version): whether it belongs to the query, and whether the suspect
-- drug was withdrawn. Injection-site terms sit outside the skin class, hence the sensitivity flag: with the
-- team's MedDRA release, the PTs of its HLT injection_site_hlt; without one, the PTs named with the prefix.
-- A case with a row whose imputability disagrees with the 1985 table is flagged for the data steward.

with

rows_checked as (

    select * from {{ ref('int_pv_case_rows_coded') }}

),

cases as (

    select
        case_id,
        max(case_version) as case_version,
        min(initial_receipt_date) as initial_receipt_date,
        max(version_receipt_date) as version_receipt_date,
        any_value(reporter_type) as reporter_type,
        any_value(patient_sex) as patient_sex,
        any_value(patient_age_years) as patient_age_years,
        coalesce(bool_or(is_serious), false) as is_serious,
        bool_or(suspect_drug = upper('{{ var("target_drug_name") }}')) as is_target_drug,
        bool_or(reaction_soc = '{{ var("pv_soc") }}') as has_skin_term,
        -- the PTs under the HLT injection_site_hlt of the team's release (int_pv_case_rows_coded); without
        -- a release, the PTs named with the prefix
        coalesce(
            bool_or(
                coalesce(is_injection_site_term, starts_with(reaction_pt, '{{ var("injection_site_pt_prefix") }}'))
            ),
            false
        ) as has_injection_site_term,
        coalesce(bool_or(action_taken = 'withdrawn'), false) as is_withdrawn,
        count(distinct reaction_llt) as n_reaction_terms,
        bool_or(is_imputability_inconsistent) as has_imputability_inconsistency,
        max(export_date) as export_date
    from rows_checked
    group by case_id

),

classified as (

    select
        *,
        initial_receipt_date between
        cast('{{ var("pv_start") }}' as date) and cast('{{ var("pv_end") }}' as date)
            as is_in_query_window,
        is_target_drug and is_in_query_window and has_skin_term as is_in_query,
        is_target_drug and is_in_query_window and (has_skin_term or has_injection_site_term)
            as is_in_query_incl_injection_site_terms
    from cases

)

select * from classified
