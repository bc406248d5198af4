"""natgrad_lib.logistic against independent routes (Monte Carlo, finite differences,
a plain linear solve, SciPy's optimiser), and its checker against right and wrong answers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import minimize

import natgrad_lib as ng
from natgrad_lib import checks
from natgrad_lib import logistic as lg
from ngtestkit import FEW, SETTINGS, message_names


@pytest.fixture(scope="module")
def data():
    return lg.logistic_data(400, seed=0)


thetas = st.lists(st.floats(-2.0, 2.0, allow_nan=False), min_size=3, max_size=3).map(np.array)
seeds = st.integers(0, 2**31 - 1)


def _sigmoid(eta):
    return 1.0 / (1.0 + np.exp(-eta))


# --------------------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------------------
def test_data_shapes_balance_and_determinism():
    X, y = lg.logistic_data(11, seed=3)
    X2, y2 = lg.logistic_data(11, seed=3)
    assert X.shape == (11, 3) and y.shape == (11,)
    assert np.all(X[:, 0] == 1.0)
    assert y.sum() == 6 and set(y.tolist()) == {0.0, 1.0}
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)


def test_class_means_are_recovered():
    X, y = lg.logistic_data(20_000, seed=1, means=((-1.0, -0.5), (1.0, 0.5)))
    np.testing.assert_allclose(X[y == 0, 1:].mean(axis=0), [-1.0, -0.5], atol=0.05)
    np.testing.assert_allclose(X[y == 1, 1:].mean(axis=0), [1.0, 0.5], atol=0.05)


# --------------------------------------------------------------------------------------
# loss, gradient, Fisher, Hessian
# --------------------------------------------------------------------------------------
@SETTINGS
@given(theta=thetas, seed=seeds)
def test_nll_is_the_plain_formula_and_stable(theta, seed):
    X, y = lg.logistic_data(30, seed=seed)
    p = _sigmoid(X @ theta)
    plain = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert lg.logistic_nll(theta, X, y) == pytest.approx(plain, rel=1e-12)
    # far out, the plain formula overflows; the stable one stays finite and linear in scale
    big = lg.logistic_nll(1e4 * theta + np.array([0.0, 1.0, 1.0]), X, y)
    assert np.isfinite(big) and big >= 0


@SETTINGS
@given(theta=thetas, seed=seeds)
def test_grad_matches_central_differences_of_the_nll(theta, seed):
    X, y = lg.logistic_data(25, seed=seed)
    h = 1e-6
    fd = [(lg.logistic_nll(theta + h * e, X, y) - lg.logistic_nll(theta - h * e, X, y)) / (2 * h)
          for e in np.eye(3)]
    np.testing.assert_allclose(lg.logistic_grad(theta, X, y), fd, rtol=1e-6, atol=1e-9)


@FEW
@given(theta=thetas, seed=seeds)
def test_hessian_matches_differences_of_the_gradient(theta, seed):
    X, y = lg.logistic_data(25, seed=seed)
    h = 1e-5
    H = np.array([(lg.logistic_grad(theta + h * e, X, y) - lg.logistic_grad(theta - h * e, X, y)) / (2 * h)
                  for e in np.eye(3)])
    np.testing.assert_allclose(lg.logistic_hessian(theta, X, y), H, rtol=1e-6, atol=1e-10)


def test_fisher_is_the_monte_carlo_mean_of_score_outer_products(data):
    X, _ = data
    theta = np.array([0.3, 1.2, -0.8])
    p = _sigmoid(X @ theta)
    rng = np.random.default_rng(0)
    draws = 4000
    y_model = (rng.random((draws, X.shape[0])) < p).astype(float)  # y ~ the model, per input
    scores = (y_model - p)[:, :, None] * X[None, :, :]  # (draws, N, d)
    mc = np.einsum("kni,knj->ij", scores, scores) / (draws * X.shape[0])
    F = lg.logistic_fisher(theta, X)
    scale = np.sqrt(np.outer(np.diag(F), np.diag(F)))
    assert np.max(np.abs(mc - F) / scale) < 0.01
    np.testing.assert_allclose(F, X.T @ (X * (p * (1 - p))[:, None]) / X.shape[0], rtol=1e-12)


@SETTINGS
@given(theta=thetas, seed=seeds, flip=seeds)
def test_fisher_equals_observed_hessian_for_every_labelling(theta, seed, flip):
    X, y = lg.logistic_data(30, seed=seed)
    y_other = np.random.default_rng(flip).integers(0, 2, size=y.size)
    F = lg.logistic_fisher(theta, X)
    for labels in (y, y_other):
        np.testing.assert_allclose(lg.logistic_hessian(theta, X, labels), F, rtol=1e-12, atol=1e-15)
    assert np.all(np.linalg.eigvalsh(F) > 0)


def test_smoothness_bounds_the_hessian_everywhere(data):
    X, y = data
    L = lg.smoothness(X)
    assert L == pytest.approx(np.linalg.eigvalsh(X.T @ X)[-1] / (4 * len(X)))
    for theta in np.random.default_rng(0).normal(0, 3, (20, 3)):
        assert np.linalg.eigvalsh(lg.logistic_hessian(theta, X, y))[-1] <= L * (1 + 1e-12)
    # attained at theta = 0, where every p is 1/2
    assert np.linalg.eigvalsh(lg.logistic_hessian(np.zeros(3), X, y))[-1] == pytest.approx(L, rel=1e-12)


# --------------------------------------------------------------------------------------
# steps and paths
# --------------------------------------------------------------------------------------
@SETTINGS
@given(theta=thetas, seed=seeds)
def test_irls_newton_and_natural_steps_coincide(theta, seed):
    X, y = lg.logistic_data(40, seed=seed)
    g = lg.logistic_grad(theta, X, y)
    p = _sigmoid(X @ theta)
    W = np.diag(p * (1 - p))
    by_hand = theta + np.linalg.solve(X.T @ W @ X, X.T @ (y - p))
    for step in (lg.irls_step(theta, X, y), lg.newton_step(theta, X, y),
                 lg.ngd_step(theta, X, y)):
        np.testing.assert_allclose(step, by_hand, rtol=1e-8, atol=1e-10)
    half = lg.ngd_step(theta, X, y, lr=0.5)
    np.testing.assert_allclose(half, theta - 0.5 * np.linalg.solve(X.T @ W @ X / len(y), g), rtol=1e-8, atol=1e-12)


def test_paths_reach_scipys_maximum_likelihood_fit(data):
    X, y = data
    fit = minimize(lg.logistic_nll, np.zeros(3), args=(X, y), jac=lg.logistic_grad,
                   method="BFGS", options={"gtol": 1e-12})
    theta0 = np.zeros(3)
    paths = {m: lg.logistic_path(m, theta0, X, y, steps=10) for m in ("ngd", "irls", "newton")}
    assert np.max(np.abs(paths["ngd"] - paths["irls"])) < 1e-10
    assert np.max(np.abs(paths["ngd"] - paths["newton"])) < 1e-10
    assert np.linalg.norm(paths["ngd"][-1] - fit.x) < 1e-6
    gd = lg.logistic_path("gd", theta0, X, y, steps=3000, lr=1 / lg.smoothness(X))
    losses = [lg.logistic_nll(t, X, y) for t in gd]
    assert np.all(np.diff(losses) <= 1e-15)  # lr = 1/L_smooth never increases the loss
    assert np.linalg.norm(gd[-1] - fit.x) < 1e-3


def test_separable_data_makes_irls_fail_loudly():
    X = np.array([[1.0, -2.0], [1.0, -1.0], [1.0, 1.0], [1.0, 2.0]])
    y = np.array([0.0, 0.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="separable|singular"):
        lg.logistic_path("irls", np.zeros(2), X, y, steps=200)


# --------------------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------------------
X3 = np.column_stack([np.ones(4), np.arange(4.0), np.arange(4.0) ** 2])
Y3 = np.array([0.0, 1.0, 0.0, 1.0])


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: lg.logistic_data(1), "n_data"),
        (lambda: lg.logistic_data(2.5), "n_data"),
        (lambda: lg.logistic_data(10, seed=-1), "seed"),
        (lambda: lg.logistic_data(10, means=[[0, 0]]), "means"),
        (lambda: lg.logistic_data(10, means=[[0, np.nan], [1, 1]]), "means"),
        (lambda: lg.logistic_nll(np.zeros(2), X3, Y3), "theta"),
        (lambda: lg.logistic_nll([0, 0, np.inf], X3, Y3), "theta"),
        (lambda: lg.logistic_grad(np.zeros(3), X3[:, :, None], Y3), "X"),
        (lambda: lg.logistic_grad(np.zeros(3), X3 * np.nan, Y3), "X"),
        (lambda: lg.logistic_grad(np.zeros(3), X3, Y3[:3]), "y"),
        (lambda: lg.logistic_grad(np.zeros(3), X3, [0, 1, 2, 1]), "y"),
        (lambda: lg.logistic_grad(np.zeros(3), X3, [0, 1, -1, 1]), "y"),
        (lambda: lg.logistic_hessian(np.zeros(3), X3, [0, 0.5, 0, 1]), "y"),
        (lambda: lg.logistic_fisher(np.zeros(3), []), "X"),
        (lambda: lg.smoothness(np.zeros((3, 2))), "X"),
        (lambda: lg.ngd_step(np.zeros(3), X3, Y3, lr=0), "lr"),
        (lambda: lg.gradient_step(np.zeros(3), X3, Y3, lr=-1.0), "lr"),
        (lambda: lg.logistic_path("adam", np.zeros(3), X3, Y3, 5), "method"),
        (lambda: lg.logistic_path("gd", np.zeros(3), X3, Y3, 0), "steps"),
        (lambda: lg.logistic_path("gd", np.zeros(2), X3, Y3, 5), "theta0"),
        (lambda: lg.newton_step(np.zeros(3), X3[:, [0, 0, 1]], Y3), "Hessian"),
        (lambda: lg.irls_step(np.zeros(3), X3[:, [0, 0, 1]], Y3), "X"),
    ],
)
def test_bad_input_raises_a_value_error_naming_the_argument(call, name):
    with pytest.raises(ValueError) as info:
        call()
    assert message_names(info.value, name), str(info.value)


def test_inputs_are_not_modified(data):
    X, y = data
    X0, y0, theta = X.copy(), y.copy(), np.array([0.1, 0.2, 0.3])
    for m in lg.METHODS:
        lg.logistic_path(m, theta, X, y, steps=2, lr=1.0)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)
    np.testing.assert_array_equal(theta, [0.1, 0.2, 0.3])


# --------------------------------------------------------------------------------------
# the exercise checker
# --------------------------------------------------------------------------------------
def _reader_fisher(theta, X):
    p = _sigmoid(X @ theta)
    return X.T @ np.diag(p * (1 - p)) @ X / X.shape[0]


def test_checker_accepts_the_closed_form():
    report = checks.check_logistic_fisher(_reader_fisher)
    assert report.passed and "5 random cases" in report.summary
    assert "Passed" in report._repr_markdown_()


def test_checker_starts_at_not_implemented():
    def todo(theta, X):
        raise NotImplementedError

    report = checks.check_logistic_fisher(todo)
    assert not report.passed
    assert report.your_turn and "not implemented" in report.summary
    assert "Your turn" in report._repr_markdown_()


@pytest.mark.parametrize(
    "fn, phrases",
    [
        (lambda t, X: X.shape[0] * _reader_fisher(t, X), ["times the right one", "1/N"]),
        (lambda t, X: 0.25 * X.T @ X / X.shape[0], ["entry F["]),
        (lambda t, X: _reader_fisher(t, X) + np.triu(np.full((X.shape[1],) * 2, 1e-3), 1), ["not symmetric"]),
    ],
)
def test_checker_explains_wrong_values(fn, phrases):
    report = checks.check_logistic_fisher(fn)
    assert not report.passed and "largest error" in report.summary
    text = str(report)
    for phrase in phrases:
        assert phrase in text, text


@pytest.mark.parametrize(
    "fn, phrase",
    [
        (lambda t, X: np.eye(2), "got shape (2, 2)"),
        (lambda t, X: np.full((X.shape[1],) * 2, np.nan), "NaN"),
        (lambda t, X: 1 / 0, "ZeroDivisionError"),
    ],
)
def test_checker_reports_shape_nan_and_errors_without_raising(fn, phrase):
    report = checks.check_logistic_fisher(fn)
    assert not report.passed and phrase in str(report), str(report)


def test_checker_rejects_bad_arguments():
    with pytest.raises(ValueError, match="fn"):
        checks.check_logistic_fisher("not a function")
    with pytest.raises(ValueError, match="n_points"):
        checks.check_logistic_fisher(_reader_fisher, n_points=0)
    with pytest.raises(ValueError, match="rtol"):
        checks.check_logistic_fisher(_reader_fisher, rtol=0.0)


def test_checker_is_reachable_from_the_package_module():
    assert ng.checks.check_logistic_fisher is checks.check_logistic_fisher
