-- The inclusion flow: all patients with a course of the drug under study, the patients each exclusion
-- removes (those with no course left after it), and the included patients. Courses likewise.

with

courses as (

    select * from {{ ref('int_treatment_courses_classified') }}

),

per_patient as (

    select
        patient_id,
        count(*) as n_courses,
        count(*) filter (where exclusion_reason = 'outside_study_window') as n_outside_window,
        count(*) filter (where exclusion_reason = 'short_course') as n_short,
        bool_or(exclusion_reason is distinct from 'outside_study_window') as has_course_in_window,
        bool_or(is_included) as is_included
    from courses
    group by patient_id

),

steps as (

    select
        1 as step_order,
        'all_target_drug_patients' as step,
        'population' as step_kind,
        count(*) as n_patients,
        sum(n_courses) as n_courses
    from per_patient
    union all
    select
        2,
        'excluded_outside_study_window',
        'exclusion',
        count(*) filter (where not has_course_in_window),
        sum(n_outside_window)
    from per_patient
    union all
    select
        3,
        'excluded_short_course',
        'exclusion',
        count(*) filter (where has_course_in_window and not is_included),
        sum(n_short)
    from per_patient
    union all
    select
        4,
        'included',
        'population',
        count(*) filter (where is_included),
        sum(n_courses - n_outside_window - n_short)
    from per_patient

),

final as (

    select
        step_order,
        step,
        step_kind,
        cast(n_patients as bigint) as n_patients,
        cast(n_courses as bigint) as n_courses
    from steps

)

select * from final
