"""The Multi-item Gamma Poisson Shrinker (DuMouchel 1999): empirical Bayes geometric means of the relative
reporting ratio of every (drug, event) pair.

Each pair's count `n` (reports with the drug and the event) is Poisson with mean `lambda * E`, E the count
expected under independence, (a + b)(a + c) / N. The prior of lambda is a mixture of two gamma distributions,
p Gamma(alpha1, beta1) + (1 - p) Gamma(alpha2, beta2) (shape, rate), so that n is a mixture of two negative
binomials. The prior is fitted by maximum likelihood to the pairs with n >= 1, the likelihood conditioned on
n >= 1 (only pairs reported at least once are listed). A pair's posterior is again a mixture of two gammas,
Gamma(alpha_i + n, beta_i + E) with weights Q and 1 - Q; EBGM is its geometric mean, EB05 and EB95 its 5% and
95% quantiles.

Pairs sharing (n, E) share their likelihood term: the fit reads each distinct (n, E) once with its weight
(lossless, unlike the binned squashing of DuMouchel & Pregibon 2001).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import astuple, dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy import optimize, special, stats

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

# starting points (alpha1, beta1, alpha2, beta2, p): DuMouchel's own start and spread-out alternatives; the fit
# of highest likelihood is kept
STARTS = (
    (0.2, 0.1, 2.0, 4.0, 1 / 3),
    (0.2, 0.02, 2.0, 4.0, 0.1),
    (1.0, 1.0, 3.0, 2.0, 0.5),
    (0.5, 0.5, 5.0, 5.0, 0.8),
    (2.0, 1.0, 0.5, 0.1, 0.9),
)
# the optimiser's bounds: shapes and rates positive, the mixing weight inside (0, 1)
BOUNDS = ((1e-6, 1e3), (1e-6, 1e3), (1e-6, 1e3), (1e-6, 1e3), (1e-6, 1 - 1e-6))
# bisection steps for the posterior quantiles: the bracket shrinks by 2**-80, below a double's precision
QUANTILE_STEPS = 80


@dataclass(frozen=True)
class Prior:
    """A fitted two-gamma prior, with what the fit reached."""

    alpha1: float
    beta1: float
    alpha2: float
    beta2: float
    p: float
    neg_log_likelihood: float
    n_pairs: int
    converged: bool


def log_negative_binomial(n: np.ndarray, e: np.ndarray, alpha: float, beta: float) -> np.ndarray:
    """log P(n) when n is Poisson(lambda E) and lambda is Gamma(alpha, rate beta)."""
    return (
        special.gammaln(alpha + n)
        - special.gammaln(alpha)
        - special.gammaln(n + 1)
        + alpha * np.log(beta / (beta + e))
        + n * np.log(e / (beta + e))
    )


def neg_log_likelihood(theta: np.ndarray, n: np.ndarray, e: np.ndarray, weight: np.ndarray) -> float:
    """Minus the log-likelihood of the prior theta = (alpha1, beta1, alpha2, beta2, p) for counts n >= 1."""
    alpha1, beta1, alpha2, beta2, p = theta
    first = np.log(p) + log_negative_binomial(n, e, alpha1, beta1)
    second = np.log1p(-p) + log_negative_binomial(n, e, alpha2, beta2)
    zero = np.zeros_like(n)
    p_zero = p * np.exp(log_negative_binomial(zero, e, alpha1, beta1)) + (1 - p) * np.exp(
        log_negative_binomial(zero, e, alpha2, beta2)
    )
    return float(-np.sum(weight * (np.logaddexp(first, second) - np.log1p(-p_zero))))


def fit_prior(n: np.ndarray, e: np.ndarray) -> Prior:
    """The prior of highest likelihood over the starting points, for the pairs' counts n >= 1 and expected E."""
    n, e = np.asarray(n, dtype=float), np.asarray(e, dtype=float)
    if n.size == 0:
        raise ValueError("no pair to fit the prior to")
    if (n < 1).any() or (e <= 0).any():
        raise ValueError("every pair needs a count of at least 1 and an expected count above 0")
    distinct, weight = np.unique(np.column_stack([n, e]), axis=0, return_counts=True)
    counts, expected = distinct[:, 0], distinct[:, 1]
    best = None
    for start in STARTS:
        result = optimize.minimize(
            neg_log_likelihood,
            np.array(start),
            args=(counts, expected, weight.astype(float)),
            method="L-BFGS-B",
            bounds=BOUNDS,
        )
        if np.isfinite(result.fun) and (best is None or result.fun < best.fun):
            best = result
    if best is None:
        raise ValueError("the likelihood is not finite at any starting point")
    alpha1, beta1, alpha2, beta2, p = (float(value) for value in best.x)
    return Prior(alpha1, beta1, alpha2, beta2, p, float(best.fun), int(n.size), bool(best.success))


def posterior_weight(n: np.ndarray, e: np.ndarray, prior: Prior) -> np.ndarray:
    """Q: the posterior probability that a pair's lambda comes from the first gamma."""
    first = np.log(prior.p) + log_negative_binomial(n, e, prior.alpha1, prior.beta1)
    second = np.log1p(-prior.p) + log_negative_binomial(n, e, prior.alpha2, prior.beta2)
    return np.exp(first - np.logaddexp(first, second))


def ebgm(n: np.ndarray, e: np.ndarray, prior: Prior) -> np.ndarray:
    """The posterior geometric mean of lambda: exp(E[log lambda | n])."""
    n, e = np.asarray(n, dtype=float), np.asarray(e, dtype=float)
    q = posterior_weight(n, e, prior)
    mean_log = q * (special.digamma(prior.alpha1 + n) - np.log(prior.beta1 + e)) + (1 - q) * (
        special.digamma(prior.alpha2 + n) - np.log(prior.beta2 + e)
    )
    return np.exp(mean_log)


def posterior_quantile(n: np.ndarray, e: np.ndarray, prior: Prior, probability: float) -> np.ndarray:
    """The `probability` quantile of each pair's posterior mixture, by bisection on all pairs at once."""
    n, e = np.asarray(n, dtype=float), np.asarray(e, dtype=float)
    q = posterior_weight(n, e, prior)
    first = stats.gamma(prior.alpha1 + n, scale=1 / (prior.beta1 + e))
    second = stats.gamma(prior.alpha2 + n, scale=1 / (prior.beta2 + e))
    # the mixture's quantile lies between its components' quantiles
    low = np.minimum(first.ppf(probability), second.ppf(probability))
    high = np.maximum(first.ppf(probability), second.ppf(probability))
    for _ in range(QUANTILE_STEPS):
        middle = (low + high) / 2
        below = q * first.cdf(middle) + (1 - q) * second.cdf(middle) < probability
        low, high = np.where(below, middle, low), np.where(below, high, middle)
    return (low + high) / 2


# -- the nightly fit, on the 2x2 tables the dbt models count ----------------------------------------------

PRIOR_COLUMNS = (
    "signal_table",
    "level",
    "alpha1",
    "beta1",
    "alpha2",
    "beta2",
    "p",
    "neg_log_likelihood",
    "n_pairs",
    "converged",
    "fit_seconds",
    "fitted_at",
)


def expected_counts(pairs: pd.DataFrame) -> np.ndarray:
    """E = (a + b)(a + c) / N of each row of a table with columns a, b, c, d."""
    a, b, c, d = (pairs[column].to_numpy(dtype=float) for column in "abcd")
    return (a + b) * (a + c) / (a + b + c + d)


def fit_priors(tables: dict[tuple[str, str | None], pd.DataFrame]) -> pd.DataFrame:
    """One fitted prior per (signal table, level) whose 2x2 rows are given, with the fit's seconds and time."""
    import pandas as pd

    rows = []
    for (signal_table, level), pairs in tables.items():
        if pairs.empty:
            continue
        started = time.perf_counter()
        prior = fit_prior(pairs["a"].to_numpy(dtype=float), expected_counts(pairs))
        seconds = round(time.perf_counter() - started, 3)
        log.info(
            "MGPS prior of %s%s fitted to %d pairs in %.1f s",
            signal_table,
            f" ({level})" if level else "",
            prior.n_pairs,
            seconds,
        )
        rows.append((signal_table, level, *astuple(prior), seconds, dt.datetime.now(dt.UTC)))
    frame = pd.DataFrame.from_records(rows, columns=list(PRIOR_COLUMNS))
    return frame.astype(
        {
            # pandas strings, so that DuckDB types them VARCHAR even when every value is NULL
            "signal_table": "string",
            "level": "string",
            **dict.fromkeys(
                ("alpha1", "beta1", "alpha2", "beta2", "p", "neg_log_likelihood", "fit_seconds"), "float64"
            ),
            "n_pairs": "int64",
            "converged": "bool",
            "fitted_at": "datetime64[us, UTC]",
        }
    )


def shrink(pairs: pd.DataFrame, priors: pd.DataFrame, keys: list[str], level_column: str | None = None) -> pd.DataFrame:
    """Each pair's keys with its expected count, EBGM, EB05 and EB95 under the prior fitted to its table (or
    to its level's pairs, when `level_column` names the pairs' level)."""
    import pandas as pd

    parts = []
    groups = pairs.groupby(level_column) if level_column else [(None, pairs)]
    for level, group in groups:
        matching = priors[priors["level"].isna()] if level is None else priors[priors["level"] == level]
        if group.empty or matching.empty:
            continue
        fitted = matching.iloc[0]
        prior = Prior(
            alpha1=float(fitted["alpha1"]),
            beta1=float(fitted["beta1"]),
            alpha2=float(fitted["alpha2"]),
            beta2=float(fitted["beta2"]),
            p=float(fitted["p"]),
            neg_log_likelihood=float(fitted["neg_log_likelihood"]),
            n_pairs=int(fitted["n_pairs"]),
            converged=bool(fitted["converged"]),
        )
        n, e = group["a"].to_numpy(dtype=float), expected_counts(group)
        part = group[keys].copy()
        part["expected_count"] = e
        part["ebgm"] = ebgm(n, e, prior)
        part["eb05"] = posterior_quantile(n, e, prior, 0.05)
        part["eb95"] = posterior_quantile(n, e, prior, 0.95)
        parts.append(part)
    if parts:
        shrunk = pd.concat(parts, ignore_index=True)
    else:
        shrunk = pairs[keys].iloc[0:0].copy()
        for column in ("expected_count", "ebgm", "eb05", "eb95"):
            shrunk[column] = pd.Series(dtype="float64")
    # text keys as pandas strings: DuckDB types them VARCHAR even when there is no row
    return shrunk.astype({key: "string" for key in keys if shrunk[key].dtype == object})
