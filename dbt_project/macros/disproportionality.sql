{#- Disproportionality of every row of `counted` (its `keys` and the 2x2 counts a, b, c, d): ROR and PRR with
    their 95% intervals, Yates's chi-square, the information component and its 2.5% quantile, and the signal
    flags; and EBGM, EB05 and EB95 from `shrunk`, joined on `shrunk_keys`. A statistic whose formula divides by
    zero (or takes the log of zero) is NULL: no continuity correction, no infinity; a NULL statistic raises no
    flag. -#}
{% macro disproportionality(counted, keys, shrunk, shrunk_keys) -%}

with

pairs as (

    select
        counted.*,
        cast(counted.a + counted.b + counted.c + counted.d as double) as n,
        -- expected count of the pair were drug and term independent (BCPNN, MGPS)
        cast(counted.a + counted.b as double) * (counted.a + counted.c)
        / (counted.a + counted.b + counted.c + counted.d) as expected,
        -- the MGPS posterior of the relative reporting ratio (pv_warehouse.transform.mgps)
        shrunk.ebgm,
        shrunk.eb05,
        shrunk.eb95
    from {{ counted }} as counted
    left join {{ shrunk }} as shrunk
        on
        {%- for key in shrunk_keys %}
            {% if not loop.first %}and {% endif %}counted.{{ key }} = shrunk.{{ key }}
        {%- endfor %}

),

statistics as (

    select
        {%- for key in keys %}
        {{ key }},
        {%- endfor %}
        a,
        b,
        c,
        d,

        -- reporting odds ratio, 95% interval on the log scale
        case when b * c > 0 then cast(a * d as double) / (b * c) end as ror,
        case
            when least(a, b, c, d) > 0
                then exp(ln(cast(a * d as double) / (b * c)) - 1.96 * sqrt(1.0 / a + 1.0 / b + 1.0 / c + 1.0 / d))
        end as ror_lower,
        case
            when least(a, b, c, d) > 0
                then exp(ln(cast(a * d as double) / (b * c)) + 1.96 * sqrt(1.0 / a + 1.0 / b + 1.0 / c + 1.0 / d))
        end as ror_upper,

        -- proportional reporting ratio, 95% interval on the log scale
        case when c > 0 then (cast(a as double) / (a + b)) / (cast(c as double) / (c + d)) end as prr,
        case
            when c > 0
                then exp(
                    ln((cast(a as double) / (a + b)) / (cast(c as double) / (c + d)))
                    - 1.96 * sqrt(greatest(1.0 / a - 1.0 / (a + b) + 1.0 / c - 1.0 / (c + d), 0))
                )
        end as prr_lower,
        case
            when c > 0
                then exp(
                    ln((cast(a as double) / (a + b)) / (cast(c as double) / (c + d)))
                    + 1.96 * sqrt(greatest(1.0 / a - 1.0 / (a + b) + 1.0 / c - 1.0 / (c + d), 0))
                )
        end as prr_upper,

        -- chi-square with Yates's correction, never pushing |ad - bc| past zero
        case
            when cast(a + b as double) * (c + d) * (a + c) * (b + d) > 0
                then
                    n * pow(greatest(abs(cast(a * d as double) - cast(b * c as double)) - n / 2, 0), 2)
                    / (cast(a + b as double) * (c + d) * (a + c) * (b + d))
        end as chi2,

        -- information component (BCPNN) and the 2.5% quantile of its Gamma posterior
        log2((a + 0.5) / (expected + 0.5)) as ic,
        log2(pv_gamma_quantile(0.025, a + 0.5, expected + 0.5)) as ic025,

        -- empirical Bayes geometric mean (MGPS) and its 5% and 95% posterior quantiles
        ebgm,
        eb05,
        eb95

    from pairs

),

flagged as (

    select
        *,
        coalesce(ror_lower > 1 and a >= 3, false) as is_ror_signal,
        -- Evans's criteria
        coalesce(prr >= 2 and chi2 >= 4 and a >= 3, false) as is_prr_signal,
        coalesce(ic025 > 0, false) as is_ic_signal
    from statistics

)

select * from flagged

{%- endmacro %}
