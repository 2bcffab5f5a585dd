-- Reaction terms of the three sources that the team's MedDRA release does not know, with how many rows
-- carry them, for the data steward: a FAERS term, a national LLT and PT pair, or a hospital label (to map
-- in seeds/meddra_label_overrides.csv). Empty when the landing holds no release.

with

meddra_release as (

    select count(*) > 0 as is_present from {{ ref('dim_meddra_terms') }}

),

faers as (

    select
        'faers' as source_name,
        pt as term,
        'not a PT or LLT name of the release' as note,
        count(*) as n_rows
    from {{ ref('int_faers_reaction_terms_coded') }}
    where meddra_match = 'unmatched'
    group by pt

),

national as (

    select
        'national' as source_name,
        coalesce(reaction_llt, '') || ' / ' || coalesce(reaction_pt, '') as term,
        'neither reaction_llt nor reaction_pt is a name of the release' as note,
        count(*) as n_rows
    from {{ ref('int_pv_case_rows_coded') }}
    where meddra_match = 'unmatched'
    group by reaction_llt, reaction_pt

),

hospital as (

    select
        'hospital' as source_name,
        labels.reaction_label as term,
        case
            when labels.override_llt_code is not null
                then
                    'seeds/meddra_label_overrides.csv names LLT ' || labels.override_llt_code
                    || ', which the release lacks'
            else 'not an LLT name of the release: map it in seeds/meddra_label_overrides.csv'
        end as note,
        count(*) as n_rows
    from {{ ref('int_hospital_reaction_labels_coded') }} as labels
    inner join {{ ref('int_cutaneous_reactions_characterised') }} as reactions
        on labels.reaction_label = reactions.reaction_label
    where labels.meddra_match = 'unmatched'
    group by labels.reaction_label, labels.override_llt_code

),

unmatched as (

    select * from faers
    union all
    select * from national
    union all
    select * from hospital

)

select unmatched.*
from unmatched
cross join meddra_release
where meddra_release.is_present
