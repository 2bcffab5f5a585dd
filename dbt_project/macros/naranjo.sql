{#- Naranjo et al. (1981): points of each item for a yes (O) and a no (N); don't know (NSP) scores 0.
    Items 5 (alternative causes) and 6 (placebo) are inverted: a yes lowers the score. -#}
{% macro naranjo_points() -%}
    {{ return({
        1: (1, 0), 2: (2, -1), 3: (1, 0), 4: (2, -1), 5: (-1, 2),
        6: (-1, 1), 7: (1, 0), 8: (1, 0), 9: (1, 0), 10: (1, 0),
    }) }}
{%- endmacro %}

{% macro naranjo_item_score(item) -%}
    {%- set points = naranjo_points()[item] -%}
    case naranjo_q{{ item }} when 'O' then {{ points[0] }} when 'N' then {{ points[1] }} else 0 end
{%- endmacro %}

{% macro naranjo_category(score) -%}
    case
        when {{ score }} >= 9 then 'definite'
        when {{ score }} >= 5 then 'probable'
        when {{ score }} >= 1 then 'possible'
        when {{ score }} is not null then 'doubtful'
    end
{%- endmacro %}

{#- A free-text label or term made comparable: lower case, no accents, the ligatures oe and ae spelt out,
    the typographic apostrophe as a plain one, single spaces. -#}
{% macro label_key(column) -%}
    regexp_replace(
        strip_accents(replace(replace(replace(lower(trim({{ column }})), 'œ', 'oe'), 'æ', 'ae'), '’', '''')),
        '\s+', ' ', 'g'
    )
{%- endmacro %}
