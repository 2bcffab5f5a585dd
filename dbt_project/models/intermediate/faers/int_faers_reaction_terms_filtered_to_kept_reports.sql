-- The reaction terms of each kept report, one row per case and preferred term.

with

reports as (

    select
        caseid,
        primaryid
    from {{ ref('int_faers_reports_deduplicated') }}

),

reactions as (

    select * from {{ ref('stg_faers__reactions') }}
    where pt is not null

),

terms as (

    select distinct
        reports.caseid,
        reactions.pt
    from reactions
    inner join reports
        on reactions.primaryid = reports.primaryid

)

select * from terms
