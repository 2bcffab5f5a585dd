with

source as (

    {{ faers_rows('faers_deleted_cases') }}

),

renamed as (

    select
        -- a header line, if the file has one, is not a case id and reads as NULL
        {{ parse_faers_id('caseid') }} as caseid,

        -- provenance
        quarter_start,
        _source_file as source_file,
        _row_number as source_row_number

    from source

)

select * from renamed
