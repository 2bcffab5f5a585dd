-- One report per case across every loaded quarter: the highest caseversion, then the latest fda_dt, then
-- the highest primaryid. Cases a quarter lists as deleted are dropped.

with

accepted as (

    select * from {{ ref('int_faers_reports_checked') }}
    where quarantine_reason is null

),

deleted as (

    select distinct caseid from {{ ref('stg_faers__deleted_cases') }}
    where caseid is not null

),

ranked as (

    select
        accepted.*,
        row_number() over (
            partition by accepted.caseid
            -- the same version published again in a later quarter: the later quarter's row
            order by
                accepted.caseversion desc,
                accepted.fda_dt desc nulls last,
                accepted.primaryid desc,
                accepted.quarter_start desc,
                accepted.source_row_number desc
        ) as version_rank
    from accepted
    anti join deleted
        on accepted.caseid = deleted.caseid

),

latest as (

    select * exclude (version_rank)
    from ranked
    where version_rank = 1

)

select * from latest
