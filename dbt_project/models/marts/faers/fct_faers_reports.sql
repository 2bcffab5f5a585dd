with

reports as (

    select * from {{ ref('int_faers_reports_deduplicated') }}

),

outcomes as (

    select
        primaryid,
        string_agg(distinct outc_cod, ',' order by outc_cod) as outcome_codes
    from {{ ref('stg_faers__outcomes') }}
    where outc_cod is not null
    group by primaryid

),

final as (

    select
        reports.caseid,
        reports.primaryid,
        reports.caseversion,
        reports.quarter,
        reports.i_f_code,
        reports.fda_dt,
        reports.init_fda_dt,
        reports.event_dt,
        reports.event_dt_precision,
        {{ faers_age_years('reports.age', 'reports.age_cod') }} as age_years,
        reports.sex,
        reports.reporter_country,
        reports.occr_country,
        reports.occp_cod,
        outcomes.outcome_codes is not null as is_serious,
        outcomes.outcome_codes
    from reports
    left join outcomes
        on reports.primaryid = outcomes.primaryid

)

select * from final
