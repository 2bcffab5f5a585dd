with

duplicates as (

    select * from {{ ref('int_faers_probable_duplicates') }}

),

final as (

    select
        duplicate_group,
        caseid,
        primaryid,
        is_kept,
        n_reports_in_group,
        fda_dt,
        sex,
        age_in_years,
        reporter_country,
        event_dt,
        suspect_ingredients,
        reaction_terms
    from duplicates

)

select * from final
