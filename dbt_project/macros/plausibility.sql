{#- Plausibility (landing contract, version 2): a value that parses and still cannot be. Each macro gives
    NULL when the value is plausible or unknown, otherwise a quarantine reason naming the column, the value
    and the rule, always as `implausible <column>: <value> <rule>` (docs/landing-format.md lists them).
    A birth date is a direct identifier: its value stays out of a reason (`show_value=false`). -#}

{#- A typed value as text: a number without the zeros its decimal type pads it with (1500.000 -> 1500,
    0.500 -> 0.5), a date as YYYY-MM-DD. -#}
{% macro plausibility_value_text(column) -%}
    regexp_replace(
        regexp_replace(cast({{ column }} as varchar), '^(-?[0-9]+[.][0-9]*[1-9])0+$', '\1'),
        '^(-?[0-9]+)[.]0+$',
        '\1'
    )
{%- endmacro %}

{% macro implausible(column, condition, rule_sql, show_value=true) -%}
    case
        when {{ condition }}
            then concat(
                'implausible {{ column }}: ',
                {%- if show_value %} {{ plausibility_value_text(column) }}, ' ',{% endif %}
                {{ rule_sql }}
            )
    end
{%- endmacro %}

{#- A number compared with a fixed bound: `<=` reads "is not above", `<` "below", `>` "above"; a bound
    set by a var is named by it ("above max_dose_mg 1000"). -#}
{% macro implausible_number(column, op, bound, bound_name=none) -%}
    {%- set words = {'<=': 'is not above', '<': 'below', '>': 'above'}[op] -%}
    {%- set bound_text = (bound_name ~ ' ' if bound_name else '') ~ bound -%}
    {{ implausible(column, column ~ ' ' ~ op ~ ' ' ~ bound, "'" ~ words ~ ' ' ~ bound_text ~ "'") }}
{%- endmacro %}

{#- A date compared with another date of the row (a column or a cast literal): `<` reads "before", `>`
    "after", then `bound_name` and, unless `show_bound` is false, the bound's value. -#}
{% macro implausible_date(column, op, bound, bound_name, show_value=true, show_bound=true) -%}
    {%- set words = {'<': 'before', '>': 'after'}[op] ~ ' ' ~ bound_name | replace("'", "''") -%}
    {%- set rule_sql = "'" ~ words ~ " ' || cast(" ~ bound ~ " as varchar)" if show_bound else "'" ~ words ~ "'" -%}
    {{ implausible(column, column ~ ' ' ~ op ~ ' ' ~ bound, rule_sql, show_value) }}
{%- endmacro %}

{#- A date before `min_plausible_date` (1900-01-01 by default). -#}
{% macro implausible_if_before_min_date(column, show_value=true) -%}
    {{ implausible_date(
        column, '<', "cast('" ~ var('min_plausible_date') ~ "' as date)", 'min_plausible_date', show_value
    ) }}
{%- endmacro %}
