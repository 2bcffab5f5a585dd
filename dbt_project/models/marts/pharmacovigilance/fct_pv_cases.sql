with

cases as (

    select * from {{ ref('int_pv_cases_classified') }}

),

final as (

    select
        case_id,
        case_version,
        initial_receipt_date,
        version_receipt_date,
        reporter_type,
        patient_sex,
        patient_age_years,
        is_serious,
        has_skin_term,
        has_injection_site_term,
        is_in_query,
        is_in_query_incl_injection_site_terms,
        is_withdrawn,
        n_reaction_terms,
        has_imputability_inconsistency,
        export_date
    from cases

)

select * from final
