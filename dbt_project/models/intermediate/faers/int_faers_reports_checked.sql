-- Every FAERS report row with the reason it cannot be used, if any: the staging checks, then a primaryid
-- repeated inside one file (every copy is held back; none is silently picked).

with

reports as (

    select * from {{ ref('stg_faers__reports') }}

),

keyed as (

    select
        *,
        count(*) over (partition by source_sha256, primaryid) as copies_of_key
    from reports

),

checked as (

    select
        * exclude (copies_of_key),
        coalesce(
            invalid_reason,
            case when copies_of_key > 1 then 'duplicate key: primaryid repeated in the file' end
        ) as quarantine_reason
    from keyed

)

select * from checked
