-- One row per DRUG row and active ingredient: a combination's ingredients (`\` between them, as FAERS writes
-- prod_ai) each counted on their own.

with

resolved as (

    select * from {{ ref('int_faers_drug_rows_resolved') }}

),

split as (

    select
        resolved.* exclude (resolved.ingredients),
        trim(unnest(string_split(resolved.ingredients, '\'))) as ingredient
    from resolved

),

final as (

    select distinct *
    from split
    where ingredient <> ''

)

select * from final
