-- One row per PT of the release, named in the language of `meddra_language` (another release's names
-- when the landing holds none in that language), with its primary SOC.

with

preferred_terms as (

    select * from {{ ref('dim_meddra_terms') }}
    where llt_code = pt_code

),

final as (

    select
        pt_code,
        pt_name,
        soc_code,
        soc_name,
        language
    from preferred_terms
    where language = {{ meddra_naming_language() }}

)

select * from final
