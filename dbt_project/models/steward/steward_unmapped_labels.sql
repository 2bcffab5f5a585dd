-- Indication and reaction labels the mapping seeds do not know: loaded as `unmapped`, listed here so the
-- data steward can add them to seeds/indication_groups.csv or seeds/reaction_categories.csv.

with

indications as (

    select
        'indication' as label_kind,
        indication_label as unmapped_label,
        count(*) as n_rows
    from {{ ref('int_treatment_courses_mapped') }}
    where indication_group = 'unmapped'
    group by indication_label

),

reactions as (

    select
        'reaction' as label_kind,
        reaction_label as unmapped_label,
        count(*) as n_rows
    from {{ ref('int_cutaneous_reactions_characterised') }}
    where reaction_category = 'unmapped'
    group by reaction_label

),

unmapped as (

    select * from indications
    union all
    select * from reactions

)

select * from unmapped
