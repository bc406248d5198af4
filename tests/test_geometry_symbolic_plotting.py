"""KL ellipse and natural-gradient step; SymPy helpers against the numerics; plotting conventions."""

import matplotlib
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import natgrad_lib as ng
from natgrad_lib import plotting as nplt
from natgrad_lib import symbolic as S


def spd(a, b, d):
    return np.array([[a, b], [b, d]])


@settings(max_examples=30, deadline=None, derandomize=True, database=None)
@given(
    st.floats(0.1, 10), st.floats(-0.9, 0.9), st.floats(0.1, 10),
    st.floats(-5, 5), st.floats(-5, 5), st.floats(1e-4, 1.0),
)
def test_natural_step_is_on_the_ellipse_and_beats_every_point_of_it(a, rho, d, g1, g2, c):
    F = spd(a, rho * np.sqrt(a * d), d)
    g = np.array([g1, g2])
    if np.linalg.norm(g) < 1e-3:
        return
    step = ng.natural_gradient_step(g, F, c)
    assert 0.5 * step @ F @ step == pytest.approx(c, rel=1e-10)
    ring = ng.kl_ellipse(F, c, n_points=4000)
    assert np.allclose(0.5 * np.einsum("ni,ij,nj->n", ring, F, ring), c, rtol=1e-10)
    assert g @ step <= (ring @ g).min() + 1e-12 * abs(g @ step)
    assert g @ step == pytest.approx(-np.sqrt(2 * c * g @ np.linalg.solve(F, g)), rel=1e-10)


def test_geometry_rejects_bad_input():
    with pytest.raises(ValueError, match="positive definite"):
        ng.kl_ellipse([[1.0, 2.0], [2.0, 1.0]], c=0.1)
    with pytest.raises(ValueError, match="c must"):
        ng.kl_ellipse(np.eye(2), c=0.0)
    with pytest.raises(ValueError, match="grad must be non-zero"):
        ng.natural_gradient_step([0.0, 0.0], np.eye(2), c=0.1)


@pytest.mark.parametrize("chart", ng.CHARTS)
def test_symbolic_fisher_equals_the_closed_form(chart):
    theta_syms, F = S.fisher_matrix(chart)
    F_num = sp.lambdify(theta_syms, F, "numpy")
    rng = np.random.default_rng(1)
    for _ in range(5):
        theta = ng.to_chart([rng.uniform(-3, 3), 10 ** rng.uniform(-1, 1)], "mean_std", chart)
        assert np.allclose(np.array(F_num(*theta), dtype=float), ng.fisher_information(theta, chart),
                           rtol=1e-12, atol=0)


def test_gaussian_expectation_matches_integration():
    expr = (S.x - 1) ** 3 + 2 * S.x**2
    by_moments = S.gaussian_expectation(expr, S.x, S.mu, S.sigma)
    by_integral = sp.integrate(expr * S.gaussian_pdf(S.x, S.mu, S.sigma), (S.x, -sp.oo, sp.oo))
    assert S.assert_equal(by_moments, by_integral)
    with pytest.raises(ValueError, match="polynomial"):
        S.gaussian_expectation(sp.exp(S.x), S.x, S.mu, S.sigma)


def test_assert_equal_fails_loudly():
    with pytest.raises(AssertionError, match="simplifies to"):
        S.assert_equal(S.sigma**2, S.sigma, "square")


def test_plotting_keeps_colours_and_leaves_rcparams_alone():
    before = dict(matplotlib.rcParams)
    data = np.random.default_rng(0).normal(1.0, 2.0, 100)
    fig, ax = nplt.new_figure()
    assert nplt.plot_nll_contours(ax, data, (-2, 4), (0.5, 4)) is ax
    path_gd = ng.gradient_descent(data, [0.0, 1.0], "mean_var", 0.05, 20)
    path_ngd = ng.natural_gradient_descent(data, [0.0, 1.0], "mean_var", 0.05, 20)
    nplt.plot_path(ax, path_gd, "mean_var", "gd")
    nplt.plot_path(ax, path_ngd, "mean_var", "ngd")
    lines = {line.get_label(): line for line in ax.get_lines()}
    gd = lines["gradient descent in " + nplt.CHART_LABELS["mean_var"]]
    ngd = lines["natural gradient descent in " + nplt.CHART_LABELS["mean_var"]]
    assert matplotlib.colors.same_color(gd.get_color(), nplt.COLORS["gd"])
    assert matplotlib.colors.same_color(ngd.get_color(), nplt.COLORS["ngd"])
    # paths are drawn in (mu, sigma): sigma = sqrt(variance)
    assert np.allclose(gd.get_ydata(), np.sqrt(path_gd[:, 1]))
    nplt.plot_kl_ball(ax, [1.0, 2.0], c=0.05, chart="natural")
    nplt.finish(ax, "test")
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title() == "test"
    assert fig.get_facecolor() == (1.0, 1.0, 1.0, 1.0)
    assert dict(matplotlib.rcParams) == before
    matplotlib.pyplot.close(fig)


def test_kl_ball_is_the_same_set_in_every_chart_to_second_order():
    fig, ax = nplt.new_figure()
    centre, c = np.array([0.5, 1.5]), 1e-6
    F_std = ng.fisher_information(centre, "mean_std")
    for chart in ng.CHARTS:
        nplt.plot_kl_ball(ax, centre, c=c, chart=chart)
    for line in ax.get_lines():
        # each chart's quadratic ball, drawn in (mu, sigma), is the mean_std ball up to O(sqrt(c))
        delta = line.get_xydata() - centre
        radius = 0.5 * np.einsum("ni,ij,nj->n", delta, F_std, delta)
        assert np.allclose(radius, c, rtol=1e-2)
    matplotlib.pyplot.close(fig)


def test_plotted_density_integrates_to_one_and_peaks_at_the_mean():
    fig, ax = nplt.new_figure()
    nplt.plot_density(ax, (1.5, 0.4), x=np.linspace(-3.0, 6.0, 20001))
    x, y = ax.lines[-1].get_data()
    assert np.trapezoid(y, x) == pytest.approx(1.0, abs=1e-9)
    assert x[np.argmax(y)] == pytest.approx(1.5, abs=1e-3)
    with pytest.raises(ValueError, match="sigma"):
        nplt.plot_density(ax, (0.0, -1.0))
    matplotlib.pyplot.close(fig)
