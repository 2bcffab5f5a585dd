-- The figures the study reports, one row per metric. `value` is the percentage (0-100, one decimal)
-- of numerator over denominator for a share, and the figure itself when there is no denominator: a
-- count, or for mean_latency_days the mean in days (one decimal), which has no denominator so that every
-- row with one is a percentage, as the analysts' contract says.

with

patients as (

    select * from {{ ref('int_patients_summarised') }}
    where is_included

),

pv_cases as (

    select * from {{ ref('int_pv_cases_classified') }}

),

hospital as (

    select
        count(*) as n_included,
        count(*) filter (where n_cohort_reactions > 0) as n_with_reaction,
        count(*) filter (where has_withdrawal_without_rechallenge) as n_withdrawn_without_rechallenge,
        sum(first_reaction_latency_days) as total_latency_days,
        count(*) filter (where has_recall_syndrome) as n_with_recall_syndrome
    from patients

),

national as (

    select
        count(*) filter (where is_in_query) as n_in_query,
        count(*) filter (where is_in_query and is_withdrawn) as n_withdrawn,
        count(*) filter (where is_in_query_incl_injection_site_terms) as n_incl_injection_site_terms
    from pv_cases

),

metrics as (

    select
        1 as metric_order,
        'patients_included' as metric,
        n_included as numerator,
        null as denominator
    from hospital
    union all
    select
        2,
        'patients_with_skin_reaction',
        n_with_reaction,
        n_included
    from hospital
    union all
    select
        3,
        'patients_withdrawn_without_rechallenge',
        n_withdrawn_without_rechallenge,
        n_included
    from hospital
    union all
    select
        4,
        'mean_latency_days',
        round(total_latency_days / nullif(n_with_reaction, 0), 1),
        null
    from hospital
    union all
    select
        5,
        'patients_with_recall_syndrome',
        n_with_recall_syndrome,
        n_included
    from hospital
    union all
    select
        6,
        'pv_cases',
        n_in_query,
        null
    from national
    union all
    select
        7,
        'pv_cases_withdrawn',
        n_withdrawn,
        n_in_query
    from national
    union all
    select
        8,
        'pv_cases_incl_injection_site_terms',
        n_incl_injection_site_terms,
        null
    from national

),

final as (

    select
        metric_order,
        metric,
        cast(numerator as double) as numerator,
        cast(denominator as bigint) as denominator,
        -- `value` is the column name the analysts' contract fixes
        case
            when denominator is not null then round(100.0 * numerator / nullif(denominator, 0), 1)
            else cast(numerator as double)
        end as value,  -- noqa: RF04
        case
            when metric = 'mean_latency_days' then 'days'
            when denominator is not null then 'percent'
            when metric like 'pv_%' then 'cases'
            else 'patients'
        end as unit
    from metrics

)

select * from final
