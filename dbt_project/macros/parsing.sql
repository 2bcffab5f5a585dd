{#- Typing of the landing's text values. Each parser returns NULL for an empty field and for a value it
    cannot read; `problem_if_unreadable` names the column whose non-empty value did not parse. -#}

{% macro blank_to_null(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}

{% macro parse_fr_date(column) -%}
    cast(try_strptime({{ blank_to_null(column) }}, '%d/%m/%Y') as date)
{%- endmacro %}

{% macro parse_fr_decimal(column) -%}
    try_cast(replace({{ blank_to_null(column) }}, ',', '.') as decimal(12, 3))
{%- endmacro %}

{% macro parse_integer(column) -%}
    case
        when regexp_full_match({{ blank_to_null(column) }}, '-?[0-9]+')
            then cast({{ blank_to_null(column) }} as integer)
    end
{%- endmacro %}

{% macro parse_yes_no(column) -%}
    case upper({{ blank_to_null(column) }}) when 'O' then true when 'N' then false end
{%- endmacro %}

{#- A problem text when the raw value is present but its typed value is NULL. -#}
{% macro problem_if_unreadable(column, parsed, kind) -%}
    case
        when {{ blank_to_null(column) }} is not null and ({{ parsed }}) is null
            then '{{ kind }} in {{ column }}'
    end
{%- endmacro %}

{% macro problem_if_missing(column) -%}
    case when {{ blank_to_null(column) }} is null then 'missing {{ column }}' end
{%- endmacro %}

{#- A problem text when a present code is not one of `values` (compared after trimming, and
    upper-casing when `upper` is true). -#}
{% macro problem_if_unknown_code(column, values, upper=false) -%}
    {%- set value = 'upper(' ~ blank_to_null(column) ~ ')' if upper else blank_to_null(column) -%}
    case
        when {{ value }} is not null
            and {{ value }} not in ({% for code in values %}'{{ code }}'{% if not loop.last %}, {% endif %}{% endfor %})
            then 'unknown code in {{ column }}'
    end
{%- endmacro %}

{#- A hospital identifier (patient_id, treatment_id, event_id) as every key and join compares it: spaces
    trimmed, upper case, NULL when empty, so `ab123456` and `AB123456 ` are one patient everywhere. The
    patient key is computed on this value (pv_patient_key normalises the same way, so it agrees). -#}
{% macro normalise_hospital_id(column) -%}
    upper({{ blank_to_null(column) }})
{%- endmacro %}
