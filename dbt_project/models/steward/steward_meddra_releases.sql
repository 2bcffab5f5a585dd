-- The MedDRA releases this run coded the three sources with, one per language; none when the landing holds
-- no release (the FAERS skin query then uses the bundled list, seeds/faers_skin_terms.csv).

with

releases as (

    select * from {{ ref('stg_meddra__releases') }}

),

final as (

    select
        language,
        meddra_version,
        release_date,
        release_file
    from releases

)

select * from final
