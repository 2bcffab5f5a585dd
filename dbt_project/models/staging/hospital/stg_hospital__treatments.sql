with

source as (

    {{ newest_snapshot('hospital', 'hospital_treatments') }}

),

renamed as (

    select
        -- keys: hospital identifiers, normalised as every key and join compares them
        {{ normalise_hospital_id('treatment_id') }} as treatment_id,
        {{ normalise_hospital_id('patient_id') }} as patient_id,

        -- drug
        {{ blank_to_null('drug_label') }} as drug_label,
        upper({{ blank_to_null('atc_code') }}) as atc_code,
        {{ parse_fr_decimal('dose_mg') }} as dose_mg,
        {{ parse_integer('dosing_interval_h') }} as dosing_interval_h,
        upper({{ blank_to_null('route') }}) as route,

        -- exposure period; an empty end date means ongoing at extraction (int_hospital_treatments_checked)
        {{ parse_fr_date('start_date') }} as start_date,
        {{ parse_fr_date('end_date') }} as end_date,

        -- free text typed by the prescriber
        {{ blank_to_null('indication') }} as indication_label,
        {{ blank_to_null('stop_reason') }} as stop_reason,

        -- what makes the row unusable, if anything
        nullif(concat_ws(
            '; ',
            {{ problem_if_missing('treatment_id') }},
            {{ problem_if_missing('patient_id') }},
            {{ problem_if_missing('atc_code') }},
            case
                when not regexp_full_match(upper({{ blank_to_null('atc_code') }}), '[A-Z][0-9]{2}[A-Z]{2}[0-9]{2}')
                    then 'unknown code in atc_code'
            end,
            {{ problem_if_missing('start_date') }},
            {{ problem_if_unreadable('start_date', parse_fr_date('start_date'), 'unparseable date') }},
            {{ problem_if_unreadable('end_date', parse_fr_date('end_date'), 'unparseable date') }},
            {{ problem_if_unreadable('dose_mg', parse_fr_decimal('dose_mg'), 'unparseable number') }},
            {{ problem_if_unreadable('dosing_interval_h', parse_integer('dosing_interval_h'), 'unparseable number') }}
        ), '') as invalid_reason,

        -- provenance
        snapshot_date as extraction_date,
        _source_file as source_file,
        _sha256 as source_sha256,
        _row_number as source_row_number

    from source

)

select * from renamed
