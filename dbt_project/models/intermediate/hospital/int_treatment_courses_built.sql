-- Courses: a patient's exposure periods merged while the next one starts at most `course_gap_days`
-- after the latest end so far. An ongoing period ends at the extraction date.

with

periods as (

    select * from {{ ref('int_exposure_periods_filtered_to_target_drug') }}

),

ordered as (

    select
        *,
        max(effective_end_date) over (
            partition by patient_id
            order by start_date, treatment_id
            rows between unbounded preceding and 1 preceding
        ) as latest_previous_end
    from periods

),

flagged as (

    select
        *,
        case
            when latest_previous_end is null then 1
            when start_date - latest_previous_end > {{ var("course_gap_days") }} then 1
            else 0
        end as starts_new_course
    from ordered

),

numbered as (

    select
        *,
        sum(starts_new_course) over (
            partition by patient_id
            order by start_date, treatment_id
            rows between unbounded preceding and current row
        ) as course_number
    from flagged

),

courses as (

    select
        patient_id,
        cast(course_number as integer) as course_number,
        patient_id || '-' || cast(course_number as integer) as course_id,
        min(start_date) as start_date,
        max(effective_end_date) as end_date,
        bool_or(is_ongoing) as is_ongoing,
        max(effective_end_date) - min(start_date) + 1 as duration_days,
        arg_min(dose_mg, start_date) as dose_mg,
        arg_min(indication_label, start_date) as indication_label,
        count(*) as n_exposure_periods,
        list(treatment_id order by start_date) as treatment_ids,
        any_value(extraction_date) as extraction_date
    from numbered
    group by patient_id, course_number

)

select * from courses
