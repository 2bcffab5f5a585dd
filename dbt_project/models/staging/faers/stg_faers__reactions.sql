with

source as (

    {{ faers_rows('faers_reac') }}

),

renamed as (

    select
        -- keys
        {{ parse_faers_id('primaryid') }} as primaryid,
        {{ parse_faers_id('caseid') }} as caseid,

        -- the reaction: a MedDRA preferred term, as published
        {{ blank_to_null('pt') }} as pt,
        upper({{ blank_to_null('drug_rec_act') }}) as drug_rec_act,

        -- provenance
        quarter_start,
        _source_file as source_file,
        _row_number as source_row_number

    from source

)

select * from renamed
