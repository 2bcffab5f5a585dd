-- Adverse events of the newest extract with the reason each is held back, if any: the staging checks,
-- an implausible onset (after the extraction date, before the patient's birth date or before
-- min_plausible_date), an event_id repeated in the file, a patient or treatment the accepted rows do not
-- hold, a treatment of another patient, or an onset before the start of the course its treatment belongs to.

with

events as (

    select * from {{ ref('stg_hospital__adverse_events') }}

),

accepted_patients as (

    select
        patient_id,
        birth_date
    from {{ ref('int_hospital_patients_checked') }}
    where quarantine_reason is null

),

accepted_treatments as (

    select
        treatment_id,
        patient_id,
        start_date
    from {{ ref('int_hospital_treatments_checked') }}
    where quarantine_reason is null

),

course_starts as (

    select
        unnest(treatment_ids) as treatment_id,
        start_date as course_start_date
    from {{ ref('int_treatment_courses_built') }}

),

keyed as (

    select
        events.*,
        count(*) over (partition by events.event_id) as copies_of_key,
        accepted_patients.patient_id is not null as is_known_patient,
        accepted_patients.birth_date as patient_birth_date,
        accepted_treatments.treatment_id is not null as is_known_treatment,
        accepted_treatments.patient_id as treatment_patient_id,
        coalesce(course_starts.course_start_date, accepted_treatments.start_date) as attributed_start_date
    from events
    left join accepted_patients
        on events.patient_id = accepted_patients.patient_id
    left join accepted_treatments
        on events.treatment_id = accepted_treatments.treatment_id
    left join course_starts
        on events.treatment_id = course_starts.treatment_id

),

checked as (

    select
        * exclude (
            copies_of_key,
            is_known_patient,
            patient_birth_date,
            is_known_treatment,
            treatment_patient_id,
            attributed_start_date
        ),
        coalesce(
            invalid_reason,
            nullif(concat_ws(
                '; ',
                {{ implausible_date('onset_date', '>', 'extraction_date', 'the extraction date') }},
                {{ implausible_if_before_min_date('onset_date') }},
                {{ implausible_date('onset_date', '<', 'patient_birth_date', "the patient's birth date", show_bound=false) }}
            ), ''),
            case when copies_of_key > 1 then 'duplicate key: event_id repeated in the file' end,
            case when not is_known_patient then 'unknown patient: patient_id not among the accepted patients' end,
            case
                when treatment_id is not null and not is_known_treatment
                    then 'unknown treatment: treatment_id not among the accepted treatments'
            end,
            case
                when treatment_id is not null and treatment_patient_id <> patient_id
                    then 'treatment of another patient: treatment_id belongs to a different patient_id'
            end,
            case
                when onset_date < attributed_start_date
                    then 'onset before the start of the attributed treatment'
            end
        ) as quarantine_reason
    from keyed

)

select * from checked
