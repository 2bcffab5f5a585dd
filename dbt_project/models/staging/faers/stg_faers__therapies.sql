with

source as (

    {{ faers_rows('faers_ther') }}

),

renamed as (

    select
        -- keys: the drug is (primaryid, drug_seq)
        {{ parse_faers_id('primaryid') }} as primaryid,
        {{ parse_faers_id('caseid') }} as caseid,
        {{ parse_integer('dsg_drug_seq') }} as drug_seq,

        -- therapy dates, each with the precision it was given in
        {{ parse_faers_date('start_dt') }} as start_dt,
        {{ faers_date_precision('start_dt') }} as start_dt_precision,
        {{ parse_faers_date('end_dt') }} as end_dt,
        {{ faers_date_precision('end_dt') }} as end_dt_precision,
        try_cast({{ blank_to_null('dur') }} as double) as duration,
        upper({{ blank_to_null('dur_cod') }}) as duration_unit,

        -- provenance
        quarter_start,
        _source_file as source_file,
        _row_number as source_row_number

    from source

)

select * from renamed
