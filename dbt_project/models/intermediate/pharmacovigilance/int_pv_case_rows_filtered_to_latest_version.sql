-- Rows of each case's latest version: the highest case_version, ties broken by the latest
-- version_receipt_date. Earlier versions stay in raw only.

with

accepted as (

    select * from {{ ref('int_pv_case_rows_checked') }}
    where quarantine_reason is null

),

ranked as (

    select
        *,
        dense_rank() over (
            partition by case_id
            order by case_version desc, version_receipt_date desc
        ) as version_rank
    from accepted

),

latest as (

    select * exclude (version_rank)
    from ranked
    where version_rank = 1

)

select * from latest
