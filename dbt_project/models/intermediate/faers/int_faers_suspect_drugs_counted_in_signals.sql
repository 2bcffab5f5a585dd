-- The suspect drugs the signals count: those of every kept case, less the probable duplicates other than the
-- most recent report of their group when faers_drop_probable_duplicates is true (the default).

with

suspects as (

    select * from {{ ref('int_faers_suspect_drugs_filtered_to_kept_reports') }}

),

dropped as (

    select caseid from {{ ref('int_faers_probable_duplicates') }}
    where
        not is_kept
        and {{ 'true' if var('faers_drop_probable_duplicates') else 'false' }}

),

counted as (

    select
        suspects.caseid,
        suspects.drug
    from suspects
    anti join dropped
        on suspects.caseid = dropped.caseid

)

select * from counted
