"""natgrad_lib.online: running-mean identity, exact variance recursion, Monte Carlo, limits."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from ngtestkit import SETTINGS

from natgrad_lib import online

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_subnormal=False)
streams = st.lists(finite, min_size=1, max_size=60)
sigmas = st.floats(-2.0, 2.0).map(lambda e: 10.0**e)


@SETTINGS
@given(x=streams, sigma=sigmas, mu0=finite)
def test_natural_path_is_the_running_mean_whatever_mu0(x, sigma, mu0):
    x = np.array(x)
    path = online.online_mean(x, sigma, mu0=mu0)
    running = np.array([math.fsum(x[:t]) / t for t in range(1, x.size + 1)])
    scale = 1.0 + np.max(np.abs(x))
    np.testing.assert_allclose(path, running, rtol=0, atol=1e-12 * scale * x.size)


@SETTINGS
@given(x=streams, sigma=sigmas, lr0=st.floats(0.1, 3.0), mu0=finite)
def test_plain_gd_is_the_gain_recursion_with_a_over_sigma_squared(x, sigma, lr0, mu0):
    x = np.array(x)
    a = lr0 / sigma**2
    expected, mu = [], mu0
    for t, xt in enumerate(x, start=1):
        grad = -(xt - mu) / sigma**2  # gradient of (x - mu)^2 / (2 sigma^2)
        mu = mu - (lr0 / t) * grad
        expected.append(mu)
    if not np.all(np.isfinite(expected)) or np.max(np.abs(expected)) > 1e200:
        return
    path = online.online_mean(x, sigma, mu0=mu0, lr0=lr0, natural=False)
    np.testing.assert_allclose(path, expected, rtol=1e-9, atol=1e-9 * (1.0 + np.max(np.abs(expected))))
    assert online.gain(sigma, lr0, natural=False) == pytest.approx(a)


def test_vectorised_over_leading_axes():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 50))
    path = online.online_mean(x, 0.7, mu0=1.0, lr0=1.5, natural=False)
    assert path.shape == x.shape
    for idx in np.ndindex(2, 3):
        np.testing.assert_array_equal(path[idx], online.online_mean(x[idx], 0.7, 1.0, 1.5, False))


@SETTINGS
@given(sigma=sigmas)
def test_exact_recursion_with_unit_gain_is_the_cramer_rao_bound(sigma):
    t = np.arange(1, 501)
    np.testing.assert_allclose(online.gain_variance(1.0, sigma, 500), sigma**2 / t, rtol=1e-12)


@pytest.mark.parametrize("a", [0.3, 1.0, 4.0])
def test_recursion_matches_monte_carlo(a):
    runs, T, sigma = 4000, 200, 1.3
    rng = np.random.default_rng(11)
    x = 5.0 + sigma * rng.standard_normal((runs, T))
    path = online.online_mean(x, sigma, mu0=-2.0, lr0=a * sigma**2, natural=False)
    v = online.gain_variance(a, sigma, T)
    se = math.sqrt(2.0 / (runs - 1))  # relative standard error of a Gaussian sample variance
    for t in (1, 10, 50, 200):
        ratio = np.var(path[:, t - 1], ddof=1) / v[t - 1]
        assert abs(ratio - 1.0) < 4 * se, (a, t, ratio)


@pytest.mark.parametrize("a", [0.75, 1.0, 1.5, 4.0])
def test_t_times_variance_tends_to_the_limit(a):
    sigma = 0.8
    v = online.gain_variance(a, sigma, 200_000)
    limit = online.asymptotic_variance_ratio(a) * sigma**2
    assert v[-1] * v.size == pytest.approx(limit, rel=2e-3)
    # the error shrinks as t grows
    assert abs(v[-1] * v.size - limit) <= abs(v[999] * 1000 - limit) + 1e-12


def test_small_gain_decays_slower_than_one_over_t():
    a = 0.25
    v = online.gain_variance(a, 1.0, 100_000)
    slope = math.log(v[-1] / v[9_999]) / math.log(10.0)
    assert slope == pytest.approx(-2 * a, abs=0.01)
    assert v[-1] * v.size > 10 * v[99] * 100


@SETTINGS
@given(a=st.floats(0.5001, 50.0))
def test_ratio_is_at_least_one_with_equality_at_one(a):
    r = online.asymptotic_variance_ratio(a)
    assert r >= 1.0 - 1e-15
    assert r == pytest.approx(a * a / (2 * a - 1))
    assert online.asymptotic_variance_ratio(1.0) == 1.0


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: online.online_mean([], 1.0), "x"),
        (lambda: online.online_mean([1.0, np.nan], 1.0), "x"),
        (lambda: online.online_mean(3.0, 1.0), "x"),
        (lambda: online.online_mean([1.0], 0.0), "sigma"),
        (lambda: online.online_mean([1.0], 1.0, mu0=np.inf), "mu0"),
        (lambda: online.online_mean([1.0], 1.0, lr0=-1.0), "lr0"),
        (lambda: online.online_mean([1.0], 1.0, natural="yes"), "natural"),
        (lambda: online.online_mean([1e300] * 3, 1e-3, lr0=1e3, natural=False), "overflow"),
        (lambda: online.gain_variance(0.0, 1.0, 5), "gamma"),
        (lambda: online.gain_variance(1.0, -1.0, 5), "sigma"),
        (lambda: online.gain_variance(1.0, 1.0, 0), "T"),
        (lambda: online.gain_variance(1.0, 1.0, 2.5), "T"),
        (lambda: online.asymptotic_variance_ratio(0.5), "gamma"),
        (lambda: online.asymptotic_variance_ratio(0.2), "gamma"),
        (lambda: online.asymptotic_variance_ratio("1"), "gamma"),
        (lambda: online.asymptotic_variance_ratio(np.nan), "gamma"),
    ],
)
def test_bad_input_raises_naming_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()
