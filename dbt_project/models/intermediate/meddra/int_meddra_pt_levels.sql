-- What each PT counts under at every level a query may ask: itself (pt), its HLTs, HLGTs and SOCs (the
-- primary path only, or every path, as `meddra_soc_paths` says), and the SMQs listing it or one of its
-- LLTs (in the scope `meddra_smq_scope` says). Named in the language of `meddra_language`, or another
-- release's when that one is absent.

{%- set soc_paths = var("meddra_soc_paths") %}
{%- set smq_scope = var("meddra_smq_scope") %}
{%- if soc_paths not in ("primary", "all") %}
    {{ exceptions.raise_compiler_error("meddra_soc_paths is '" ~ soc_paths ~ "': set it to primary or all") }}
{%- endif %}
{%- if smq_scope not in ("broad", "narrow") %}
    {{ exceptions.raise_compiler_error("meddra_smq_scope is '" ~ smq_scope ~ "': set it to broad or narrow") }}
{%- endif %}

with

paths as (

    select *
    from {{ ref('dim_meddra_pt_soc') }}
    where
        language = {{ meddra_naming_language() }}
        and ({{ 'is_primary' if soc_paths == 'primary' else 'true' }})

),

smq_terms as (

    select *
    from {{ ref('dim_meddra_smq_terms') }}
    where
        language = {{ meddra_naming_language() }}
        and pt_code is not null
        and ({{ "term_scope = 'narrow'" if smq_scope == 'narrow' else 'true' }})

),

levels as (

    select
        pt_code,
        'pt' as level,  -- noqa: RF04
        pt_code as term_code,
        pt_name as term
    from paths

    union

    select
        pt_code,
        'hlt' as level,  -- noqa: RF04
        hlt_code as term_code,
        hlt_name as term
    from paths

    union

    select
        pt_code,
        'hlgt' as level,  -- noqa: RF04
        hlgt_code as term_code,
        hlgt_name as term
    from paths

    union

    select
        pt_code,
        'soc' as level,  -- noqa: RF04
        soc_code as term_code,
        soc_name as term
    from paths

    union

    select
        pt_code,
        'smq' as level,  -- noqa: RF04
        smq_code as term_code,
        smq_name as term
    from smq_terms

)

select * from levels
