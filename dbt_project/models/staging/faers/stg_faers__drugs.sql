with

source as (

    {{ faers_rows('faers_drug') }}

),

renamed as (

    select
        -- keys
        {{ parse_faers_id('primaryid') }} as primaryid,
        {{ parse_faers_id('caseid') }} as caseid,
        {{ parse_integer('drug_seq') }} as drug_seq,

        -- the drug as reported
        upper({{ blank_to_null('role_cod') }}) as role_cod,
        {{ blank_to_null('drugname') }} as drugname,
        {{ blank_to_null('prod_ai') }} as prod_ai,
        -- both as matched and counted: upper case, spaces collapsed (a combination's prod_ai keeps its `\`)
        {{ faers_drug_key('drugname') }} as drug_name_key,
        {{ faers_drug_key('prod_ai') }} as prod_ai_key,
        {{ blank_to_null('route') }} as route,
        {{ blank_to_null('dose_vbm') }} as dose_vbm,
        {{ blank_to_null('dose_amt') }} as dose_amt,
        {{ blank_to_null('dose_unit') }} as dose_unit,
        {{ blank_to_null('dose_form') }} as dose_form,
        {{ blank_to_null('dose_freq') }} as dose_freq,
        {{ blank_to_null('nda_num') }} as nda_num,

        -- dechallenge and rechallenge: Y, N, U (unknown), D (does not apply)
        upper({{ blank_to_null('dechal') }}) as dechal,
        upper({{ blank_to_null('rechal') }}) as rechal,

        -- provenance
        quarter_start,
        _source_file as source_file,
        _row_number as source_row_number

    from source

)

select * from renamed
