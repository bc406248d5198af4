"""Closed forms of natgrad_lib.regression against finite differences and Monte Carlo."""

from __future__ import annotations

import numpy as np
import pytest

from natgrad_lib import regression as reg


@pytest.fixture(scope="module")
def data():
    return reg.linreg_data(200, seed=1)


def _mean_nll(theta, X, y):
    return 0.5 * np.mean((y - X @ theta) ** 2)


def test_data_shapes_and_determinism():
    X, y = reg.linreg_data(50, seed=3)
    X2, y2 = reg.linreg_data(50, seed=3)
    assert X.shape == (50, 2) and y.shape == (50,)
    assert np.all(X[:, 0] == 1.0) and np.all(X[:, 1] > 0)
    np.testing.assert_array_equal(y, y2)


def test_grad_matches_finite_differences(data):
    X, y = data
    theta = np.array([0.7, 3.1])
    h = 1e-6
    fd = [(_mean_nll(theta + h * e, X, y) - _mean_nll(theta - h * e, X, y)) / (2 * h) for e in np.eye(2)]
    np.testing.assert_allclose(reg.linreg_grad(theta, X, y), fd, rtol=1e-6, atol=1e-8)


def test_fisher_is_hessian_of_mean_nll(data):
    X, y = data
    theta = np.array([1.0, -1.0])
    h = 1e-4
    H = np.array(
        [(reg.linreg_grad(theta + h * e, X, y) - reg.linreg_grad(theta - h * e, X, y)) / (2 * h) for e in np.eye(2)]
    )
    np.testing.assert_allclose(reg.linreg_fisher(X), H, rtol=1e-6)


def test_expected_empirical_fisher_at_truth_is_fisher():
    X, _ = reg.linreg_data(100, seed=2)
    theta_star = np.array([2.0, 2.0])
    rng = np.random.default_rng(0)
    draws = 4000
    acc = np.zeros((2, 2))
    for _ in range(draws):
        y = X @ theta_star + rng.standard_normal(100)
        acc += reg.empirical_fisher(theta_star, X, y)
    np.testing.assert_allclose(acc / draws, reg.linreg_fisher(X), rtol=0.03)


def test_empirical_fisher_at_least_squares_is_not_fisher(data):
    X, y = data
    theta_hat = np.linalg.lstsq(X, y, rcond=None)[0]
    r = y - X @ theta_hat
    expected = sum(ri**2 * np.outer(xi, xi) for ri, xi in zip(r, X)) / len(y)
    ef = reg.empirical_fisher(theta_hat, X, y)
    np.testing.assert_allclose(ef, expected, rtol=1e-12)
    assert not np.allclose(ef, reg.linreg_fisher(X), rtol=1e-3)


def test_empirical_fisher_vanishes_without_residuals(data):
    X, _ = data
    theta = np.array([0.5, -2.0])
    np.testing.assert_allclose(reg.empirical_fisher(theta, X, X @ theta), 0.0, atol=1e-20)


def test_directions_and_trajectory(data):
    X, y = data
    theta = np.array([3.0, 0.5])
    g = reg.linreg_grad(theta, X, y)
    np.testing.assert_allclose(reg.direction("gd", theta, X, y), -g / 3)
    F = reg.linreg_fisher(X)
    np.testing.assert_allclose(F @ reg.direction("ngd", theta, X, y), -g, rtol=1e-6)
    ef = reg.empirical_fisher(theta, X, y)
    np.testing.assert_allclose(ef @ reg.direction("empirical", theta, X, y), -3 * g, rtol=1e-6)
    U, V = reg.vector_field("ngd", [[3.0]], [[0.5]], X, y)
    np.testing.assert_allclose([U[0, 0], V[0, 0]], reg.direction("ngd", theta, X, y))
    path = reg.trajectory("ngd", theta, X, y, steps=1, lr=1.0)
    theta_hat = np.linalg.lstsq(X, y, rcond=None)[0]
    assert path.shape == (2, 2)
    np.testing.assert_allclose(path[-1], theta_hat, rtol=1e-6)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda X, y: reg.linreg_data(0), "n_data"),
        (lambda X, y: reg.linreg_data(10, seed=-1), "seed"),
        (lambda X, y: reg.linreg_grad([1.0], X, y), "theta"),
        (lambda X, y: reg.linreg_grad([1.0, 2.0], X, y[:-1]), "y"),
        (lambda X, y: reg.linreg_fisher(X[0]), "X"),
        (lambda X, y: reg.empirical_fisher([np.nan, 1.0], X, y), "theta"),
        (lambda X, y: reg.direction("sgd", [1.0, 1.0], X, y), "kind"),
        (lambda X, y: reg.vector_field("gd", [1.0], [1.0, 2.0], X, y), "theta1"),
        (lambda X, y: reg.trajectory("gd", [1.0, 1.0], X, y, steps=0), "steps"),
        (lambda X, y: reg.trajectory("gd", [1.0, 1.0], X, y, lr=-1.0), "lr"),
        (lambda X, y: reg.trajectory("gd", [1.0], X, y), "theta0"),
    ],
)
def test_bad_input_raises(data, call, name):
    X, y = data
    with pytest.raises(ValueError, match=name):
        call(X, y)
