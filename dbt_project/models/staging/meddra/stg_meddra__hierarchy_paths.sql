with

source as (

    {{ meddra_rows('meddra_mdhier') }}

),

renamed as (

    select
        -- keys: one PT-HLT-HLGT-SOC path
        language,
        {{ parse_meddra_code('pt_code') }} as pt_code,
        {{ parse_meddra_code('hlt_code') }} as hlt_code,
        {{ parse_meddra_code('hlgt_code') }} as hlgt_code,
        {{ parse_meddra_code('soc_code') }} as soc_code,

        -- the names along the path
        {{ blank_to_null('pt_name') }} as pt_name,
        {{ blank_to_null('hlt_name') }} as hlt_name,
        {{ blank_to_null('hlgt_name') }} as hlgt_name,
        {{ blank_to_null('soc_name') }} as soc_name,
        {{ blank_to_null('soc_abbrev') }} as soc_abbrev,

        -- exactly one path of a PT is primary (Y)
        coalesce(upper({{ blank_to_null('primary_soc_fg') }}) = 'Y', false) as is_primary,

        -- the release and provenance
        meddra_version,
        _source_file as source_file,
        _row_number as source_row_number

    from source

)

select * from renamed
