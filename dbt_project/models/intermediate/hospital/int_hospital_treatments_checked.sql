-- Exposure periods of the newest extract with the reason each is held back, if any: the staging
-- checks, an implausible value, a treatment_id repeated in the file, or a patient the accepted patients
-- do not hold. Implausible: dose_mg not above 0 or above max_dose_mg, dosing_interval_h not above 0, a
-- start after the extraction date, before the patient's birth date, or a date before min_plausible_date,
-- an end before the start.
-- An end after the extraction date (31/12/2099, 31/12/9999 for "no planned end") is kept: like a period
-- with no end, it is ongoing at extraction and ends there for the rules (is_ongoing, effective_end_date);
-- steward_ends_after_extraction lists it.

with

treatments as (

    select * from {{ ref('stg_hospital__treatments') }}

),

accepted_patients as (

    select
        patient_id,
        birth_date
    from {{ ref('int_hospital_patients_checked') }}
    where quarantine_reason is null

),

keyed as (

    select
        treatments.*,
        count(*) over (partition by treatments.treatment_id) as copies_of_key,
        accepted_patients.patient_id is not null as is_known_patient,
        accepted_patients.birth_date as patient_birth_date
    from treatments
    left join accepted_patients
        on treatments.patient_id = accepted_patients.patient_id

),

checked as (

    select
        * exclude (copies_of_key, is_known_patient, patient_birth_date),
        end_date is null or end_date > extraction_date as is_ongoing,
        case
            when end_date is null or end_date > extraction_date then extraction_date else end_date
        end as effective_end_date,
        coalesce(
            invalid_reason,
            nullif(concat_ws(
                '; ',
                {{ implausible_number('dose_mg', '<=', 0) }},
                {{ implausible_number('dose_mg', '>', var('max_dose_mg'), 'max_dose_mg') }},
                {{ implausible_number('dosing_interval_h', '<=', 0) }},
                {{ implausible_date('start_date', '>', 'extraction_date', 'the extraction date') }},
                {{ implausible_if_before_min_date('start_date') }},
                {{ implausible_date('start_date', '<', 'patient_birth_date', "the patient's birth date", show_bound=false) }},
                {{ implausible_if_before_min_date('end_date') }},
                {{ implausible_date('end_date', '<', 'start_date', 'start_date') }}
            ), ''),
            case when copies_of_key > 1 then 'duplicate key: treatment_id repeated in the file' end,
            case when not is_known_patient then 'unknown patient: patient_id not among the accepted patients' end
        ) as quarantine_reason
    from keyed

)

select * from checked
