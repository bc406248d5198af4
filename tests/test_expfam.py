"""natgrad_lib.expfam: natural and mean parameters, mirror descent, the Bayesian learning rule."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import natgrad_lib as ng
from natgrad_lib import expfam

DATA = np.random.default_rng(0).normal(1.5, 2.0, 50)


@settings(max_examples=60, deadline=None)
@given(st.floats(-5, 5), st.floats(0.1, 5))
def test_mean_and_natural_parameters_invert_each_other(mu, sigma):
    eta = ng.to_chart([mu, sigma], "mean_std", "natural")
    m = expfam.mean_params(eta)
    np.testing.assert_allclose(m, [mu, mu * mu + sigma * sigma], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(expfam.natural_params(m), eta, rtol=1e-8, atol=1e-12)


def test_fisher_is_the_jacobian_of_the_mean_parameters():
    eta = np.array([0.4, -0.3])
    h = 1e-6
    jac = np.column_stack([(expfam.mean_params(eta + h * e) - expfam.mean_params(eta - h * e)) / (2 * h)
                           for e in np.eye(2)])
    np.testing.assert_allclose(jac, ng.fisher_information(eta, "natural"), rtol=1e-7)


def test_mean_gradient_is_the_natural_gradient_in_eta():
    for eta in ([0.4, -0.3], [-2.0, -1.5], [1.0, -0.05]):
        natural = np.linalg.solve(ng.fisher_information(eta, "natural"), ng.mean_nll_grad(DATA, eta, "natural"))
        np.testing.assert_allclose(expfam.mean_nll_grad_mean(expfam.mean_params(eta), DATA), natural, rtol=1e-10)


@pytest.mark.parametrize("lr", [0.005, 0.05, 0.3])
def test_mirror_descent_is_natural_gradient_descent_in_eta(lr):
    eta0 = ng.to_chart([-1.0, 0.8], "mean_std", "natural")
    md = expfam.mirror_descent(DATA, eta0, lr, 150)
    ngd = ng.natural_gradient_descent(DATA, eta0, "natural", lr, 150)
    assert md.shape == ngd.shape
    assert np.max(np.abs(md - ngd) / np.abs(ngd)) < 1e-12


def test_mirror_descent_stops_before_leaving_the_domain():
    eta0 = ng.to_chart([-1.0, 0.3], "mean_std", "natural")
    md = expfam.mirror_descent(DATA, eta0, 5.0, 50)
    ngd = ng.natural_gradient_descent(DATA, eta0, "natural", 5.0, 50)
    assert len(md) == len(ngd) < 51 and np.all(md[:, 1] < 0)


def test_blr_reaches_the_conjugate_posterior():
    path, post = expfam.blr_gaussian_mean(DATA, 2.0, 3.0, lr=1.0, steps=1)
    precision = 1 / 3.0 ** 2 + DATA.size / 2.0 ** 2
    np.testing.assert_allclose(post, [DATA.sum() / 2.0 ** 2, -precision / 2], rtol=1e-12)
    np.testing.assert_allclose(path[1], post, rtol=1e-15)
    path, _ = expfam.blr_gaussian_mean(DATA, 2.0, 3.0, lr=0.25, steps=10)
    err = np.linalg.norm(path - post, axis=1)
    np.testing.assert_allclose(err[1:] / err[:-1], 0.75, rtol=1e-9)


@pytest.mark.parametrize("call, message", [
    (lambda: expfam.mean_params([1.0, 0.5]), "eta2 < 0"),
    (lambda: expfam.natural_params([2.0, 3.0]), "m2 > m1"),
    (lambda: expfam.mean_nll_grad_mean([2.0, 3.0], DATA), "m2 > m1"),
    (lambda: expfam.mirror_descent(DATA, [0.0, 1.0], 0.1, 5), "eta2 < 0"),
    (lambda: expfam.mirror_descent(DATA, [0.0, -1.0], 0.0, 5), "lr"),
    (lambda: expfam.mirror_descent([], [0.0, -1.0], 0.1, 5), "data"),
    (lambda: expfam.blr_gaussian_mean(DATA, 1.0, 1.0, 1.5, 5), r"lr must lie in \(0, 1\]"),
    (lambda: expfam.blr_gaussian_mean(DATA, 0.0, 1.0, 0.5, 5), "noise_sd"),
    (lambda: expfam.blr_gaussian_mean(DATA, 1.0, 1.0, 0.5, -1), "steps"),
])
def test_bad_input_raises_a_value_error_naming_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()
