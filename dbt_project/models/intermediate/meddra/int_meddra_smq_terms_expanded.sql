-- The active terms of every active SMQ, sub-SMQs expanded: a sub-SMQ's terms belong to every SMQ above
-- it, with their own scope. `via_smq_code` is the SMQ whose content names the term.

with recursive

active_smqs as (

    select * from {{ ref('stg_meddra__smqs') }}
    where smq_status = 'A'

),

content as (

    select * from {{ ref('stg_meddra__smq_content') }}
    where term_status = 'A'

),

expanded as (

    select
        content.language,
        content.smq_code,
        content.smq_code as via_smq_code,
        content.term_code,
        content.term_level,
        content.term_scope,
        1 as nesting_depth
    from content
    inner join active_smqs
        on
            content.language = active_smqs.language
            and content.smq_code = active_smqs.smq_code

    union all

    select
        expanded.language,
        expanded.smq_code,
        content.smq_code as via_smq_code,
        content.term_code,
        content.term_level,
        content.term_scope,
        expanded.nesting_depth + 1 as nesting_depth
    from expanded
    inner join content
        on
            expanded.language = content.language
            and expanded.term_code = content.smq_code
    -- SMQs nest five levels at most; the bound stops a release that would loop
    where expanded.term_level = 0 and expanded.nesting_depth < 10

)

select distinct
    language,
    smq_code,
    via_smq_code,
    term_code,
    term_level,
    term_scope
from expanded
where term_level in (4, 5)
