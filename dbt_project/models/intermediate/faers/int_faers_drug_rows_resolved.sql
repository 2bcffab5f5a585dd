-- Every DRUG row with the active ingredients it counts as, and how they were found: `prod_ai` when the row
-- gives one; else `learned` from the loaded quarters (int_faers_drug_names_learned); else `override` from
-- the seed faers_drug_name_overrides; else `unmapped`, counted by its cleaned drugname. Combinations keep
-- their `\` here (split in int_faers_drug_ingredients).

with

drugs as (

    select * from {{ ref('stg_faers__drugs') }}
    where drug_name_key is not null or prod_ai_key is not null

),

learned as (

    select * from {{ ref('int_faers_drug_names_learned') }}

),

overrides as (

    select
        {{ faers_drug_key('drug_name') }} as drug_name_key,
        {{ faers_drug_key('ingredient') }} as ingredient_key
    from {{ ref('faers_drug_name_overrides') }}

),

resolved as (

    select
        drugs.primaryid,
        drugs.caseid,
        drugs.drug_seq,
        drugs.role_cod,
        drugs.dechal,
        drugs.drug_name_key,
        drugs.prod_ai_key,
        case
            when drugs.prod_ai_key is not null then 'prod_ai'
            when learned.learned_prod_ai_key is not null then 'learned'
            when overrides.ingredient_key is not null then 'override'
            else 'unmapped'
        end as mapping_method,
        coalesce(
            drugs.prod_ai_key, learned.learned_prod_ai_key, overrides.ingredient_key, drugs.drug_name_key
        ) as ingredients,
        drugs.quarter_start,
        drugs.source_file,
        drugs.source_row_number
    from drugs
    left join learned
        on drugs.drug_name_key = learned.drug_name_key
    left join overrides
        on drugs.drug_name_key = overrides.drug_name_key

)

select * from resolved
