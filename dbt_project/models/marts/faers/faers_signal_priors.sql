with

priors as (

    select * from {{ ref('int_faers_signal_priors') }}

),

final as (

    select
        signal_table,
        level,
        alpha1,
        beta1,
        alpha2,
        beta2,
        p,
        neg_log_likelihood,
        n_pairs,
        converged,
        fit_seconds,
        fitted_at
    from priors

)

select * from final
