-- Rows of each case's latest version with the intrinsic imputability the 1985 French method gives for
-- their chronological and semiological scores, and whether the exported one disagrees (the data steward
-- raises it with the regional centre). Rows with no scores disagree with nothing.

with

latest_rows as (

    select * from {{ ref('int_pv_case_rows_filtered_to_latest_version') }}

),

imputability as (

    select * from {{ ref('imputability_1985') }}

),

rows_checked as (

    select
        latest_rows.*,
        imputability.intrinsic_score as expected_intrinsic_score,
        coalesce(
            latest_rows.intrinsic_score <> imputability.intrinsic_score, false
        ) as is_imputability_inconsistent
    from latest_rows
    left join imputability
        on
            latest_rows.chrono_score = imputability.chrono_score
            and latest_rows.semio_score = imputability.semio_score

)

select * from rows_checked
