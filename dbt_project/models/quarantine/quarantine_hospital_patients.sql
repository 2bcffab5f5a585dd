-- Rows of the newest patients.csv held back, each with its file, row number and reason.

with

held_back as (

    select
        source_file,
        source_row_number,
        patient_id,
        quarantine_reason,
        '{{ env_var("PV_WAREHOUSE_RUN_ID", "manual") }}' as run_id
    from {{ ref('int_hospital_patients_checked') }}
    where quarantine_reason is not null

)

select * from held_back
