-- Patients of the newest extract with the reason each is held back, if any: the staging checks, an
-- implausible birth date (after the extraction date, or before min_plausible_date; its value stays out of
-- the reason, a birth date being a direct identifier), then an IPP repeated in the file (every copy is held
-- back; none is silently picked).

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
            nullif(concat_ws(
                '; ',
                {{ implausible_date('birth_date', '>', 'extraction_date', 'the extraction date', show_value=false) }},
                {{ implausible_if_before_min_date('birth_date', show_value=false) }}
            ), ''),
            case when copies_of_key > 1 then 'duplicate key: patient_id repeated in the file' end
        ) as quarantine_reason
    from keyed

)

select * from checked
