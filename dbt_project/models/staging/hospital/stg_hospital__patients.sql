{%- set codes = var('landing_codes') -%}

with

source as (

    {{ newest_snapshot('hospital', 'hospital_patients') }}

),

renamed as (

    select
        -- keys: hospital identifiers, normalised as every key and join compares them
        {{ normalise_hospital_id('patient_id') }} as patient_id,

        -- direct identifiers: used for the patient key only, never published
        {{ blank_to_null('last_name') }} as last_name,
        {{ blank_to_null('first_name') }} as first_name,
        {{ blank_to_null('nir') }} as nir,
        {{ parse_fr_date('birth_date') }} as birth_date,

        -- attributes
        upper({{ blank_to_null('sex') }}) as sex,

        -- what makes the row unusable, if anything
        nullif(concat_ws(
            '; ',
            {{ problem_if_missing('patient_id') }},
            {{ problem_if_unreadable('birth_date', parse_fr_date('birth_date'), 'unparseable date') }},
            {{ problem_if_unknown_code('sex', codes.sex, upper=true) }}
        ), '') as invalid_reason,

        -- provenance
        snapshot_date as extraction_date,
        _source_file as source_file,
        _sha256 as source_sha256,
        _row_number as source_row_number

    from source

)

select * from renamed
