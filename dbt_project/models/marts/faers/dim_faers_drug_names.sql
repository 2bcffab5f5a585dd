with

ingredients as (

    select * from {{ ref('int_faers_drug_ingredients') }}

),

final as (

    select
        drug_name_key as drugname,
        ingredient,
        mapping_method as method,  -- noqa: RF04
        count(*) as n_rows
    from ingredients
    group by drug_name_key, ingredient, mapping_method

)

select * from final
