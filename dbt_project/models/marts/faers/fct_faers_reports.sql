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
        round(
            reports.age * case reports.age_cod
                when 'YR' then 1.0
                when 'DEC' then 10.0
                when 'MON' then 1.0 / 12
                when 'WK' then 7 / 365.25
                when 'DY' then 1 / 365.25
                when 'HR' then 1 / 8766.0
            end,
            2
        ) as age_years,
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
