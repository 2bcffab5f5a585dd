-- Every LLT name of each release as the matching compares it (label_key), one row per language and
-- key: a PT's own name before an LLT's, a current LLT before a non-current one, then the lowest PT code.

with

terms as (

    select * from {{ ref('dim_meddra_terms') }}

),

keyed as (

    select
        language,
        {{ label_key('llt_name') }} as term_key,
        llt_code,
        pt_code,
        case when llt_code = pt_code then 'pt' else 'llt' end as matched_as,
        is_current
    from terms

),

ranked as (

    select
        *,
        row_number() over (
            partition by language, term_key
            order by matched_as = 'pt' desc, is_current desc, pt_code asc, llt_code asc
        ) as preference
    from keyed

)

select
    language,
    term_key,
    llt_code,
    pt_code,
    matched_as,
    is_current
from ranked
where preference = 1
