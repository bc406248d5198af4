"""KL divergence between Gaussians in every chart."""

import mpmath as mp
import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import natgrad_lib as ng
from ngtestkit import (
    CHART_NAMES,
    DPS,
    EXTREME_POINTS,
    MANY,
    SETTINGS,
    charts,
    distributions,
    kl_rounding_scale,
    point_id,
    point_in_chart,
    ref_fisher,
    ref_kl,
)


def _check_kl(p, q, chart):
    tp, tq = point_in_chart(*p, chart), point_in_chart(*q, chart)
    got = ng.kl_divergence(tp, tq, chart)
    assert np.ndim(got) == 0, f"kl_divergence must return a scalar, got {got!r}"
    got = float(got)
    assert np.isfinite(got)
    ref = ref_kl(tp, tq, chart)
    tol = 1e-12 * abs(float(ref)) + 1e-14 * kl_rounding_scale(tp, tq, chart)
    with mp.workdps(DPS):
        err = float(abs(mp.mpf(got) - ref))
    assert err <= tol, (
        f"kl_divergence({tp!r}, {tq!r}, {chart!r}) = {got!r}, expected {mp.nstr(ref, 17)} "
        f"(error {err:.3e} > {tol:.3e})"
    )
    return got


@MANY
@given(p=distributions(), q=distributions(), chart=charts)
@example(p=(1e3, 1e-3), q=(-1e3, 1e3), chart="natural")
@example(p=(-1e3, 1e3), q=(1e3, 1e-3), chart="mean_logstd")
def test_kl_matches_high_precision(p, q, chart):
    _check_kl(p, q, chart)


@pytest.mark.parametrize("chart", CHART_NAMES)
def test_kl_extreme_pairs(chart):
    for p in EXTREME_POINTS:
        for q in EXTREME_POINTS:
            _check_kl(p, q, chart)


def test_kl_simple_values():
    # KL(N(0,1) || N(1,1)) = 1/2 ; KL(N(0,1) || N(0,2^2)) = log 2 + 1/8 - 1/2
    assert ng.kl_divergence(np.array([0.0, 1.0]), np.array([1.0, 1.0]), "mean_std") == pytest.approx(0.5, rel=1e-14)
    assert ng.kl_divergence(np.array([0.0, 1.0]), np.array([0.0, 2.0]), "mean_std") == pytest.approx(
        np.log(2.0) + 0.125 - 0.5, rel=1e-14)


@MANY
@given(p=distributions(), chart=charts,
       dmu=st.floats(-1e-3, 1e-3), dlog=st.floats(-1e-3, 1e-3))
def test_kl_nonnegative(p, chart, dmu, dlog):
    # q close to p (the hard case for cancellation) and q far from p
    mu, s = p
    q = (mu + dmu * s, s * np.exp(dlog))
    tp, tq = point_in_chart(mu, s, chart), point_in_chart(*q, chart)
    tol = 1e-14 * kl_rounding_scale(tp, tq, chart)
    for a, b in ((tp, tq), (tq, tp)):
        kl = float(ng.kl_divergence(a, b, chart))
        assert np.isfinite(kl) and kl >= -tol, f"KL({a!r} || {b!r}) in {chart} = {kl!r} < 0"
    far = point_in_chart(mu + 3 * s, 2 * s, chart)
    assert float(ng.kl_divergence(tp, far, chart)) > 0


@MANY
@given(p=distributions(), chart=charts)
def test_kl_of_distribution_with_itself_is_zero(p, chart):
    tp = point_in_chart(*p, chart)
    kl = float(ng.kl_divergence(tp, tp.copy(), chart))
    assert abs(kl) <= 1e-13, f"KL(p || p) = {kl!r} at {tp!r} in {chart}"


@MANY
@given(p=distributions(), q=distributions(), a=charts, b=charts)
def test_kl_is_the_same_in_every_chart(p, q, a, b):
    tp_a, tq_a = point_in_chart(*p, a), point_in_chart(*q, a)
    kl_a = float(ng.kl_divergence(tp_a, tq_a, a))
    tp_b, tq_b = ng.to_chart(tp_a, a, b), ng.to_chart(tq_a, a, b)
    kl_b = float(ng.kl_divergence(tp_b, tq_b, b))
    scale = kl_rounding_scale(tp_a, tq_a, a)
    assert abs(kl_a - kl_b) <= 1e-12 * abs(kl_a) + 1e-13 * scale, (
        f"KL in {a} = {kl_a!r} but in {b} = {kl_b!r} for p={p}, q={q}"
    )


# ----------------------------------------------------------------------------
# second-order Taylor expansion: KL(theta || theta + delta) = 1/2 delta^T F delta + O(|delta|^3)
# ----------------------------------------------------------------------------
T_VALUES = 0.1 * 2.0 ** -np.arange(8)  # Fisher lengths 0.1 ... 7.8e-4


def _whitened_direction(theta, chart, angle):
    """delta (float) with delta^T F delta = 1, from a 50-digit eigen-decomposition
    of the closed-form Fisher (the natural chart can be very ill-conditioned)."""
    with mp.workdps(DPS):
        w, V = mp.eigsy(ref_fisher(theta, chart))
        u = [mp.cos(angle), mp.sin(angle)]
        d = [sum(V[i, k] * u[k] / mp.sqrt(w[k]) for k in range(2)) for i in range(2)]
        return np.array([float(v) for v in d])


def _taylor_remainders(p, chart, angle):
    theta = point_in_chart(*p, chart)
    F = np.asarray(ng.fisher_information(theta, chart))
    d = _whitened_direction(theta, chart, angle)
    out = []
    for t in T_VALUES:
        theta2 = theta + t * d
        delta = theta2 - theta  # the step actually taken in floating point
        kl = float(ng.kl_divergence(theta, theta2, chart))
        with mp.workdps(DPS):
            quad = mp.mpf(0)
            for i in range(2):
                for j in range(2):
                    quad += mp.mpf(float(delta[i])) * mp.mpf(float(F[i, j])) * mp.mpf(float(delta[j]))
            out.append((t, float(mp.mpf(kl) - quad / 2), float(quad / 2)))
    return theta, out


@SETTINGS
@given(p=distributions(mu_range=1e3, log10_sigma=(-3, 3)), chart=charts,
       angle=st.floats(0, 2 * np.pi))
@example(p=(0.0, 1.0), chart="mean_std", angle=1.0)
def test_kl_taylor_remainder_is_cubic(p, chart, angle):
    theta, rows = _taylor_remainders(p, chart, angle)
    for t, r, q in rows:
        # in Fisher-whitened units the cubic coefficient is a bounded constant
        # (standardised third cumulants); rounding floor well below t^3
        assert q == pytest.approx(t * t / 2, rel=1e-3), (t, q)
        assert abs(r) <= 3.0 * t**3 + 1e-12, (
            f"KL(theta||theta+delta) - delta^T F delta / 2 = {r:.3e} for |delta|_F = {t:g} "
            f"at {theta!r} in {chart} (not O(|delta|^3))"
        )
    # and the remainder really shrinks faster than t^2: fitted slope ~3 when it
    # is not dominated by rounding
    ts = np.array([t for t, r, q in rows])
    rs = np.array([abs(r) for t, r, q in rows])
    keep = rs > 1e-11
    if keep.sum() >= 4:
        slope = np.polyfit(np.log(ts[keep]), np.log(rs[keep]), 1)[0]
        assert slope > 2.6, f"log-log slope of the Taylor remainder {slope:.2f} (expected ~3)"


@pytest.mark.parametrize("chart", CHART_NAMES)
@pytest.mark.parametrize("point", [(0.0, 1.0), (1e3, 1.0), (-3.0, 1e-3), (5.0, 1e3)], ids=point_id)
def test_kl_taylor_slope_is_three(chart, point):
    theta, rows = _taylor_remainders(point, chart, angle=0.6)
    ts = np.array([t for t, r, q in rows])
    rs = np.array([abs(r) for t, r, q in rows])
    slope = np.polyfit(np.log(ts), np.log(rs), 1)[0]
    assert 2.7 < slope < 3.3, f"log-log slope {slope:.3f} at {theta!r} in {chart}; remainders {rs!r}"
