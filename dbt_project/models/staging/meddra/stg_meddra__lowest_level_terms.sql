with

source as (

    {{ meddra_rows('meddra_llt') }}

),

renamed as (

    select
        -- keys
        language,
        {{ parse_meddra_code('llt_code') }} as llt_code,
        {{ parse_meddra_code('pt_code') }} as pt_code,

        -- the term
        {{ blank_to_null('llt_name') }} as llt_name,
        -- non-current terms (N) still map to their PT: older reports use them
        coalesce(upper({{ blank_to_null('llt_currency') }}) = 'Y', false) as is_current,

        -- the release and provenance
        meddra_version,
        _source_file as source_file,
        _row_number as source_row_number

    from source

)

select * from renamed
