-- Inclusion of each course, rules checked in order, the first failing one giving the exclusion reason:
-- outside_study_window (start before `study_start` or after `study_end`), then short_course
-- (duration below `min_course_days`). A course stopped for a cutaneous reaction (an attributed event
-- with action_taken = withdrawn) is never a short course.

with

courses as (

    select * from {{ ref('int_treatment_courses_built') }}

),

withdrawals as (

    select
        course_id,
        bool_or(action_taken = 'withdrawn') as is_stopped_for_cutaneous_reaction
    from {{ ref('int_adverse_events_attributed') }}
    where course_id is not null
    group by course_id

),

classified as (

    select
        courses.*,
        coalesce(withdrawals.is_stopped_for_cutaneous_reaction, false) as is_stopped_for_cutaneous_reaction,
        case
            when
                courses.start_date < cast('{{ var("study_start") }}' as date)
                or courses.start_date > cast('{{ var("study_end") }}' as date)
                then 'outside_study_window'
            when
                courses.duration_days < {{ var("min_course_days") }}
                and not coalesce(withdrawals.is_stopped_for_cutaneous_reaction, false)
                then 'short_course'
        end as exclusion_reason
    from courses
    left join withdrawals
        on courses.course_id = withdrawals.course_id

),

final as (

    select
        *,
        exclusion_reason is null as is_included
    from classified

)

select * from final
