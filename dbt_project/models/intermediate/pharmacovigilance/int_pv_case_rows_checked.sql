-- Every row of the newest export with the reason it cannot be used, if any: the staging checks, an
-- implausible value, then a key repeated inside one file (every copy is held back; none is silently
-- picked). Implausible: a receipt date after the export date, a version received before the case's initial
-- receipt, a date before min_plausible_date, patient_age_years below 0 or above max_age_years, a
-- case_version below 1.

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
            nullif(concat_ws(
                '; ',
                {{ implausible_number('case_version', '<', 1) }},
                {{ implausible_date('initial_receipt_date', '>', 'export_date', 'the export date') }},
                {{ implausible_date('version_receipt_date', '>', 'export_date', 'the export date') }},
                {{ implausible_date('version_receipt_date', '<', 'initial_receipt_date', 'initial_receipt_date') }},
                {%- for date_column in [
                    'initial_receipt_date',
                    'version_receipt_date',
                    'drug_start_date',
                    'drug_stop_date',
                    'reaction_onset_date',
                ] %}
                    {{ implausible_if_before_min_date(date_column) }},
                {%- endfor %}
                {{ implausible_number('patient_age_years', '<', 0) }},
                {{ implausible_number('patient_age_years', '>', var('max_age_years'), 'max_age_years') }}
            ), ''),
            case
                when copies_of_key > 1
                    then 'duplicate key: case_id, case_version, version_receipt_date and reaction_llt repeated in the file'
            end
        ) as quarantine_reason
    from keyed

)

select * from checked
