-- One row per course of the drug under study, with its inclusion decision.

with

courses as (

    select * from {{ ref('int_treatment_courses_mapped') }}

),

patients as (

    select
        patient_id,
        birth_date
    from {{ ref('int_patients_summarised') }}

),

final as (

    select
        pv_record_key('course', courses.course_id) as course_key,
        pv_patient_key(courses.patient_id) as patient_key,
        courses.course_number,
        courses.indication_group,
        courses.start_date,
        courses.end_date,
        courses.is_ongoing,
        courses.duration_days,
        courses.dose_mg,
        courses.n_exposure_periods,
        date_diff('year', patients.birth_date, courses.start_date)
        - case
            when strftime(courses.start_date, '%m-%d') < strftime(patients.birth_date, '%m-%d') then 1 else 0
        end as age_at_start_years,
        courses.is_stopped_for_cutaneous_reaction,
        courses.is_included,
        courses.exclusion_reason
    from courses
    left join patients
        on courses.patient_id = patients.patient_id

)

select * from final
