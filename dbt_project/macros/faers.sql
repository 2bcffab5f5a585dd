{#- FAERS files: rows of every quarter currently delivered, and their dates with the precision they have. -#}

{#- Rows of a FAERS raw table from the files each quarter delivers now, with the quarter's first day.
    A quarter delivered again replaces its files in the manifest, so only its latest files count. -#}
{% macro faers_rows(raw_table) -%}
    select
        raw_rows.*,
        manifest.snapshot_date as quarter_start
    from {{ source('faers', raw_table) }} as raw_rows
    inner join {{ source('landing', 'snapshot_manifest') }} as manifest
        on
            raw_rows._sha256 = manifest.sha256
            and manifest.source = 'faers'
            and manifest.raw_table = '{{ raw_table }}'
{%- endmacro %}

{#- YYYYMMDD, YYYYMM or YYYY as the first day of that day, month or year; NULL when empty or not a date. -#}
{% macro parse_faers_date(column) -%}
    case length({{ blank_to_null(column) }})
        when 8 then cast(try_strptime({{ blank_to_null(column) }}, '%Y%m%d') as date)
        when 6 then cast(try_strptime({{ blank_to_null(column) }} || '01', '%Y%m%d') as date)
        when 4 then cast(try_strptime({{ blank_to_null(column) }} || '0101', '%Y%m%d') as date)
    end
{%- endmacro %}

{#- `day`, `month` or `year`: how much of a FAERS date was given; NULL when the date is NULL. -#}
{% macro faers_date_precision(column) -%}
    case
        when ({{ parse_faers_date(column) }}) is not null
            then case length({{ blank_to_null(column) }}) when 8 then 'day' when 6 then 'month' else 'year' end
    end
{%- endmacro %}

{% macro parse_faers_id(column) -%}
    case
        when regexp_full_match({{ blank_to_null(column) }}, '[0-9]{1,18}')
            then cast({{ blank_to_null(column) }} as bigint)
    end
{%- endmacro %}

{#- `2015Q1` from a quarter's first day. -#}
{% macro faers_quarter(quarter_start) -%}
    strftime({{ quarter_start }}, '%Y') || 'Q' || quarter({{ quarter_start }})
{%- endmacro %}

{#- A drug name or active ingredient as counted: upper case, spaces collapsed and trimmed; NULL when empty. -#}
{% macro faers_drug_key(column) -%}
    nullif(upper(trim(regexp_replace({{ column }}, '\s+', ' ', 'g'))), '')
{%- endmacro %}

{#- A DEMO age in years from its value and age_cod (decades to hours); NULL for another or no code. -#}
{% macro faers_age_years(age, age_cod) -%}
    round(
        {{ age }} * case {{ age_cod }}
            when 'YR' then 1.0
            when 'DEC' then 10.0
            when 'MON' then 1.0 / 12
            when 'WK' then 7 / 365.25
            when 'DY' then 1 / 365.25
            when 'HR' then 1 / 8766.0
        end,
        2
    )
{%- endmacro %}
