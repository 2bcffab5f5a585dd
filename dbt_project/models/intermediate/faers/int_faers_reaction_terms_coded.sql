-- The reaction terms of each kept report on the team's MedDRA release: the published `pt` matched to a
-- PT's name, else to an LLT's name and so to its PT (case and spaces aside, in any language of the
-- release, the language of `meddra_language` first). A term the release lacks is kept, unmatched.

with

terms as (

    select * from {{ ref('int_faers_reaction_terms_filtered_to_kept_reports') }}

),

names as (

    select * from {{ ref('int_meddra_term_lookup') }}

),

preferred_terms as (

    select * from {{ ref('int_meddra_preferred_terms_named') }}

),

coded as (

    select
        terms.caseid,
        terms.pt,
        names.pt_code as meddra_pt_code,
        preferred_terms.pt_name as meddra_pt_name,
        preferred_terms.soc_name as meddra_soc_name,
        coalesce(names.matched_as, 'unmatched') as meddra_match
    from terms
    left join names
        on
            {{ label_key('terms.pt') }} = names.term_key
    left join preferred_terms
        on names.pt_code = preferred_terms.pt_code

)

select * from coded
