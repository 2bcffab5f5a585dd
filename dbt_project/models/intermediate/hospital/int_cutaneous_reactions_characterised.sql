-- Events attributed to an anakinra course, with the study's characteristics: latency from the course
-- start, recall syndrome (a simultaneous flare of all injection sites), withdrawal without rechallenge,
-- the Naranjo score and the reaction category from the mapping seed (`unmapped` when the label is new).

with

events as (

    select * from {{ ref('int_adverse_events_attributed') }}
    where course_id is not null

),

courses as (

    select * from {{ ref('int_treatment_courses_classified') }}

),

naranjo as (

    select * from {{ ref('int_adverse_events_naranjo_scored') }}

),

categories as (

    select
        {{ label_key('reaction_label') }} as label_key,
        reaction_category
    from {{ ref('reaction_categories') }}

),

characterised as (

    select
        events.event_id,
        events.patient_id,
        events.course_id,
        courses.is_included as is_course_included,
        events.attribution_method,
        events.onset_date,
        events.onset_date - courses.start_date as latency_days,
        events.reaction_label,
        coalesce(categories.reaction_category, 'unmapped') as reaction_category,
        events.localisation,
        events.localisation = 'all_injection_sites' as is_recall_syndrome,
        events.severity,
        events.has_pruritus,
        events.has_pain,
        naranjo.naranjo_score,
        naranjo.naranjo_category,
        naranjo.naranjo_score_source,
        naranjo.has_naranjo_disagreement,
        events.outcome,
        events.action_taken,
        events.rechallenge,
        coalesce(events.action_taken = 'withdrawn' and coalesce(events.rechallenge, 'not_done') = 'not_done', false)
            as is_withdrawn_without_rechallenge,
        events.is_biopsy_done
    from events
    inner join courses
        on events.course_id = courses.course_id
    left join naranjo
        on events.event_id = naranjo.event_id
    left join categories
        on {{ label_key('events.reaction_label') }} = categories.label_key

)

select * from characterised
