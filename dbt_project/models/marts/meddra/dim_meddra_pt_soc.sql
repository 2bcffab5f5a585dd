-- Every PT-HLT-HLGT-SOC path of the newest release of each language, the primary one flagged.

with

paths as (

    select * from {{ ref('stg_meddra__hierarchy_paths') }}

),

final as (

    select
        pt_code,
        pt_name,
        hlt_code,
        hlt_name,
        hlgt_code,
        hlgt_name,
        soc_code,
        soc_name,
        is_primary,
        meddra_version,
        language
    from paths

)

select * from final
