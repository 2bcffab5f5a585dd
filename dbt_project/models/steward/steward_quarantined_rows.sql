-- Every row held back by this run, whatever its file, in one list for the data steward's report:
-- the file and row number to find it, the record's key and hospital patient identifier, and the reason.

with

patients as (

    select
        'hospital_patients' as raw_table,
        source_file,
        source_row_number,
        patient_id as record_key,
        patient_id,
        quarantine_reason,
        run_id
    from {{ ref('quarantine_hospital_patients') }}

),

treatments as (

    select
        'hospital_treatments' as raw_table,
        source_file,
        source_row_number,
        treatment_id as record_key,
        patient_id,
        quarantine_reason,
        run_id
    from {{ ref('quarantine_hospital_treatments') }}

),

adverse_events as (

    select
        'hospital_adverse_events' as raw_table,
        source_file,
        source_row_number,
        event_id as record_key,
        patient_id,
        quarantine_reason,
        run_id
    from {{ ref('quarantine_hospital_adverse_events') }}

),

pv_cases as (

    select
        'pv_cases' as raw_table,
        source_file,
        source_row_number,
        case_id || coalesce(' v' || case_version, '') as record_key,
        null as patient_id,
        quarantine_reason,
        run_id
    from {{ ref('quarantine_pv_cases') }}

),

faers_reports as (

    select
        'faers_demo' as raw_table,
        source_file,
        source_row_number,
        coalesce(cast(primaryid as varchar), cast(caseid as varchar)) as record_key,
        null as patient_id,
        quarantine_reason,
        run_id
    from {{ ref('quarantine_faers_reports') }}

),

quarantined as (

    select * from patients
    union all
    select * from treatments
    union all
    select * from adverse_events
    union all
    select * from pv_cases
    union all
    select * from faers_reports

)

select * from quarantined
order by source_file, source_row_number
