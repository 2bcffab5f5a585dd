-- Accepted patients with what the study needs of them: birth year, whether they had a course of the
-- drug under study, whether one was included, and the latency of their first cohort reaction.

with

patients as (

    select * from {{ ref('int_hospital_patients_checked') }}
    where quarantine_reason is null

),

courses as (

    select
        patient_id,
        count(*) as n_courses,
        bool_or(is_included) as is_included
    from {{ ref('int_treatment_courses_classified') }}
    group by patient_id

),

reactions as (

    select
        patient_id,
        count(*) as n_cohort_reactions,
        arg_min(latency_days, onset_date) as first_reaction_latency_days,
        bool_or(is_recall_syndrome) as has_recall_syndrome,
        bool_or(is_withdrawn_without_rechallenge) as has_withdrawal_without_rechallenge
    from {{ ref('int_cutaneous_reactions_characterised') }}
    where is_course_included
    group by patient_id

),

summarised as (

    select
        patients.patient_id,
        patients.sex,
        year(patients.birth_date) as birth_year,
        patients.birth_date,
        coalesce(courses.n_courses, 0) as n_courses,
        courses.patient_id is not null as is_target_drug_patient,
        coalesce(courses.is_included, false) as is_included,
        coalesce(reactions.n_cohort_reactions, 0) as n_cohort_reactions,
        reactions.first_reaction_latency_days,
        coalesce(reactions.has_recall_syndrome, false) as has_recall_syndrome,
        coalesce(reactions.has_withdrawal_without_rechallenge, false) as has_withdrawal_without_rechallenge
    from patients
    left join courses
        on patients.patient_id = courses.patient_id
    left join reactions
        on patients.patient_id = reactions.patient_id

)

select * from summarised
