"""The MGPS of pv_warehouse.transform.mgps against computations written here with scipy's distributions and
numerical integration, never its closed forms.

- The likelihood: each count a >= 1 is a mixture of two negative binomials (scipy.stats.nbinom with n = alpha,
  p = beta / (beta + E)), divided by the mixture's probability of a >= 1.
- The fit, on counts drawn from a known prior: the maximum likelihood is at least the likelihood at the true
  prior, no optimiser started from the fitted prior finds a higher one, and the true prior is recovered.
- The posterior: EBGM = exp(E[log lambda | a]) and the 5% and 95% quantiles, integrating prior x Poisson
  likelihood with scipy.integrate.quad and solving for the quantiles with brentq.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from pytest import approx
from scipy import integrate, optimize, stats

from pv_warehouse.transform import mgps

pytestmark = pytest.mark.unit

# the true prior of the simulated pairs: 30% of pairs with a spread-out ratio, 70% around 1
TRUE = (0.5, 0.5, 5.0, 5.0, 0.3)


def independent_neg_log_likelihood(theta: tuple[float, ...], n: np.ndarray, e: np.ndarray) -> float:
    alpha1, beta1, alpha2, beta2, p = theta
    mixture = p * stats.nbinom.pmf(n, alpha1, beta1 / (beta1 + e)) + (1 - p) * stats.nbinom.pmf(
        n, alpha2, beta2 / (beta2 + e)
    )
    zero = p * stats.nbinom.pmf(0, alpha1, beta1 / (beta1 + e)) + (1 - p) * stats.nbinom.pmf(
        0, alpha2, beta2 / (beta2 + e)
    )
    return float(-np.sum(np.log(mixture / (1 - zero))))


@pytest.fixture(scope="module")
def simulated() -> tuple[np.ndarray, np.ndarray]:
    """20,000 pairs drawn from TRUE, with expected counts spread as in FAERS; the pairs with a >= 1 kept."""
    rng = np.random.default_rng(20261204)
    size = 20_000
    e = np.round(rng.gamma(0.5, 2.0, size) + 0.01, 3)
    alpha1, beta1, alpha2, beta2, p = TRUE
    first = rng.random(size) < p
    ratio = np.where(first, rng.gamma(alpha1, 1 / beta1, size), rng.gamma(alpha2, 1 / beta2, size))
    n = rng.poisson(ratio * e)
    return n[n >= 1].astype(float), e[n >= 1]


@pytest.fixture(scope="module")
def fitted(simulated) -> mgps.Prior:
    return mgps.fit_prior(*simulated)


def test_the_likelihood_is_the_truncated_negative_binomial_mixture(simulated) -> None:
    n, e = simulated
    for theta in (TRUE, (0.2, 0.1, 2.0, 4.0, 1 / 3), (1.5, 0.7, 0.3, 0.2, 0.6)):
        weight = np.ones_like(n)
        assert mgps.neg_log_likelihood(np.array(theta), n, e, weight) == approx(
            independent_neg_log_likelihood(theta, n, e), rel=1e-10
        )


def test_the_fit_reaches_the_maximum_likelihood(simulated, fitted: mgps.Prior) -> None:
    n, e = simulated
    theta = (fitted.alpha1, fitted.beta1, fitted.alpha2, fitted.beta2, fitted.p)
    assert fitted.n_pairs == len(n) > 7000
    assert fitted.converged
    assert fitted.neg_log_likelihood == approx(independent_neg_log_likelihood(theta, n, e), rel=1e-10)
    # a maximum: no higher likelihood at the truth, nor from Nelder-Mead started at the fitted prior
    assert fitted.neg_log_likelihood <= independent_neg_log_likelihood(TRUE, n, e)
    polished = optimize.minimize(
        lambda x: independent_neg_log_likelihood(tuple(x), n, e) if min(x) > 0 and x[4] < 1 else math.inf,
        np.array(theta),
        method="Nelder-Mead",
        options={"xatol": 1e-8, "fatol": 1e-8, "maxiter": 4000},
    )
    assert polished.fun >= fitted.neg_log_likelihood - 1e-4
    # the true prior, recovered: the mean of the ratio and the weight of the spread-out component
    mean = fitted.p * fitted.alpha1 / fitted.beta1 + (1 - fitted.p) * fitted.alpha2 / fitted.beta2
    true_mean = TRUE[4] * TRUE[0] / TRUE[1] + (1 - TRUE[4]) * TRUE[2] / TRUE[3]
    assert mean == approx(true_mean, rel=0.1)
    spread = fitted.p if fitted.alpha1 / fitted.beta1**2 > fitted.alpha2 / fitted.beta2**2 else 1 - fitted.p
    assert spread == approx(TRUE[4], abs=0.12)


def posterior_by_integration(n: int, e: float, prior: mgps.Prior) -> tuple[float, float, float]:
    """(EBGM, 5% quantile, 95% quantile) of lambda | n, integrating prior density x Poisson likelihood over
    u = log(lambda), where the density has no pole."""

    def density(u: float) -> float:
        ratio = math.exp(u)
        prior_density = prior.p * stats.gamma.pdf(ratio, prior.alpha1, scale=1 / prior.beta1) + (
            1 - prior.p
        ) * stats.gamma.pdf(ratio, prior.alpha2, scale=1 / prior.beta2)
        return prior_density * stats.poisson.pmf(n, ratio * e) * ratio

    low_u, high_u = -60.0, math.log(50 * (n + 1) / e + 100)
    peaks = [
        math.log(value)
        for value in (n / e, (n + prior.alpha1) / (e + prior.beta1), (n + prior.alpha2) / (e + prior.beta2))
    ]
    total = integrate.quad(density, low_u, high_u, limit=400, points=peaks)[0]
    mean_log = integrate.quad(lambda u: u * density(u), low_u, high_u, limit=400, points=peaks)[0] / total

    def cdf(u: float) -> float:
        return integrate.quad(density, low_u, u, limit=400, points=[p for p in peaks if p < u] or None)[0] / total

    low = optimize.brentq(lambda u: cdf(u) - 0.05, low_u + 1e-9, high_u, xtol=1e-12)
    high = optimize.brentq(lambda u: cdf(u) - 0.95, low_u + 1e-9, high_u, xtol=1e-12)
    return math.exp(mean_log), math.exp(low), math.exp(high)


@pytest.mark.parametrize(("n", "e"), [(1, 0.05), (1, 2.0), (3, 0.2), (8, 1.5), (25, 4.0), (2, 30.0)])
def test_ebgm_and_its_quantiles_are_the_posteriors(fitted: mgps.Prior, n: int, e: float) -> None:
    geometric_mean, low, high = posterior_by_integration(n, e, fitted)
    counts, expected = np.array([n], dtype=float), np.array([e])
    assert mgps.ebgm(counts, expected, fitted)[0] == approx(geometric_mean, rel=1e-6)
    assert mgps.posterior_quantile(counts, expected, fitted, 0.05)[0] == approx(low, rel=1e-5)
    assert mgps.posterior_quantile(counts, expected, fitted, 0.95)[0] == approx(high, rel=1e-5)
    assert low < geometric_mean < high


def test_counts_below_one_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        mgps.fit_prior(np.array([0.0, 2.0]), np.array([1.0, 1.0]))
