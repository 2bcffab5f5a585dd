with

source as (

    {{ meddra_rows('meddra_smq_content') }}

),

renamed as (

    select
        -- keys
        language,
        {{ parse_meddra_code('smq_code') }} as smq_code,
        {{ parse_meddra_code('term_code') }} as term_code,

        -- the term: level 4 a PT, 5 an LLT, 0 a sub-SMQ; scope 1 broad, 2 narrow (0 on a sub-SMQ row)
        {{ parse_integer('term_level') }} as term_level,
        {{ parse_integer('term_scope') }} as term_scope,
        -- A active, I inactive
        upper({{ blank_to_null('term_status') }}) as term_status,

        -- the release and provenance
        meddra_version,
        _source_file as source_file,
        _row_number as source_row_number

    from source

)

select * from renamed
