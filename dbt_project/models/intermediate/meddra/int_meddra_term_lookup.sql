-- One row per term key across every language of the release, for the sources whose terms may come in any
-- language (FAERS, the national export): a PT's own name before an LLT's, the language of
-- `meddra_language` first, a current LLT before a non-current one, then the lowest PT code.

with

names as (

    select * from {{ ref('int_meddra_term_names') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by term_key
            order by
                matched_as = 'pt' desc,
                language = '{{ var("meddra_language") }}' desc,
                is_current desc,
                pt_code asc,
                language asc
        ) as preference
    from names

)

select
    term_key,
    llt_code,
    pt_code,
    matched_as
from ranked
where preference = 1
