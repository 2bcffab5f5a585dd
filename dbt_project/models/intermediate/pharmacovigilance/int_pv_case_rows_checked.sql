-- Every row of the newest export with the reason it cannot be used, if any: the staging checks, then
-- a key repeated inside one file (every copy is held back; none is silently picked).

with

case_rows as (

    select * from {{ ref('stg_pharmacovigilance__pv_cases') }}

),

keyed as (

    select
        *,
        count(*) over (
            partition by source_sha256, case_id, case_version, version_receipt_date, reaction_llt
        ) as copies_of_key
    from case_rows

),

checked as (

    select
        * exclude (copies_of_key),
        coalesce(
            invalid_reason,
            case
                when copies_of_key > 1
                    then 'duplicate key: case_id, case_version, version_receipt_date and reaction_llt repeated in the file'
            end
        ) as quarantine_reason
    from keyed

)

select * from checked
