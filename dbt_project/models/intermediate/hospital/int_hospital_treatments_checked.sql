-- Exposure periods of the newest extract with the reason each is held back, if any: the staging
-- checks, a treatment_id repeated in the file, or a patient the accepted patients do not hold.

with

treatments as (

    select * from {{ ref('stg_hospital__treatments') }}

),

accepted_patients as (

    select patient_id from {{ ref('int_hospital_patients_checked') }}
    where quarantine_reason is null

),

keyed as (

    select
        treatments.*,
        count(*) over (partition by treatments.treatment_id) as copies_of_key,
        accepted_patients.patient_id is not null as is_known_patient
    from treatments
    left join accepted_patients
        on treatments.patient_id = accepted_patients.patient_id

),

checked as (

    select
        * exclude (copies_of_key, is_known_patient),
        coalesce(
            invalid_reason,
            case when copies_of_key > 1 then 'duplicate key: treatment_id repeated in the file' end,
            case when not is_known_patient then 'unknown patient: patient_id not among the accepted patients' end
        ) as quarantine_reason
    from keyed

)

select * from checked
