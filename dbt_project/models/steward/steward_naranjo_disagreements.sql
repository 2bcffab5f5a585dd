-- Adverse events whose Naranjo total written in the file differs from the score of its answered items:
-- the mart keeps the items' score; the steward checks the questionnaire in the medical software.

with

events as (

    select * from {{ ref('int_hospital_adverse_events_checked') }}
    where quarantine_reason is null

),

scored as (

    select * from {{ ref('int_adverse_events_naranjo_scored') }}

),

disagreements as (

    select
        events.event_id,
        events.patient_id,
        events.onset_date,
        scored.n_naranjo_items_answered,
        scored.naranjo_score_from_items,
        scored.naranjo_score_written,
        events.source_file,
        events.source_row_number
    from scored
    inner join events
        on scored.event_id = events.event_id
    where scored.has_naranjo_disagreement

)

select * from disagreements
order by source_row_number
