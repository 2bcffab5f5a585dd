with

source as (

    {{ meddra_rows('meddra_smq_list') }}

),

renamed as (

    select
        -- keys
        language,
        {{ parse_meddra_code('smq_code') }} as smq_code,

        -- the query
        {{ blank_to_null('smq_name') }} as smq_name,
        {{ parse_integer('smq_level') }} as smq_level,
        -- A active, I inactive
        upper({{ blank_to_null('status') }}) as smq_status,
        -- N for a plain list of terms; algorithmic SMQs are read as their lists too
        upper({{ blank_to_null('smq_algorithm') }}) as smq_algorithm,

        -- the release and provenance
        meddra_version,
        _source_file as source_file,
        _row_number as source_row_number

    from source

)

select * from renamed
