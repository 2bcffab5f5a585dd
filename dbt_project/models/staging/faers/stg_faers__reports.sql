with

source as (

    {{ faers_rows('faers_demo') }}

),

renamed as (

    select
        -- keys
        {{ parse_faers_id('primaryid') }} as primaryid,
        {{ parse_faers_id('caseid') }} as caseid,
        cast({{ parse_integer('caseversion') }} as integer) as caseversion,

        -- the report
        {{ faers_quarter('quarter_start') }} as quarter,  -- noqa: RF04
        upper({{ blank_to_null('i_f_code') }}) as i_f_code,
        upper({{ blank_to_null('rept_cod') }}) as rept_cod,
        upper({{ blank_to_null('occp_cod') }}) as occp_cod,
        upper({{ blank_to_null('reporter_country') }}) as reporter_country,
        upper({{ blank_to_null('occr_country') }}) as occr_country,
        upper({{ blank_to_null('e_sub') }}) as e_sub,
        upper({{ blank_to_null('to_mfr') }}) as to_mfr,

        -- dates, each with the precision it was given in
        {{ parse_faers_date('fda_dt') }} as fda_dt,
        {{ parse_faers_date('init_fda_dt') }} as init_fda_dt,
        {{ parse_faers_date('event_dt') }} as event_dt,
        {{ faers_date_precision('event_dt') }} as event_dt_precision,
        {{ parse_faers_date('mfr_dt') }} as mfr_dt,
        {{ faers_date_precision('mfr_dt') }} as mfr_dt_precision,
        {{ parse_faers_date('rept_dt') }} as rept_dt,
        {{ faers_date_precision('rept_dt') }} as rept_dt_precision,

        -- patient (sex was gndr_cod before 2014Q3)
        try_cast({{ blank_to_null('age') }} as double) as age,
        upper({{ blank_to_null('age_cod') }}) as age_cod,
        upper({{ blank_to_null('age_grp') }}) as age_grp,
        upper(coalesce({{ blank_to_null('sex') }}, {{ blank_to_null('gndr_cod') }})) as sex,
        try_cast({{ blank_to_null('wt') }} as double) as weight,
        upper({{ blank_to_null('wt_cod') }}) as weight_unit,

        -- what makes the row unusable, if anything
        nullif(concat_ws(
            '; ',
            {{ problem_if_missing('primaryid') }},
            {{ problem_if_unreadable('primaryid', parse_faers_id('primaryid'), 'unparseable number') }},
            {{ problem_if_missing('caseid') }},
            {{ problem_if_unreadable('caseid', parse_faers_id('caseid'), 'unparseable number') }},
            {{ problem_if_missing('caseversion') }},
            {{ problem_if_unreadable('caseversion', parse_integer('caseversion'), 'unparseable number') }}
        ), '') as invalid_reason,

        -- provenance
        quarter_start,
        _source_file as source_file,
        _sha256 as source_sha256,
        _row_number as source_row_number

    from source

)

select * from renamed
