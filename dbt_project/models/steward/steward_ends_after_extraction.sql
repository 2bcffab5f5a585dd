-- Accepted exposure periods whose written end date is after the extraction date (the medical software
-- writes 31/12/2099 or 31/12/9999 for "no planned end"): not quarantined, ongoing at extraction and ending
-- there for the rules, never a literal decades-long course. Listed so the steward can check the end date in
-- the medical software.

with

treatments as (

    select * from {{ ref('int_hospital_treatments_checked') }}
    where quarantine_reason is null

),

ends_after_extraction as (

    select
        source_file,
        source_row_number,
        treatment_id,
        patient_id,
        atc_code,
        end_date as written_end_date,
        extraction_date
    from treatments
    where is_ongoing and end_date is not null

)

select * from ends_after_extraction
order by source_file, source_row_number
