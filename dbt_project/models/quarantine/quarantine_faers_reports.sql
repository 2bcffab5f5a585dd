-- FAERS report rows held back, each with its file, row number, report and reason.

with

held_back as (

    select
        source_file,
        source_row_number,
        primaryid,
        caseid,
        quarantine_reason,
        '{{ env_var("PV_WAREHOUSE_RUN_ID", "manual") }}' as run_id
    from {{ ref('int_faers_reports_checked') }}
    where quarantine_reason is not null

)

select * from held_back
