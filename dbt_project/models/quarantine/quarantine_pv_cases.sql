-- Rows of the national export held back, each with its file, row number, case and reason.

with

held_back as (

    select
        source_file,
        source_row_number,
        case_id,
        case_version,
        quarantine_reason,
        '{{ env_var("PV_WAREHOUSE_RUN_ID", "manual") }}' as run_id
    from {{ ref('int_pv_case_rows_checked') }}
    where quarantine_reason is not null

)

select * from held_back
