-- Each reaction label of the hospital extract on the team's MedDRA release: an override of
-- seeds/meddra_label_overrides.csv first, else the LLT whose name in the language of
-- `meddra_hospital_language` is the label (case, accents and spaces aside), and so its PT. A label the
-- release lacks is kept, unmatched; so is an override naming a code the release lacks.

with

labels as (

    select distinct reaction_label
    from {{ ref('int_cutaneous_reactions_characterised') }}
    where reaction_label is not null

),

overrides as (

    select
        {{ label_key('reaction_label') }} as label_key,
        llt_code
    from {{ ref('meddra_label_overrides') }}

),

release_terms as (

    select distinct
        llt_code,
        pt_code
    from {{ ref('dim_meddra_terms') }}

),

names as (

    select * from {{ ref('int_meddra_term_names') }}
    where language = '{{ var("meddra_hospital_language") }}'

),

matched as (

    select
        labels.reaction_label,
        overrides.llt_code as override_llt_code,
        coalesce(override_terms.pt_code, case when overrides.llt_code is null then names.pt_code end)
            as meddra_pt_code,
        case
            when override_terms.pt_code is not null then 'override'
            when overrides.llt_code is null and names.pt_code is not null then 'llt'
            else 'unmatched'
        end as meddra_match
    from labels
    left join overrides
        on {{ label_key('labels.reaction_label') }} = overrides.label_key
    left join release_terms as override_terms
        on overrides.llt_code = override_terms.llt_code
    left join names
        on {{ label_key('labels.reaction_label') }} = names.term_key

),

coded as (

    select
        matched.*,
        preferred_terms.pt_name as meddra_pt_name,
        preferred_terms.soc_name as meddra_soc_name
    from matched
    left join {{ ref('int_meddra_preferred_terms_named') }} as preferred_terms
        on matched.meddra_pt_code = preferred_terms.pt_code

)

select * from coded
