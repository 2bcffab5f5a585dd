-- The PTs and LLTs of each active SMQ, sub-SMQs expanded, each with its PT. A narrow search takes the
-- narrow rows; a broad search takes every row (narrow terms belong to the broad search too).

with

smq_terms as (

    select * from {{ ref('int_meddra_smq_terms_expanded') }}

),

smqs as (

    select * from {{ ref('stg_meddra__smqs') }}

),

terms as (

    select * from {{ ref('dim_meddra_terms') }}

),

final as (

    select
        smq_terms.smq_code,
        smqs.smq_name,
        smq_terms.via_smq_code,
        via_smqs.smq_name as via_smq_name,
        smq_terms.term_code,
        case smq_terms.term_level when 4 then 'PT' when 5 then 'LLT' end as term_level,
        terms.llt_name as term_name,
        case smq_terms.term_scope when 2 then 'narrow' when 1 then 'broad' end as term_scope,
        terms.pt_code,
        terms.pt_name,
        smqs.meddra_version,
        smq_terms.language
    from smq_terms
    inner join smqs
        on
            smq_terms.language = smqs.language
            and smq_terms.smq_code = smqs.smq_code
    inner join smqs as via_smqs
        on
            smq_terms.language = via_smqs.language
            and smq_terms.via_smq_code = via_smqs.smq_code
    -- a PT is an LLT of itself, so the LLT rows name both
    left join terms
        on
            smq_terms.language = terms.language
            and smq_terms.term_code = terms.llt_code

)

select * from final
