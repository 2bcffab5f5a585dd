with

source as (

    {{ faers_rows('faers_indi') }}

),

renamed as (

    select
        -- keys: the drug is (primaryid, drug_seq)
        {{ parse_faers_id('primaryid') }} as primaryid,
        {{ parse_faers_id('caseid') }} as caseid,
        {{ parse_integer('indi_drug_seq') }} as drug_seq,

        -- the indication: a MedDRA preferred term
        {{ blank_to_null('indi_pt') }} as indication_pt,

        -- provenance
        quarter_start,
        _source_file as source_file,
        _row_number as source_row_number

    from source

)

select * from renamed
