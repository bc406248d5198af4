"""Tests of natgrad_lib.policy: exact policy gradients and natural policy gradients on small MDPs."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from natgrad_lib import policy as pol


def random_mdp(seed: int, S: int = 3, A: int = 3, gamma: float = 0.8) -> pol.MDP:
    rng = np.random.default_rng(seed)
    P = rng.dirichlet(np.ones(S), size=(S, A))
    r = rng.uniform(-1.0, 1.0, size=(S, A))
    p0 = rng.dirichlet(np.ones(S))
    return pol.MDP(P, r, gamma, p0)


def rooms_mdp() -> pol.MDP:
    """The chapter's MDP: action y tries to move to room y (succeeds with probability 0.8)."""
    S = A = 3
    P = np.zeros((S, A, S))
    for x, y in itertools.product(range(S), range(A)):
        P[x, y, y] += 0.8
        P[x, y, x] += 0.2
    r = np.tile(np.array([0.0, 0.8, 1.0])[:, None], (1, A))
    return pol.MDP(P, r, 0.9, np.ones(S) / S)


mdp_cases = st.tuples(st.integers(0, 2**31 - 1), st.integers(1, 4), st.integers(2, 4),
                      st.sampled_from([0.0, 0.5, 0.9]))


def theta_for(seed: int, mdp: pol.MDP, scale: float = 1.0) -> np.ndarray:
    return scale * np.random.default_rng(seed + 1).normal(size=(mdp.n_states, mdp.n_actions))


def test_values_solve_the_bellman_equation():
    mdp = random_mdp(0)
    pi = pol.softmax_policy(theta_for(0, mdp))
    V, Q = pol.policy_values(mdp, pi)
    np.testing.assert_allclose(V, np.sum(pi * Q, axis=1), atol=1e-12)
    np.testing.assert_allclose(Q, mdp.r + mdp.gamma * mdp.P @ V, atol=1e-12)
    np.testing.assert_allclose(np.sum(pi * pol.advantage(mdp, pi), axis=1), 0.0, atol=1e-12)


def test_discounted_state_distribution_is_the_discounted_sum():
    mdp = random_mdp(1)
    pi = pol.softmax_policy(theta_for(1, mdp))
    P_pi = np.einsum("xy,xyz->xz", pi, mdp.P)
    total, dist = np.zeros(mdp.n_states), mdp.p0.copy()
    for t in range(400):  # gamma^400 = 0.8^400 < 1e-38
        total += (1 - mdp.gamma) * mdp.gamma**t * dist
        dist = dist @ P_pi
    np.testing.assert_allclose(pol.discounted_state_distribution(mdp, pi), total, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(case=mdp_cases)
def test_policy_gradient_matches_finite_differences(case):
    seed, S, A, gamma = case
    mdp = random_mdp(seed, S, A, gamma)
    theta = theta_for(seed, mdp)
    grad = pol.policy_gradient(mdp, theta)
    h = 1e-6
    fd = np.zeros_like(theta)
    for idx in np.ndindex(*theta.shape):
        e = np.zeros_like(theta)
        e[idx] = h
        fd[idx] = (pol.start_value(mdp, pol.softmax_policy(theta + e))
                   - pol.start_value(mdp, pol.softmax_policy(theta - e))) / (2 * h)
    # central differences: error O(h^2) times the third derivative, plus rounding ~1e-16 / h
    np.testing.assert_allclose(grad, fd, atol=1e-7 / (1 - gamma) ** 3)


@settings(max_examples=30, deadline=None)
@given(case=mdp_cases)
def test_fisher_is_the_average_of_score_outer_products(case):
    seed, S, A, gamma = case
    mdp = random_mdp(seed, S, A, gamma)
    theta = theta_for(seed, mdp)
    pi = pol.softmax_policy(theta)
    d = pol.discounted_state_distribution(mdp, pi)
    F = np.zeros((S * A, S * A))
    for x, y in itertools.product(range(S), range(A)):  # enumerate every (state, action)
        score = np.zeros((S, A))
        score[x] = np.eye(A)[y] - pi[x]  # d log pi(y|x) / d theta
        F += d[x] * pi[x, y] * np.outer(score.ravel(), score.ravel())
    np.testing.assert_allclose(pol.policy_fisher(mdp, theta), F, atol=1e-14)
    # every state's all-ones direction is a null vector
    for x in range(S):
        ones = np.zeros((S, A))
        ones[x] = 1.0
        np.testing.assert_allclose(pol.policy_fisher(mdp, theta) @ ones.ravel(), 0.0, atol=1e-14)


@settings(max_examples=30, deadline=None)
@given(case=mdp_cases, lr=st.floats(0.01, 2.0))
def test_natural_step_is_soft_policy_iteration(case, lr):
    seed, S, A, gamma = case
    mdp = random_mdp(seed, S, A, gamma)
    theta = theta_for(seed, mdp)
    pi = pol.softmax_policy(theta)
    stepped = pol.softmax_policy(theta + lr * pol.natural_policy_gradient(mdp, theta))
    spi = pol.soft_policy_iteration(pi, pol.advantage(mdp, pi), lr, gamma)
    np.testing.assert_allclose(stepped, spi, atol=1e-11)


def test_natural_gradient_is_the_centred_advantage():
    mdp = random_mdp(2)
    theta = theta_for(2, mdp)
    A = pol.advantage(mdp, pol.softmax_policy(theta))
    expected = (A - A.mean(axis=1, keepdims=True)) / (1 - mdp.gamma)  # minimum-norm solution
    np.testing.assert_allclose(pol.natural_policy_gradient(mdp, theta), expected, atol=1e-11)


@pytest.mark.parametrize("seed", range(5))
def test_value_is_monotone_under_npg_with_a_small_step(seed):
    mdp = random_mdp(seed, 4, 3, 0.9)
    values, _ = pol.policy_ascent(mdp, theta_for(seed, mdp), 0.05, 200, natural=True)
    assert np.all(np.diff(values) >= -1e-12)


@pytest.mark.parametrize("seed", range(3))
def test_npg_reaches_the_value_iteration_optimum(seed):
    mdp = random_mdp(seed, 4, 3, 0.9)
    V_star, pi_star = pol.optimal_values(mdp)
    values, policies = pol.policy_ascent(mdp, np.zeros((4, 3)), 1.0, 150, natural=True)
    assert abs(values[-1] - mdp.p0 @ V_star) < 1e-7
    assert abs(pol.start_value(mdp, pi_star) - mdp.p0 @ V_star) < 1e-10
    # the greedy policy of the last iterate is the optimal one
    np.testing.assert_array_equal(np.argmax(policies[-1], axis=1), np.argmax(pi_star, axis=1))


def test_pg_plateaus_where_npg_does_not():
    mdp = rooms_mdp()
    V_star = mdp.p0 @ pol.optimal_values(mdp)[0]
    theta0 = np.tile([0.0, 5.0, -3.0], (3, 1))
    pg, _ = pol.policy_ascent(mdp, theta0, 150.0, 3000, natural=False)
    npg, _ = pol.policy_ascent(mdp, theta0, 1.0, 20, natural=True)
    assert V_star - pg[-1] > 0.05
    assert V_star - npg[-1] < 1e-6


def test_expected_kl_is_half_the_fisher_quadratic_form_to_second_order():
    mdp = random_mdp(3)
    theta = theta_for(3, mdp)
    pi = pol.softmax_policy(theta)
    grad = pol.policy_gradient(mdp, theta).ravel()
    quad = grad @ np.linalg.pinv(pol.policy_fisher(mdp, theta)) @ grad
    for lr in (1e-2, 1e-3):
        new = pol.softmax_policy(theta + lr * pol.natural_policy_gradient(mdp, theta))
        kl = pol.expected_policy_kl(mdp, pi, new)
        assert abs(kl - lr**2 / 2 * quad) < 10 * lr**3 * quad ** 1.5  # third-order remainder


def test_softmax_is_shift_invariant_and_stable():
    theta = np.array([[1000.0, 1001.0], [-5.0, -5.0]])
    pi = pol.softmax_policy(theta)
    np.testing.assert_allclose(pi, pol.softmax_policy(theta - 7.0), atol=1e-15)
    np.testing.assert_allclose(pi[1], [0.5, 0.5])
    assert np.all(np.isfinite(pi))


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(P=np.full((2, 2, 2), 0.6)), "P"),
        (dict(P=-np.ones((2, 2, 2)) / 2 + np.eye(2)[None] * 1.0), "P"),
        (dict(P=np.ones((2, 2, 3)) / 3), "P"),
        (dict(P=np.ones((2, 2)) / 2), "P"),
        (dict(r=np.zeros((2, 3))), "r"),
        (dict(r=np.full((2, 2), np.nan)), "r"),
        (dict(gamma=1.0), "gamma"),
        (dict(gamma=-0.1), "gamma"),
        (dict(gamma=True), "gamma"),
        (dict(p0=[0.3, 0.3]), "p0"),
        (dict(p0=[1.0, 0.0, 0.0]), "p0"),
    ],
)
def test_mdp_validation_names_the_argument(kwargs, name):
    args = dict(P=np.ones((2, 2, 2)) / 2, r=np.zeros((2, 2)), gamma=0.5, p0=[0.5, 0.5])
    args.update(kwargs)
    with pytest.raises(ValueError, match=rf"^{name} "):
        pol.MDP(**args)


def test_function_arguments_are_validated():
    mdp = random_mdp(0)
    with pytest.raises(ValueError, match="^mdp "):
        pol.policy_gradient("not an mdp", np.zeros((3, 3)))
    with pytest.raises(ValueError, match="^theta "):
        pol.policy_gradient(mdp, np.zeros((2, 3)))
    with pytest.raises(ValueError, match="^pi "):
        pol.policy_values(mdp, np.full((3, 3), 0.5))
    with pytest.raises(ValueError, match="^lr "):
        pol.soft_policy_iteration(np.full((3, 3), 1 / 3), np.zeros((3, 3)), 0.0, 0.5)
    with pytest.raises(ValueError, match="^A "):
        pol.soft_policy_iteration(np.full((3, 3), 1 / 3), np.zeros((3, 2)), 1.0, 0.5)
    with pytest.raises(ValueError, match="^gamma "):
        pol.soft_policy_iteration(np.full((3, 3), 1 / 3), np.zeros((3, 3)), 1.0, 1.5)
    with pytest.raises(ValueError, match="^steps "):
        pol.policy_ascent(mdp, np.zeros((3, 3)), 1.0, -1, natural=True)
    with pytest.raises(ValueError, match="^natural "):
        pol.policy_ascent(mdp, np.zeros((3, 3)), 1.0, 1, natural="yes")
    with pytest.raises(ValueError, match="^pi_new "):
        pol.expected_policy_kl(mdp, np.full((3, 3), 1 / 3), np.eye(3))
