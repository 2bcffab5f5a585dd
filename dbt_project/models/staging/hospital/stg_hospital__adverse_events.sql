{%- set codes = var('landing_codes') -%}

with

source as (

    {{ newest_snapshot('hospital', 'hospital_adverse_events') }}

),

renamed as (

    select
        -- keys: hospital identifiers, normalised as every key and join compares them
        {{ normalise_hospital_id('event_id') }} as event_id,
        {{ normalise_hospital_id('patient_id') }} as patient_id,
        {{ normalise_hospital_id('treatment_id') }} as treatment_id,

        -- reaction
        {{ parse_fr_date('onset_date') }} as onset_date,
        {{ blank_to_null('reaction_label') }} as reaction_label,
        {{ blank_to_null('localisation') }} as localisation,
        {{ blank_to_null('severity') }} as severity,
        {{ parse_yes_no('pruritus') }} as has_pruritus,
        {{ parse_yes_no('pain') }} as has_pain,

        -- Naranjo answers (O yes, N no, NSP don't know) and the total written in the file
        {%- for item in range(1, 11) %}
            upper({{ blank_to_null('naranjo_q' ~ item) }}) as naranjo_q{{ item }},
        {%- endfor %}
        {{ parse_integer('naranjo_score') }} as naranjo_score_written,

        -- course of the reaction
        {{ blank_to_null('outcome') }} as outcome,
        {{ blank_to_null('action_taken') }} as action_taken,
        {{ blank_to_null('rechallenge') }} as rechallenge,
        {{ parse_yes_no('biopsy_done') }} as is_biopsy_done,
        {{ blank_to_null('biopsy_result') }} as biopsy_result,

        -- what makes the row unusable, if anything
        nullif(concat_ws(
            '; ',
            {{ problem_if_missing('event_id') }},
            {{ problem_if_missing('patient_id') }},
            {{ problem_if_missing('onset_date') }},
            {{ problem_if_unreadable('onset_date', parse_fr_date('onset_date'), 'unparseable date') }},
            {{ problem_if_unknown_code('localisation', codes.localisation) }},
            {{ problem_if_unknown_code('severity', codes.severity) }},
            {{ problem_if_unknown_code('pruritus', codes.yes_no, upper=true) }},
            {{ problem_if_unknown_code('pain', codes.yes_no, upper=true) }},
            {%- for item in range(1, 11) %}
                {{ problem_if_unknown_code('naranjo_q' ~ item, codes.naranjo_answer, upper=true) }},
            {%- endfor %}
            {{ problem_if_unreadable('naranjo_score', parse_integer('naranjo_score'), 'unparseable number') }},
            {{ problem_if_unknown_code('outcome', codes.event_outcome) }},
            {{ problem_if_unknown_code('action_taken', codes.event_action_taken) }},
            {{ problem_if_unknown_code('rechallenge', codes.event_rechallenge) }},
            {{ problem_if_unknown_code('biopsy_done', codes.yes_no, upper=true) }}
        ), '') as invalid_reason,

        -- provenance
        snapshot_date as extraction_date,
        _source_file as source_file,
        _sha256 as source_sha256,
        _row_number as source_row_number

    from source

)

select * from renamed
