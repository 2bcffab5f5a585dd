-- Exposure periods of the drug under study (ATC code `target_atc`), accepted rows only, with whether each
-- is ongoing at extraction and the end the rules use (int_hospital_treatments_checked decides both).

with

treatments as (

    select * from {{ ref('int_hospital_treatments_checked') }}
    where quarantine_reason is null

),

target_drug as (

    select
        treatment_id,
        patient_id,
        start_date,
        end_date,
        is_ongoing,
        effective_end_date,
        dose_mg,
        dosing_interval_h,
        indication_label,
        stop_reason,
        extraction_date
    from treatments
    where atc_code = '{{ var("target_atc") }}'

)

select * from target_drug
