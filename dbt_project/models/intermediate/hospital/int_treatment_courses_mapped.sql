-- Courses with the indication group of their first exposure period's label (`unmapped` when the
-- mapping seed does not know the label).

with

courses as (

    select * from {{ ref('int_treatment_courses_classified') }}

),

groups as (

    select
        {{ label_key('indication_label') }} as label_key,
        indication_group
    from {{ ref('indication_groups') }}

),

mapped as (

    select
        courses.*,
        coalesce(groups.indication_group, 'unmapped') as indication_group
    from courses
    left join groups
        on {{ label_key('courses.indication_label') }} = groups.label_key

)

select * from mapped
