-- Accepted adverse events that no course of the drug under study claims: kept, not counted, listed.

with

unclaimed as (

    select
        event_id,
        patient_id,
        treatment_id,
        onset_date,
        unclaimed_reason,
        source_file,
        source_row_number
    from {{ ref('int_adverse_events_attributed') }}
    where course_id is null

)

select * from unclaimed
