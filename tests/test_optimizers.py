"""Loss (mean NLL), its gradient, gradient descent and natural gradient descent."""

import warnings

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
    FEW,
    MANY,
    charts,
    datasets,
    distributions,
    in_domain,
    point_id,
    point_in_chart,
    ref_fisher,
    ref_fisher_float,
    ref_ms,
    ref_nll,
    ref_nll_grad,
)

METHODS = {"gd": ng.gradient_descent, "ngd": ng.natural_gradient_descent}


@st.composite
def problems(draw, dists=distributions(), **data_kw):
    """(mu, sigma), chart, theta (in the chart) and a data set near N(mu, sigma^2)."""
    mu, s = draw(dists)
    chart = draw(charts)
    data = draw(datasets(mu, s, **data_kw))
    return (mu, s), chart, point_in_chart(mu, s, chart), data


def _chart_cond(mu, s, chart):
    """Rounding amplification |mu|/sigma (differences like mean(x) - mu, and
    the natural chart's conditioning)."""
    return 1.0 + abs(mu) / s


def _nll_scale(data, mu, s):
    """Magnitudes a float evaluation of the mean NLL must cancel, plus its
    sensitivity to few-ulp relative perturbations of mu and sigma."""
    z = (np.asarray(data) - mu) / s
    return (abs(np.log(s)) + 1.0 + np.mean(z * z) + abs(mu / s) * np.mean(np.abs(z))
            + abs(1 - np.mean(z * z)))


# ----------------------------------------------------------------------------
# the loss and its gradient
# ----------------------------------------------------------------------------
@MANY
@given(prob=problems(offset=50.0, ratio=(0.01, 100.0)))
def test_mean_nll_matches_high_precision(prob):
    (mu, s), chart, theta, data = prob
    got = ng.mean_nll(data, theta, chart)
    assert np.ndim(got) == 0
    got = float(got)
    ref = ref_nll(data, theta, chart)
    tol = 1e-12 * abs(float(ref)) + 1e-13 * _nll_scale(data, mu, s)
    with mp.workdps(DPS):
        err = float(abs(mp.mpf(got) - ref))
    assert err <= tol, f"mean_nll(data, {theta!r}, {chart!r}) = {got!r}, expected {mp.nstr(ref, 17)}"


def test_mean_nll_simple_value():
    data = np.array([-1.0, 1.0])
    # N(0, 1): 0.5 log(2 pi) + 0.5 * mean(x^2) = 0.5 log(2 pi) + 0.5
    assert float(ng.mean_nll(data, np.array([0.0, 1.0]), "mean_std")) == pytest.approx(
        0.5 * np.log(2 * np.pi) + 0.5, rel=1e-14)


def _grad_tolerances(theta, chart, data, mu, s):
    """Natural size of each gradient component, times the rounding
    amplification (|mu| + max|x|) / sigma of differences such as mean(x) - mu."""
    F = ref_fisher_float(theta, chart)
    zmax = np.max(np.abs(data - mu)) / s
    cond = 1.0 + (abs(mu) + np.max(np.abs(data))) / s
    return np.sqrt(np.diag(F)) * (1 + zmax) ** 2 * cond


@MANY
@given(prob=problems(offset=50.0, ratio=(0.01, 100.0)))
def test_mean_nll_grad_matches_high_precision(prob):
    (mu, s), chart, theta, data = prob
    g = np.asarray(ng.mean_nll_grad(data, theta, chart))
    assert g.shape == (2,) and g.dtype.kind == "f"
    ref = ref_nll_grad(data, theta, chart)
    scale = _grad_tolerances(theta, chart, data, mu, s)
    with mp.workdps(DPS):
        for i in range(2):
            err = float(abs(mp.mpf(float(g[i])) - ref[i]))
            assert err <= 1e-12 * scale[i], (
                f"mean_nll_grad(data, {theta!r}, {chart!r})[{i}] = {g[i]!r}, expected {mp.nstr(ref[i], 17)}"
            )


def _check_grad_fd(theta, chart, data, mu, s):
    g = np.asarray(ng.mean_nll_grad(data, theta, chart))
    F = ref_fisher_float(theta, chart)
    fd = np.zeros(2)
    for j in range(2):
        h = 1e-4 / np.sqrt(F[j, j])  # a Fisher length of 1e-4 along coordinate j
        tp, tm = theta.copy(), theta.copy()
        tp[j] += h
        tm[j] -= h
        fd[j] = (float(ng.mean_nll(data, tp, chart)) - float(ng.mean_nll(data, tm, chart))) / (tp[j] - tm[j])
    F_diag = np.sqrt(np.diag(F)) * (1 + np.max(np.abs(data - mu)) / s) ** 2
    for j in range(2):
        tol = 1e-5 * F_diag[j] + 1e-6 * abs(fd[j])
        assert abs(g[j] - fd[j]) <= tol, (
            f"mean_nll_grad(data, {theta!r}, {chart!r})[{j}] = {g[j]!r}, "
            f"finite differences of mean_nll give {fd[j]!r}"
        )


@MANY
@given(prob=problems(offset=5.0))
def test_mean_nll_grad_matches_finite_differences(prob):
    (mu, s), chart, theta, data = prob
    _check_grad_fd(theta, chart, data, mu, s)


@pytest.mark.parametrize("chart", CHART_NAMES)
@pytest.mark.parametrize("point", EXTREME_POINTS, ids=point_id)
def test_mean_nll_grad_matches_finite_differences_extremes(chart, point):
    mu, s = point
    data = mu + s * np.random.default_rng(5).normal(0.5, 1.7, 25)
    _check_grad_fd(point_in_chart(mu, s, chart), chart, data, mu, s)


@MANY
@given(dist=distributions(), chart=charts, seed=st.integers(0, 2**31 - 1))
def test_gradient_vanishes_at_the_mle(dist, chart, seed):
    mu, s = dist
    data = mu + s * np.random.default_rng(seed).standard_normal(30)
    mle_ms = (float(np.mean(data)), float(np.std(data)))  # biased sample std
    theta = ng.to_chart(np.array(mle_ms), "mean_std", chart)
    g = np.asarray(ng.mean_nll_grad(data, theta, chart))
    F = ref_fisher_float(theta, chart)
    # |g| in units of sqrt(F_ii) is O(rounding)
    assert np.all(np.abs(g) <= 1e-9 * _chart_cond(*mle_ms, chart) * np.sqrt(np.diag(F))), g


# ----------------------------------------------------------------------------
# trajectories: generic properties
# ----------------------------------------------------------------------------
def _small_lr(method, theta, chart):
    if method == "ngd":
        return 0.02
    return 0.005 / np.max(np.linalg.eigvalsh(ref_fisher_float(theta, chart)))


def _next_step_invalid(method, data, theta, chart, lr):
    """True if the step after `theta` would leave the domain or stop being finite."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return _next_step_invalid_impl(method, data, theta, chart, lr)


def _next_step_invalid_impl(method, data, theta, chart, lr):
    try:
        g = np.asarray(ng.mean_nll_grad(data, theta, chart), dtype=float)
        if method == "ngd":
            g = np.linalg.solve(np.asarray(ng.fisher_information(theta, chart), dtype=float), g)
        nxt = theta - lr * g
    except (ValueError, ArithmeticError, np.linalg.LinAlgError):
        return True
    if not in_domain(nxt, chart):
        return True
    try:
        vals = [ng.mean_nll(data, nxt, chart), *ng.mean_nll_grad(data, nxt, chart)]
        if method == "ngd":
            vals += list(np.ravel(ng.fisher_information(nxt, chart)))
    except (ValueError, ArithmeticError):
        return True
    return not np.all(np.isfinite(np.asarray(vals, dtype=float)))


def _check_trajectory(method, traj, data, theta0, chart, lr, steps):
    traj = np.asarray(traj)
    assert traj.ndim == 2 and traj.shape[1] == 2, traj.shape
    assert traj.dtype.kind == "f"
    assert 1 <= traj.shape[0] <= steps + 1, traj.shape
    assert np.array_equal(traj[0], theta0), f"row 0 {traj[0]!r} != theta0 {theta0!r}"
    assert np.all(np.isfinite(traj)), f"non-finite values in trajectory {traj!r}"
    for row in traj:
        assert in_domain(row, chart), f"trajectory left the {chart} domain: {row!r}"
    if traj.shape[0] < steps + 1:
        assert _next_step_invalid(method, data, traj[-1], chart, lr), (
            f"{method} stopped after {traj.shape[0] - 1} of {steps} steps although the next "
            f"step from {traj[-1]!r} is finite and inside the {chart} domain (lr={lr})"
        )


@MANY
@given(prob=problems(), method=st.sampled_from(sorted(METHODS)), steps=st.integers(0, 15))
def test_trajectory_shape_and_validity(prob, method, steps):
    _, chart, theta, data = prob
    lr = _small_lr(method, theta, chart)
    traj = METHODS[method](data, theta, chart, lr, steps)
    _check_trajectory(method, traj, data, theta, chart, lr, steps)
    assert traj.shape[0] == steps + 1  # small steps never leave the domain


@pytest.mark.parametrize("method", sorted(METHODS))
@pytest.mark.parametrize("chart", CHART_NAMES)
def test_zero_steps(method, chart):
    theta = point_in_chart(0.5, 2.0, chart)
    traj = np.asarray(METHODS[method](np.array([0.1, 0.7, 1.9]), theta, chart, 0.1, 0))
    assert traj.shape == (1, 2)
    assert np.array_equal(traj[0], theta)


@MANY
@given(prob=problems(), steps=st.integers(1, 10), lr_factor=st.floats(1e-3, 0.5))
def test_gd_update_rule(prob, steps, lr_factor):
    (mu, s), chart, theta, data = prob
    lr = lr_factor / np.max(np.linalg.eigvalsh(ref_fisher_float(theta, chart)))
    traj = np.asarray(ng.gradient_descent(data, theta, chart, lr, steps))
    _check_trajectory("gd", traj, data, theta, chart, lr, steps)
    for t in range(traj.shape[0] - 1):
        g = np.asarray(ng.mean_nll_grad(data, traj[t], chart))
        expected = traj[t] - lr * g
        tol = 1e-12 * (np.abs(traj[t]) + np.abs(lr * g)) + 1e-300
        assert np.all(np.abs(traj[t + 1] - expected) <= tol), (
            f"GD step {t}: got {traj[t + 1]!r}, theta - lr*grad = {expected!r} ({chart}, lr={lr})"
        )


@MANY
@given(prob=problems(), steps=st.integers(1, 10), lr=st.floats(1e-3, 1.0))
def test_ngd_update_rule(prob, steps, lr):
    (mu, s), chart, theta, data = prob
    traj = np.asarray(ng.natural_gradient_descent(data, theta, chart, lr, steps))
    _check_trajectory("ngd", traj, data, theta, chart, lr, steps)
    for t in range(traj.shape[0] - 1):
        # F^{-1} grad with the 50-digit closed-form Fisher and the exact
        # gradient at the float point traj[t]
        with mp.workdps(DPS):
            F = ref_fisher(traj[t], chart)
            g = ref_nll_grad(data, traj[t], chart)
            nat = mp.lu_solve(F, mp.matrix(g))
            expected = [mp.mpf(float(traj[t][i])) - mp.mpf(lr) * nat[i] for i in range(2)]
            step_size = [float(abs(mp.mpf(lr) * nat[i])) for i in range(2)]
        mu_t, s_t = ref_ms(traj[t], chart)
        cond = _chart_cond(mu_t, s_t, chart) ** 2
        for i in range(2):
            err = float(abs(mp.mpf(float(traj[t + 1][i])) - expected[i]))
            tol = 1e-10 * cond * (abs(traj[t][i]) + step_size[i]) + 1e-300
            assert err <= tol, (
                f"NGD step {t} coordinate {i}: got {traj[t + 1][i]!r}, "
                f"theta - lr F^-1 grad = {mp.nstr(expected[i], 17)} ({chart}, lr={lr})"
            )


# ----------------------------------------------------------------------------
# natural GD reaches the MLE in two steps in mean_var with lr = 1
# ----------------------------------------------------------------------------
@MANY
@given(start=distributions(), target=distributions(), n=st.integers(2, 50),
       seed=st.integers(0, 2**31 - 1))
@example(start=(1e3, 1e3), target=(-1e3, 1e-3), n=5, seed=0)
@example(start=(-1e3, 1e-3), target=(1e3, 1e3), n=5, seed=1)
def test_ngd_mean_var_reaches_mle_in_two_steps(start, target, n, seed):
    data = target[0] + target[1] * np.random.default_rng(seed).standard_normal(n)
    theta0 = point_in_chart(*start, "mean_var")
    traj = np.asarray(ng.natural_gradient_descent(data, theta0, "mean_var", 1.0, 2))
    assert traj.shape == (3, 2), f"trajectory ended early: {traj!r}"
    assert np.all(np.isfinite(traj))
    with mp.workdps(DPS):
        xs = [mp.mpf(float(x)) for x in data]
        mean = mp.fsum(xs) / n
        var = mp.fsum((x - mean) ** 2 for x in xs) / n
    mean, var = float(mean), float(var)
    data_scale = float(np.max(np.abs(data)))
    v_scale = max(theta0[1], traj[1][1], data_scale**2)
    assert abs(traj[2][0] - mean) <= 1e-12 * (data_scale + abs(theta0[0])), (
        f"mean after two NGD steps {traj[2][0]!r} != sample mean {mean!r}")
    assert abs(traj[2][1] - var) <= 1e-10 * var + 1e-13 * v_scale, (
        f"variance after two NGD steps {traj[2][1]!r} != biased sample variance {var!r}")


def test_ngd_mean_var_mle_simple():
    data = np.array([1.0, 2.0, 4.0, 9.0])
    traj = np.asarray(ng.natural_gradient_descent(data, np.array([-3.0, 0.5]), "mean_var", 1.0, 2))
    np.testing.assert_allclose(traj[2], [4.0, 9.5], rtol=1e-13)


# ----------------------------------------------------------------------------
# chart (non-)invariance
# ----------------------------------------------------------------------------
def _endpoint_spread(method, data, start, lr, horizon):
    steps = int(round(horizon / lr))
    ends = []
    for chart in CHART_NAMES:
        theta0 = point_in_chart(*start, chart)
        traj = np.asarray(METHODS[method](data, theta0, chart, lr, steps))
        assert traj.shape == (steps + 1, 2), (method, chart, traj.shape)
        ends.append(ng.to_chart(traj[-1], chart, "mean_std"))
    ends = np.array(ends)
    s = np.mean(ends[:, 1])
    # pairwise distances in (approximate) Fisher units
    diffs = (ends[:, None, :] - ends[None, :, :]) / s * np.array([1.0, np.sqrt(2.0)])
    return np.max(np.sqrt(np.sum(diffs**2, axis=-1)))


SETUPS = [
    # (data mean, data std, start mu, start sigma)
    (1.0, 1.5, 0.0, 1.0),
    (-2.0, 0.6, 0.5, 1.2),
]


@pytest.mark.parametrize("setup", SETUPS, ids=str)
def test_ngd_nearly_chart_invariant_gd_not(setup):
    m, sd, mu0, s0 = setup
    data = np.random.default_rng(11).normal(m, sd, 200)
    horizon, lr = 0.4, 0.02
    ngd = [_endpoint_spread("ngd", data, (mu0, s0), lr / 2**k, horizon) for k in range(3)]
    gd = [_endpoint_spread("gd", data, (mu0, s0), lr / 2**k, horizon) for k in range(3)]
    for k in range(2):
        ratio = ngd[k + 1] / ngd[k]
        assert 0.4 < ratio < 0.6, f"NGD spread between charts {ngd} does not halve with lr"
        assert gd[k + 1] / gd[k] > 0.85, f"GD spread between charts {gd} shrinks with lr"
    assert gd[-1] > 10 * ngd[-1], (gd, ngd)


# ----------------------------------------------------------------------------
# loss decrease for small lr
# ----------------------------------------------------------------------------
@MANY
@given(prob=problems(), method=st.sampled_from(sorted(METHODS)))
def test_small_lr_decreases_loss(prob, method):
    (mu, s), chart, theta, data = prob
    lr = _small_lr(method, theta, chart)
    traj = np.asarray(METHODS[method](data, theta, chart, lr, 10))
    _check_trajectory(method, traj, data, theta, chart, lr, 10)
    losses = [ref_nll(data, row, chart) for row in traj]
    for t in range(len(losses) - 1):
        assert losses[t + 1] <= losses[t] + 1e-12 * (1 + abs(losses[t])), (
            f"{method} loss increased at step {t}: {losses[t]} -> {losses[t + 1]} ({chart}, lr={lr})"
        )
    # strict decrease whenever the predicted first-order decrease is resolvable
    with mp.workdps(DPS):
        g = ref_nll_grad(data, theta, chart)
        if method == "ngd":
            nat = mp.lu_solve(ref_fisher(theta, chart), mp.matrix(g))
            predicted = lr * (g[0] * nat[0] + g[1] * nat[1])
        else:
            predicted = lr * (g[0] ** 2 + g[1] ** 2)
    if predicted > 1e-8 * (1 + abs(losses[0])):
        assert losses[-1] < losses[0]


# ----------------------------------------------------------------------------
# huge learning rates: short, finite trajectories
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("lr", [1e3, 1e8, 1e300])
@pytest.mark.parametrize("method", sorted(METHODS))
@pytest.mark.parametrize("chart", CHART_NAMES)
def test_huge_lr_gives_finite_trajectory(chart, method, lr):
    data = np.random.default_rng(3).normal(0.3, 0.05, 20)
    theta0 = point_in_chart(1.0, 1.0, chart)
    traj = np.asarray(METHODS[method](data, theta0, chart, lr, 50))
    _check_trajectory(method, traj, data, theta0, chart, lr, 50)


@pytest.mark.parametrize("chart", ["mean_std", "mean_var"])
def test_huge_lr_gd_stops_immediately_when_sigma_would_go_negative(chart):
    # data much narrower than the model: the first GD step pushes sigma (or the
    # variance) below zero, so only theta0 is returned
    data = np.random.default_rng(4).normal(0.0, 0.01, 20)
    theta0 = point_in_chart(0.0, 1.0, chart)
    traj = np.asarray(ng.gradient_descent(data, theta0, chart, 1e12, 10))
    assert traj.shape == (1, 2), traj
    assert np.array_equal(traj[0], theta0)


@FEW
@given(prob=problems(offset=100.0, ratio=(1e-3, 1e3)), method=st.sampled_from(sorted(METHODS)),
       log_lr=st.floats(-2, 300))
def test_any_lr_gives_finite_trajectory(prob, method, log_lr):
    _, chart, theta, data = prob
    lr = 10.0 ** log_lr
    traj = np.asarray(METHODS[method](data, theta, chart, lr, 25))
    _check_trajectory(method, traj, data, theta, chart, lr, 25)
