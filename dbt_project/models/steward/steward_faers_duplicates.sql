-- Probable duplicate reports (faers_probable_duplicates): how many groups, how many reports in them, and how
-- many the signals leave out under the var faers_drop_probable_duplicates.

with

duplicates as (

    select * from {{ ref('int_faers_probable_duplicates') }}

),

final as (

    select
        count(distinct duplicate_group) as n_groups,
        count(*) as n_reports,
        {% if var('faers_drop_probable_duplicates') -%}
            count(*) filter (where not is_kept)
        {%- else -%}
            0
        {%- endif %} as n_dropped_from_signals
    from duplicates

)

select * from final
