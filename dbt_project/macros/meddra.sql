{#- MedDRA files: rows of the newest release of each language the landing holds. -#}

{#- Rows of a MedDRA raw table from the newest release of each language, with its version and language.
    Files identical in two languages (the code-only links) are loaded once and belong to both. -#}
{% macro meddra_rows(raw_table) -%}
    select
        raw_rows.*,
        releases.meddra_version,
        releases.language
    from {{ source('meddra', raw_table) }} as raw_rows
    inner join {{ source('landing', 'snapshot_manifest') }} as manifest
        on
            raw_rows._sha256 = manifest.sha256
            and manifest.raw_table = '{{ raw_table }}'
    inner join {{ ref('stg_meddra__releases') }} as releases
        on
            manifest.source = releases.source
            and manifest.snapshot_date = releases.release_date
{%- endmacro %}

{#- A MedDRA code (an 8-digit integer) as a bigint; NULL when empty or not a number. -#}
{% macro parse_meddra_code(column) -%}
    case
        when regexp_full_match({{ blank_to_null(column) }}, '[0-9]{1,10}')
            then cast({{ blank_to_null(column) }} as bigint)
    end
{%- endmacro %}

{#- The language the marts name MedDRA terms in: `meddra_language` when the landing holds that release, else
    the first other language by name. A scalar subquery; NULL without a release. -#}
{% macro meddra_naming_language() -%}
    (
        select releases.language
        from {{ ref('stg_meddra__releases') }} as releases
        order by releases.language = '{{ var("meddra_language") }}' desc, releases.language
        limit 1
    )
{%- endmacro %}
