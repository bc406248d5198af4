"""Charts of N(mu, sigma^2): conversions, round trips, Jacobians, pull-back rule."""

import itertools

import mpmath as mp
import numpy as np
import pytest
from hypothesis import example, given

import natgrad_lib as ng
from ngtestkit import (
    CHART_NAMES,
    DPS,
    EXTREME_POINTS,
    MANY,
    SETTINGS,
    assert_point_close,
    charts,
    distributions,
    point_in_chart,
    ref_convert,
    ref_fisher,
    to_float,
)

PAIRS = list(itertools.product(CHART_NAMES, CHART_NAMES))
RTOL = 1e-12


def test_charts_constant():
    assert isinstance(ng.CHARTS, tuple)
    assert sorted(ng.CHARTS) == sorted(CHART_NAMES)


# ----------------------------------------------------------------------------
# to_chart
# ----------------------------------------------------------------------------
def _check_conversion(mu, s, a, b):
    theta = point_in_chart(mu, s, a)
    got = ng.to_chart(theta, a, b)
    assert isinstance(got, np.ndarray) and got.dtype.kind == "f", type(got)
    assert_point_close(
        got, ref_convert(theta, a, b), b, RTOL, what=f"to_chart({theta!r}, {a!r}, {b!r})"
    )


@MANY
@given(dist=distributions(), a=charts, b=charts)
def test_to_chart_matches_high_precision(dist, a, b):
    _check_conversion(*dist, a, b)


@pytest.mark.parametrize("a,b", PAIRS)
def test_to_chart_extremes(a, b):
    for mu, s in EXTREME_POINTS:
        _check_conversion(mu, s, a, b)


@MANY
@given(dist=distributions(), a=charts, b=charts)
@example(dist=(1e3, 1e-3), a="natural", b="mean_logstd")
@example(dist=(-1e3, 1e3), a="mean_precision", b="natural")
def test_round_trip(dist, a, b):
    theta = point_in_chart(*dist, a)
    back = ng.to_chart(ng.to_chart(theta, a, b), b, a)
    assert_point_close(back, [mp.mpf(float(t)) for t in theta], a, RTOL,
                       what=f"round trip {a}->{b}->{a} of {theta!r}")


@SETTINGS
@given(dist=distributions(), a=charts, b=charts, c=charts)
def test_conversions_compose(dist, a, b, c):
    theta = point_in_chart(*dist, a)
    direct = ng.to_chart(theta, a, c)
    via = ng.to_chart(ng.to_chart(theta, a, b), b, c)
    assert_point_close(via, [mp.mpf(float(t)) for t in direct], c, 1e-11,
                       what=f"{a}->{b}->{c} vs {a}->{c} for {theta!r}")


@pytest.mark.parametrize("chart", CHART_NAMES)
def test_identity_conversion(chart):
    for mu, s in EXTREME_POINTS:
        theta = point_in_chart(mu, s, chart)
        got = ng.to_chart(theta, chart, chart)
        np.testing.assert_allclose(got, theta, rtol=1e-15, atol=0)


def test_integer_input_gives_float_output():
    got = ng.to_chart(np.array([1, 2]), "mean_std", "mean_var")
    assert got.dtype.kind == "f"
    np.testing.assert_allclose(got, [1.0, 4.0], rtol=1e-15)
    got = ng.to_chart(np.array([3, 2]), "mean_std", "mean_std")
    assert got.dtype.kind == "f"


@pytest.mark.parametrize("chart", CHART_NAMES)
def test_known_coordinates(chart):
    # the spec's definitions of the charts, at an exactly representable point
    mu, s = 1.5, 0.5
    expected = {
        "mean_std": [1.5, 0.5],
        "mean_var": [1.5, 0.25],
        "mean_precision": [1.5, 4.0],
        "mean_logstd": [1.5, np.log(0.5)],
        "natural": [6.0, -2.0],
    }[chart]
    got = ng.to_chart(np.array([mu, s]), "mean_std", chart)
    np.testing.assert_allclose(got, expected, rtol=1e-15)
    back = ng.to_chart(np.array(expected), chart, "mean_std")
    np.testing.assert_allclose(back, [mu, s], rtol=1e-15)


# ----------------------------------------------------------------------------
# chart_jacobian
# ----------------------------------------------------------------------------
def _coord_scales(theta, a, s):
    """Natural size of each coordinate of chart `a` at theta (sigma = s)."""
    if a == "natural":
        first = max(abs(theta[0]), 1.0 / s)
    else:
        first = max(abs(theta[0]), s)
    second = max(abs(theta[1]), 1.0) if a == "mean_logstd" else abs(theta[1])
    return np.array([first, second])


def _fd_jacobian(theta, a, b, scales):
    """Central differences of the library's to_chart."""
    J = np.zeros((2, 2))
    for j in range(2):
        h = 1e-6 * scales[j]
        tp, tm = theta.copy(), theta.copy()
        tp[j] += h
        tm[j] -= h
        J[:, j] = (ng.to_chart(tp, a, b) - ng.to_chart(tm, a, b)) / (tp[j] - tm[j])
    return J


def _check_jacobian_fd(mu, s, a, b):
    theta = point_in_chart(mu, s, a)
    J = np.asarray(ng.chart_jacobian(theta, a, b))
    assert J.shape == (2, 2)
    assert np.all(np.isfinite(J)), J
    scales = _coord_scales(theta, a, s)
    fd = _fd_jacobian(theta, a, b, scales)
    # compare in scaled coordinates: entry error relative to the entry, with a
    # floor relative to the largest entry of its row
    Js, fds = J * scales, fd * scales
    for i in range(2):
        row = max(np.max(np.abs(Js[i])), np.max(np.abs(fds[i])))
        for j in range(2):
            tol = 1e-6 * abs(fds[i, j]) + 1e-9 * row
            assert abs(Js[i, j] - fds[i, j]) <= tol, (
                f"chart_jacobian({theta!r}, {a!r}, {b!r})[{i},{j}] = {J[i, j]!r}, "
                f"finite differences of to_chart give {fd[i, j]!r}"
            )


@MANY
@given(dist=distributions(), a=charts, b=charts)
def test_jacobian_matches_finite_differences(dist, a, b):
    _check_jacobian_fd(*dist, a, b)


@pytest.mark.parametrize("a,b", PAIRS)
def test_jacobian_matches_finite_differences_extremes(a, b):
    for mu, s in EXTREME_POINTS:
        _check_jacobian_fd(mu, s, a, b)


@pytest.mark.parametrize("chart", CHART_NAMES)
def test_jacobian_same_chart_is_identity(chart):
    for mu, s in EXTREME_POINTS:
        theta = point_in_chart(mu, s, chart)
        J = np.asarray(ng.chart_jacobian(theta, chart, chart))
        sc = _coord_scales(theta, chart, s)
        J_scaled = J * sc[None, :] / sc[:, None]
        np.testing.assert_allclose(J_scaled, np.eye(2), rtol=0, atol=1e-12,
                                   err_msg=f"chart_jacobian({theta!r}, {chart!r}, {chart!r}) = {J!r}")


@MANY
@given(dist=distributions(), a=charts, b=charts)
def test_jacobian_inverse_of_reverse_jacobian(dist, a, b):
    theta_a = point_in_chart(*dist, a)
    theta_b = ng.to_chart(theta_a, a, b)
    J_ab = np.asarray(ng.chart_jacobian(theta_a, a, b))
    J_ba = np.asarray(ng.chart_jacobian(theta_b, b, a))
    # compare in coordinates scaled by the natural size of each coordinate
    sa = _coord_scales(theta_a, a, dist[1])
    sb = _coord_scales(theta_b, b, dist[1])
    A = J_ab * sa[None, :] / sb[:, None]
    B = J_ba * sb[None, :] / sa[:, None]
    prod = B @ A
    bound = np.abs(B) @ np.abs(A)  # size of what the product cancels
    err = np.abs(prod - np.eye(2))
    assert np.all(err <= 1e-10 * bound + 1e-13), (
        f"J({b}->{a}) @ J({a}->{b}) at {theta_a!r} = {J_ba @ J_ab!r}, expected identity"
    )


# ----------------------------------------------------------------------------
# pull-back rule F_a = J^T F_b J
# ----------------------------------------------------------------------------
def _pullback_errors(theta_a, a, b):
    theta_b = ng.to_chart(theta_a, a, b)
    J = np.asarray(ng.chart_jacobian(theta_a, a, b), dtype=float)
    F_b = np.asarray(ng.fisher_information(theta_b, b), dtype=float)
    F_a = np.asarray(ng.fisher_information(theta_a, a), dtype=float)
    with mp.workdps(DPS):
        # exact product of the library's float matrices (no rounding added by the test)
        Jm = mp.matrix(J.tolist())
        Fbm = mp.matrix(F_b.tolist())
        P = Jm.T * Fbm * Jm
        absP = mp.matrix(np.abs(J).tolist()).T * mp.matrix(np.abs(F_b).tolist()) * mp.matrix(np.abs(J).tolist())
        Fa_ref = ref_fisher(theta_a, a)
        rel = np.zeros((2, 2))
        cond = np.zeros((2, 2))
        for i in range(2):
            for j in range(2):
                scale = mp.sqrt(abs(Fa_ref[i, i] * Fa_ref[j, j]))
                rel[i, j] = float(abs(P[i, j] - mp.mpf(float(F_a[i, j]))) / scale)
                cond[i, j] = float(absP[i, j] / scale)
    return rel, cond, F_a, P


@MANY
@given(dist=distributions(mu_range=10.0, log10_sigma=(-1.0, 1.0)), a=charts, b=charts)
def test_pullback_rule_moderate(dist, a, b):
    theta_a = point_in_chart(*dist, a)
    rel, cond, F_a, P = _pullback_errors(theta_a, a, b)
    assert rel.max() <= 1e-10, (
        f"F_{a} != J^T F_{b} J at {theta_a!r}: scaled error {rel.max():.3e}\n"
        f"F_a={F_a!r}\nJ^T F_b J={to_float(P)!r}"
    )


@MANY
@given(dist=distributions(), a=charts, b=charts)
def test_pullback_rule_full_range(dist, a, b):
    # In the natural chart the pull-back cancels terms up to (mu/sigma)^2 times
    # larger than the result; allow for that amplification of rounding errors.
    theta_a = point_in_chart(*dist, a)
    rel, cond, F_a, P = _pullback_errors(theta_a, a, b)
    assert np.all(rel <= 1e-10 * (1.0 + cond)), (
        f"F_{a} != J^T F_{b} J at {theta_a!r}: scaled errors {rel!r}, "
        f"cancellation factors {cond!r}\nF_a={F_a!r}\nJ^T F_b J={to_float(P)!r}"
    )


@pytest.mark.parametrize("a,b", PAIRS)
def test_pullback_rule_extremes(a, b):
    for mu, s in EXTREME_POINTS:
        theta_a = point_in_chart(mu, s, a)
        rel, cond, F_a, P = _pullback_errors(theta_a, a, b)
        assert np.all(rel <= 1e-10 * (1.0 + cond)), (
            f"F_{a} != J^T F_{b} J at {theta_a!r} (mu={mu}, sigma={s}): scaled errors {rel!r}"
        )
