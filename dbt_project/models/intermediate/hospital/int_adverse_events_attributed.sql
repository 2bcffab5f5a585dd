-- Each accepted event with the anakinra course it belongs to: the course holding its treatment_id when
-- one is given, otherwise the patient's course with start <= onset <= end + `post_exposure_days` (the
-- latest such course when two qualify). An event no course claims keeps a NULL course and a reason.

with

events as (

    select * from {{ ref('int_hospital_adverse_events_checked') }}
    where quarantine_reason is null

),

courses as (

    select * from {{ ref('int_treatment_courses_built') }}

),

course_of_treatment as (

    select
        unnest(treatment_ids) as treatment_id,
        course_id
    from courses

),

by_date as (

    select
        events.event_id,
        arg_max(courses.course_id, courses.start_date) as course_id
    from events
    inner join courses
        on
            events.patient_id = courses.patient_id
            and events.onset_date between courses.start_date
            and courses.end_date + {{ var("post_exposure_days") }}
    where events.treatment_id is null
    group by events.event_id

),

attributed as (

    select
        events.*,
        coalesce(course_of_treatment.course_id, by_date.course_id) as course_id,
        case
            when course_of_treatment.course_id is not null then 'treatment_id'
            when by_date.course_id is not null then 'onset_date'
        end as attribution_method,
        case
            when events.treatment_id is not null and course_of_treatment.course_id is null
                then 'attributed by the clinician to a treatment that is not the drug under study'
            when events.treatment_id is null and by_date.course_id is null
                then 'no course of the drug under study runs at onset or within the post-exposure days'
        end as unclaimed_reason
    from events
    left join course_of_treatment
        on events.treatment_id = course_of_treatment.treatment_id
    left join by_date
        on events.event_id = by_date.event_id

)

select * from attributed
