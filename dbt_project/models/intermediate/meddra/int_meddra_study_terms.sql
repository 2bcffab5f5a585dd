-- The PTs of the study's query on the team's release: those under the SOC named by `pv_soc` (on their
-- primary path, or any path, as `meddra_soc_paths` says) and those under the HLT named by
-- `injection_site_hlt`. The names are looked up in every language of the release; no code is written here.

with

levels as (

    select * from {{ ref('int_meddra_pt_levels') }}

),

named as (

    select distinct
        soc_code as term_code,
        'soc' as level  -- noqa: RF04
    from {{ ref('dim_meddra_pt_soc') }}
    where soc_name = '{{ var("pv_soc") }}'

    union

    select distinct
        hlt_code as term_code,
        'hlt' as level  -- noqa: RF04
    from {{ ref('dim_meddra_pt_soc') }}
    where hlt_name = '{{ var("injection_site_hlt") }}'

),

study_terms as (

    select
        levels.pt_code,
        bool_or(levels.level = 'soc') as is_in_pv_soc,
        bool_or(levels.level = 'hlt') as is_injection_site
    from levels
    inner join named
        on
            levels.level = named.level
            and levels.term_code = named.term_code
    group by levels.pt_code

)

select * from study_terms
