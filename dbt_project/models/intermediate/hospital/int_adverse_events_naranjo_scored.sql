-- Naranjo score of each accepted event: when at least one of the ten items is answered, the sum of the
-- item points (an unanswered item counts 0); otherwise the total written in the file. A written total
-- that differs from the items' sum is flagged for the data steward, not rejected.

with

events as (

    select * from {{ ref('int_hospital_adverse_events_checked') }}
    where quarantine_reason is null

),

items as (

    select
        event_id,
        naranjo_score_written,
        {% for item in range(1, 11) -%}
            (naranjo_q{{ item }} is not null)::integer{% if not loop.last %} + {% endif %}
        {%- endfor %} as n_naranjo_items_answered,
        {% for item in range(1, 11) -%}
            {{ naranjo_item_score(item) }}{% if not loop.last %} + {% endif %}
        {%- endfor %} as naranjo_score_from_items
    from events

),

scored as (

    select
        event_id,
        n_naranjo_items_answered,
        naranjo_score_from_items,
        naranjo_score_written,
        case
            when n_naranjo_items_answered > 0 then naranjo_score_from_items
            else naranjo_score_written
        end as naranjo_score,
        case
            when n_naranjo_items_answered > 0 then 'items'
            when naranjo_score_written is not null then 'file_total'
        end as naranjo_score_source,
        n_naranjo_items_answered > 0
        and naranjo_score_written is not null
        and naranjo_score_written <> naranjo_score_from_items as has_naranjo_disagreement
    from items

),

final as (

    select
        *,
        {{ naranjo_category('naranjo_score') }} as naranjo_category
    from scored

)

select * from final
