with

source as (

    {{ meddra_rows('meddra_pt') }}

),

renamed as (

    select
        -- keys
        language,
        {{ parse_meddra_code('pt_code') }} as pt_code,
        {{ parse_meddra_code('pt_soc_code') }} as primary_soc_code,

        -- the term
        {{ blank_to_null('pt_name') }} as pt_name,

        -- the release and provenance
        meddra_version,
        _source_file as source_file,
        _row_number as source_row_number

    from source

)

select * from renamed
