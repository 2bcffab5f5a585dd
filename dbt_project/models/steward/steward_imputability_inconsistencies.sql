-- Rows of the latest national case versions whose intrinsic imputability does not follow from their
-- chronological and semiological scores by the 1985 table, for the steward to raise with the regional centre.

with

rows_checked as (

    select * from {{ ref('int_pv_case_rows_imputability_checked') }}

),

inconsistent as (

    select
        case_id,
        case_version,
        reaction_pt,
        chrono_score,
        semio_score,
        intrinsic_score,
        expected_intrinsic_score,
        source_file,
        source_row_number
    from rows_checked
    where is_imputability_inconsistent

)

select * from inconsistent
order by case_id, source_row_number
