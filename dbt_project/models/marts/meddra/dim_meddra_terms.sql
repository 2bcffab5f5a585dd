-- One row per LLT of the newest release of each language, with its PT and the PT's primary path.

with

lowest_level_terms as (

    select * from {{ ref('stg_meddra__lowest_level_terms') }}

),

preferred_terms as (

    select * from {{ ref('stg_meddra__preferred_terms') }}

),

primary_paths as (

    select * from {{ ref('stg_meddra__hierarchy_paths') }}
    where is_primary

),

final as (

    select
        lowest_level_terms.llt_code,
        lowest_level_terms.llt_name,
        lowest_level_terms.is_current,
        lowest_level_terms.pt_code,
        preferred_terms.pt_name,
        primary_paths.hlt_code,
        primary_paths.hlt_name,
        primary_paths.hlgt_code,
        primary_paths.hlgt_name,
        primary_paths.soc_code,
        primary_paths.soc_name,
        lowest_level_terms.meddra_version,
        lowest_level_terms.language
    from lowest_level_terms
    left join preferred_terms
        on
            lowest_level_terms.language = preferred_terms.language
            and lowest_level_terms.pt_code = preferred_terms.pt_code
    left join primary_paths
        on
            lowest_level_terms.language = primary_paths.language
            and lowest_level_terms.pt_code = primary_paths.pt_code

)

select * from final
