-- Rows of the latest national case versions whose intrinsic imputability does not follow from their
-- chronological and semiological scores by the 1985 table, for the steward to raise with the regional centre.

with

latest_rows as (

    select * from {{ ref('int_pv_case_rows_filtered_to_latest_version') }}

),

imputability as (

    select * from {{ ref('imputability_1985') }}

),

inconsistent as (

    select
        latest_rows.case_id,
        latest_rows.case_version,
        latest_rows.reaction_pt,
        latest_rows.chrono_score,
        latest_rows.semio_score,
        latest_rows.intrinsic_score,
        imputability.intrinsic_score as expected_intrinsic_score,
        latest_rows.source_file,
        latest_rows.source_row_number
    from latest_rows
    inner join imputability
        on
            latest_rows.chrono_score = imputability.chrono_score
            and latest_rows.semio_score = imputability.semio_score
    where latest_rows.intrinsic_score <> imputability.intrinsic_score

)

select * from inconsistent
order by case_id, source_row_number
