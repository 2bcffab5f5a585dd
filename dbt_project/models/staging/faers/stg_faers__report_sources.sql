with

source as (

    {{ faers_rows('faers_rpsr') }}

),

renamed as (

    select
        -- keys
        {{ parse_faers_id('primaryid') }} as primaryid,
        {{ parse_faers_id('caseid') }} as caseid,

        -- who sent the report (FGN foreign, SDY study, LIT literature, CSM consumer, HP health professional...)
        upper({{ blank_to_null('rpsr_cod') }}) as rpsr_cod,

        -- provenance
        quarter_start,
        _source_file as source_file,
        _row_number as source_row_number

    from source

)

select * from renamed
