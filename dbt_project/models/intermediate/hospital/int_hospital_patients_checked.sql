-- Patients of the newest extract with the reason each is held back, if any: the staging checks, then
-- an IPP repeated in the file (every copy is held back; none is silently picked).

with

patients as (

    select * from {{ ref('stg_hospital__patients') }}

),

keyed as (

    select
        *,
        count(*) over (partition by patient_id) as copies_of_key
    from patients

),

checked as (

    select
        * exclude (copies_of_key),
        coalesce(
            invalid_reason,
            case when copies_of_key > 1 then 'duplicate key: patient_id repeated in the file' end
        ) as quarantine_reason
    from keyed

)

select * from checked
