{%- set codes = var('landing_codes') -%}

with

source as (

    {{ newest_snapshot('pharmacovigilance', 'pv_cases') }}

),

renamed as (

    select
        -- keys
        {{ blank_to_null('case_id') }} as case_id,
        {{ parse_integer('case_version') }} as case_version,

        -- case
        {{ parse_fr_date('initial_receipt_date') }} as initial_receipt_date,
        {{ parse_fr_date('version_receipt_date') }} as version_receipt_date,
        {{ blank_to_null('reporter_type') }} as reporter_type,
        upper({{ blank_to_null('patient_sex') }}) as patient_sex,
        {{ parse_integer('patient_age_years') }} as patient_age_years,

        -- drugs
        upper({{ blank_to_null('suspect_drug') }}) as suspect_drug,
        {{ blank_to_null('other_suspect_drugs') }} as other_suspect_drugs,
        {{ blank_to_null('indication') }} as indication,
        {{ parse_fr_date('drug_start_date') }} as drug_start_date,
        {{ parse_fr_date('drug_stop_date') }} as drug_stop_date,
        {{ blank_to_null('action_taken') }} as action_taken,
        {{ blank_to_null('rechallenge') }} as rechallenge,

        -- reaction
        {{ blank_to_null('reaction_llt') }} as reaction_llt,
        {{ blank_to_null('reaction_pt') }} as reaction_pt,
        {{ blank_to_null('reaction_soc') }} as reaction_soc,
        {{ parse_fr_date('reaction_onset_date') }} as reaction_onset_date,
        {{ parse_yes_no('serious') }} as is_serious,
        {{ blank_to_null('seriousness_criteria') }} as seriousness_criteria,
        {{ blank_to_null('reaction_outcome') }} as reaction_outcome,

        -- French imputability, 1985 method
        upper({{ blank_to_null('chrono_score') }}) as chrono_score,
        upper({{ blank_to_null('semio_score') }}) as semio_score,
        upper({{ blank_to_null('intrinsic_score') }}) as intrinsic_score,
        upper({{ blank_to_null('biblio_score') }}) as biblio_score,

        -- what makes the row unusable, if anything (the narrative is never read past raw)
        nullif(concat_ws(
            '; ',
            {{ problem_if_missing('case_id') }},
            {{ problem_if_missing('case_version') }},
            {{ problem_if_unreadable('case_version', parse_integer('case_version'), 'unparseable number') }},
            {{ problem_if_missing('initial_receipt_date') }},
            {{ problem_if_unreadable('initial_receipt_date', parse_fr_date('initial_receipt_date'), 'unparseable date') }},
            {{ problem_if_missing('version_receipt_date') }},
            {{ problem_if_unreadable('version_receipt_date', parse_fr_date('version_receipt_date'), 'unparseable date') }},
            {{ problem_if_unreadable('drug_start_date', parse_fr_date('drug_start_date'), 'unparseable date') }},
            {{ problem_if_unreadable('drug_stop_date', parse_fr_date('drug_stop_date'), 'unparseable date') }},
            {{ problem_if_unreadable('reaction_onset_date', parse_fr_date('reaction_onset_date'), 'unparseable date') }},
            {{ problem_if_unreadable('patient_age_years', parse_integer('patient_age_years'), 'unparseable number') }},
            {{ problem_if_missing('suspect_drug') }},
            {{ problem_if_missing('reaction_soc') }},
            {{ problem_if_unknown_code('reporter_type', codes.reporter_type) }},
            {{ problem_if_unknown_code('patient_sex', codes.sex, upper=true) }},
            {{ problem_if_unknown_code('serious', codes.yes_no, upper=true) }},
            case
                when
                    len(list_filter(
                        string_split({{ blank_to_null('seriousness_criteria') }}, '|'),
                        lambda criterion: trim(criterion) not in ('{{ codes.seriousness_criterion | join("', '") }}')
                    )) > 0
                    then 'unknown code in seriousness_criteria'
            end,
            {{ problem_if_unknown_code('reaction_outcome', codes.reaction_outcome) }},
            {{ problem_if_unknown_code('action_taken', codes.case_action_taken) }},
            {{ problem_if_unknown_code('rechallenge', codes.case_rechallenge) }},
            {{ problem_if_unknown_code('chrono_score', codes.chrono_score, upper=true) }},
            {{ problem_if_unknown_code('semio_score', codes.semio_score, upper=true) }},
            {{ problem_if_unknown_code('intrinsic_score', codes.intrinsic_score, upper=true) }},
            {{ problem_if_unknown_code('biblio_score', codes.biblio_score, upper=true) }}
        ), '') as invalid_reason,

        -- provenance
        snapshot_date as export_date,
        _source_file as source_file,
        _sha256 as source_sha256,
        _row_number as source_row_number

    from source

)

select * from renamed
