-- The kept cases the signals count: every kept case, less the probable duplicates other than the most
-- recent report of their group when faers_drop_probable_duplicates is true (the default).

with

reports as (

    select caseid from {{ ref('int_faers_reports_deduplicated') }}

),

dropped as (

    select caseid from {{ ref('int_faers_probable_duplicates') }}
    where
        not is_kept
        and {{ 'true' if var('faers_drop_probable_duplicates') else 'false' }}

),

counted as (

    select reports.caseid
    from reports
    anti join dropped
        on reports.caseid = dropped.caseid

)

select * from counted
