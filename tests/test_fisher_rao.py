"""The Fisher-Rao geometry of N(mu, sigma^2): closed forms against the metric itself.

The closed-form distance, geodesics and balls of natgrad_lib.fisher_rao are checked against
what defines them: a high-precision evaluation of the textbook arccosh formula, the geodesic
equations solved numerically with the length integrated along the way, the Fisher information
(the metric) for short displacements, the curvature of the metric derived with SymPy, and the
invariance of the distance under affine maps of the sample space.
"""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

import natgrad_lib as ng
from natgrad_lib import fisher_rao as fr
from ngtestkit import MANY, SETTINGS, distributions, moderate_distributions

RTOL = 1e-12


def _reference_distance(p, q):
    """sqrt 2 arccosh(1 + x), x = ((mu1 - mu2)^2 / 2 + (s1 - s2)^2) / (2 s1 s2), with 50 digits.

    As arccosh(1 + x) = log1p(x + sqrt(x (2 + x))), so that a tiny x keeps its digits.
    """
    with mp.workdps(50):
        mu1, s1, mu2, s2 = (mp.mpf(float(v)) for v in (*p, *q))
        x = ((mu1 - mu2) ** 2 / 2 + (s1 - s2) ** 2) / (2 * s1 * s2)
        return float(mp.sqrt(2) * mp.log1p(x + mp.sqrt(x * (2 + x))))


@MANY
@given(p=distributions(), q=distributions())
def test_distance_equals_the_arccosh_formula_to_rounding(p, q):
    expected = _reference_distance(p, q)
    got = fr.fisher_rao_distance(p, q)
    assert got == pytest.approx(expected, rel=RTOL, abs=1e-300), (p, q)


@SETTINGS
@given(p=distributions(), q=distributions(), r=distributions())
def test_distance_is_a_metric(p, q, r):
    d = fr.fisher_rao_distance
    assert d(p, p) == 0.0
    assert d(p, q) == pytest.approx(d(q, p), rel=RTOL)
    assert d(p, r) <= (d(p, q) + d(q, r)) * (1 + 1e-12)


@SETTINGS
@given(p=moderate_distributions, q=moderate_distributions, a=st.floats(-5, 5).filter(lambda a: abs(a) > 0.05),
       b=st.floats(-10, 10))
def test_distance_is_invariant_under_affine_maps_of_the_sample_space(p, q, a, b):
    # x -> a x + b maps N(mu, s^2) to N(a mu + b, (|a| s)^2); the Fisher-Rao distance is an
    # invariant of the family, not of its coordinates.
    def move(t):
        return (a * t[0] + b, abs(a) * t[1])

    assert fr.fisher_rao_distance(move(p), move(q)) == pytest.approx(fr.fisher_rao_distance(p, q), rel=1e-11)


@pytest.mark.parametrize("theta", [(0.0, 1.0), (2.0, 0.3), (-30.0, 7.0)])
def test_short_distances_are_measured_by_the_fisher_information(theta):
    # d(theta, theta + delta)^2 = delta^T F delta + O(|delta|^3)
    F = ng.fisher_information(theta, "mean_std")
    rng = np.random.default_rng(0)
    for direction in rng.standard_normal((5, 2)):
        direction *= theta[1] / np.linalg.norm(direction)
        errors = []
        for h in (1e-2, 1e-3):
            delta = h * direction
            d2 = fr.fisher_rao_distance(theta, np.add(theta, delta)) ** 2
            errors.append(abs(d2 - delta @ F @ delta) / (delta @ F @ delta))
        assert errors[1] < 2e-3 and errors[1] < errors[0] / 5, errors


def test_curvature_of_the_fisher_metric_is_minus_one_half():
    mu, s = sp.symbols("mu sigma", positive=True)
    E, G = 1 / s**2, 2 / s**2  # ds^2 = E dmu^2 + G dsigma^2, no cross term
    # Brioschi's formula for an orthogonal metric
    K = -(sp.diff(sp.diff(G, mu) / sp.sqrt(E * G), mu) + sp.diff(sp.diff(E, s) / sp.sqrt(E * G), s)) / (
        2 * sp.sqrt(E * G))
    assert sp.simplify(K) == sp.Rational(-1, 2)


@SETTINGS
@given(p=moderate_distributions, q=moderate_distributions)
def test_geodesic_has_its_ends_and_constant_speed(p, q):
    t = np.linspace(0.0, 1.0, 7)
    points = fr.geodesic(p, q, t)
    assert np.allclose(points[0], p, rtol=RTOL, atol=0) and np.allclose(points[-1], q, rtol=1e-11, atol=1e-13)
    d = fr.fisher_rao_distance(p, q)
    along = [fr.fisher_rao_distance(p, x) for x in points]
    assert np.allclose(along, t * d, rtol=1e-9, atol=1e-11 * max(d, 1.0)), (along, t * d)


@pytest.mark.parametrize("p,q", [((-1.0, 0.5), (2.0, 1.5)), ((0.0, 1.0), (0.0, 3.0)), ((3.0, 0.2), (-3.0, 0.2)),
                                 ((0.0, 1.0), (1e-6, 1.0 + 1e-6)), ((-40.0, 2.0), (50.0, 0.1))])
def test_the_geodesic_equations_reach_the_far_end_with_the_closed_form_length(p, q):
    # the ODE of the Christoffel symbols, started with the closed form's initial velocity, must
    # reach q at s = 1; the length it integrates must be the closed-form distance
    v = fr.geodesic_velocity(p, q)
    points, lengths = fr.integrate_geodesic(p, v, 1.0, n_points=11)
    d = fr.fisher_rao_distance(p, q)
    assert lengths[-1] == pytest.approx(d, rel=1e-8)
    scale = np.array([max(abs(p[0]), abs(q[0]), p[1], q[1])] * 2)
    assert np.all(np.abs(points[-1] - q) <= 1e-8 * scale), (points[-1], q)
    assert np.allclose(points, fr.geodesic(p, q, np.linspace(0, 1, 11)), rtol=1e-8, atol=1e-8 * scale[0])


@SETTINGS
@given(p=moderate_distributions, v=st.tuples(st.floats(-3, 3), st.floats(-3, 3)), s=st.floats(0.0, 1.5))
def test_exp_map_solves_the_geodesic_equations(p, v, s):
    if math.hypot(*v) < 1e-3:
        return
    v = np.array(v) * p[1]  # speeds comparable to sigma
    closed = fr.exp_map(p, v, [s])[0]
    if s == 0.0:
        assert np.array_equal(closed, p)
        return
    points, lengths = fr.integrate_geodesic(p, v, s, n_points=2)
    assert np.allclose(points[-1], closed, rtol=1e-8, atol=1e-9 * p[1]), (points[-1], closed)
    assert fr.fisher_rao_distance(p, closed) == pytest.approx(lengths[-1], rel=1e-8)


@SETTINGS
@given(p=moderate_distributions, q=moderate_distributions)
def test_exp_map_of_the_geodesic_velocity_lands_on_the_far_end(p, q):
    got = fr.exp_map(p, fr.geodesic_velocity(p, q), [1.0])[0]
    assert np.allclose(got, q, rtol=1e-9, atol=1e-12)


def test_geodesics_are_half_ellipses_with_axes_sqrt2_to_1():
    p, q = (-1.0, 0.5), (2.0, 1.5)
    points = fr.geodesic(p, q, np.linspace(-3, 4, 50))
    # (mu - c)^2 / 2 + sigma^2 = R^2 for one centre c on the axis sigma = 0
    A = np.column_stack([points[:, 0], np.ones(len(points))])
    rhs = points[:, 0] ** 2 / 2 + points[:, 1] ** 2
    (slope, intercept), *_ = np.linalg.lstsq(A, rhs, rcond=None)
    c = slope  # (mu - c)^2 / 2 = mu^2/2 - c mu + c^2/2
    assert np.allclose((points[:, 0] - c) ** 2 / 2 + points[:, 1] ** 2, intercept + c**2 / 2, rtol=1e-10)


@SETTINGS
@given(p=distributions(mu_range=100.0, log10_sigma=(-2.0, 2.0)), r=st.floats(1e-3, 5.0))
def test_ball_points_lie_at_the_radius(p, r):
    ball = fr.fisher_rao_ball(p, r, n_points=12)
    assert np.allclose([fr.fisher_rao_distance(p, x) for x in ball], r, rtol=1e-10)


@pytest.mark.parametrize("call, name", [
    (lambda: fr.fisher_rao_distance([0.0, -1.0], [0.0, 1.0]), "theta1"),
    (lambda: fr.fisher_rao_distance([0.0, 1.0], [math.nan, 1.0]), "theta2"),
    (lambda: fr.geodesic([0.0, 1.0], [1.0, 1.0], [0.0, math.inf]), "t must"),
    (lambda: fr.geodesic_velocity([0.0, 1.0], [1.0, 0.0]), "theta2"),
    (lambda: fr.integrate_geodesic([0.0, 1.0], [1.0], 1.0), "velocity"),
    (lambda: fr.integrate_geodesic([0.0, 1.0], [1.0, 0.0], 0.0), "s_end"),
    (lambda: fr.integrate_geodesic([0.0, 1.0], [1.0, 0.0], 1.0, rtol=1e-16), "rtol"),
    (lambda: fr.integrate_geodesic([0.0, 1.0], [1.0, 0.0], 1.0, n_points=1), "n_points"),
    (lambda: fr.exp_map([0.0, 1.0], [1.0, math.nan], 1.0), "velocity"),
    (lambda: fr.fisher_rao_ball([0.0, 1.0], 0.0), "radius"),
    (lambda: fr.fisher_rao_ball([0.0, 1.0], 1.0, n_points=2), "n_points"),
])
def test_bad_input_names_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_far_out_points_raise_instead_of_returning_nan():
    with pytest.raises(ValueError, match="overflow"):
        fr.exp_map([0.0, 1.0], [0.0, 1.0], [1e3])
