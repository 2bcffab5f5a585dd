with

source as (

    {{ faers_rows('faers_outc') }}

),

renamed as (

    select
        -- keys
        {{ parse_faers_id('primaryid') }} as primaryid,
        {{ parse_faers_id('caseid') }} as caseid,

        -- DE death, LT life-threatening, HO hospitalisation, DS disability, CA congenital anomaly,
        -- RI required intervention, OT other serious
        upper({{ blank_to_null('outc_cod') }}) as outc_cod,

        -- provenance
        quarter_start,
        _source_file as source_file,
        _row_number as source_row_number

    from source

)

select * from renamed
