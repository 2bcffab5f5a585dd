-- The active ingredient the loaded quarters teach for a drug name: the prod_ai most often given with that
-- drugname, kept when at least faers_drug_learn_min_rows of the name's rows give a prod_ai and that one is
-- given in at least faers_drug_learn_min_share of them. One row per drug name learned.

with

coded_rows as (

    select
        drug_name_key,
        prod_ai_key
    from {{ ref('stg_faers__drugs') }}
    where drug_name_key is not null and prod_ai_key is not null

),

by_ingredient as (

    select
        drug_name_key,
        prod_ai_key,
        count(*) as n_rows_given
    from coded_rows
    group by drug_name_key, prod_ai_key

),

ranked as (

    select
        drug_name_key,
        prod_ai_key,
        n_rows_given,
        sum(n_rows_given) over (partition by drug_name_key) as n_rows_coded,
        -- a tie cannot reach the share; the order only makes the pick deterministic
        row_number() over (partition by drug_name_key order by n_rows_given desc, prod_ai_key asc) as ingredient_rank
    from by_ingredient

),

learned as (

    select
        drug_name_key,
        prod_ai_key as learned_prod_ai_key,
        n_rows_given,
        n_rows_coded,
        round(n_rows_given / n_rows_coded, 4) as share_given
    from ranked
    where
        ingredient_rank = 1
        and n_rows_coded >= {{ var('faers_drug_learn_min_rows') }}
        and n_rows_given >= {{ var('faers_drug_learn_min_share') }} * n_rows_coded

)

select * from learned
