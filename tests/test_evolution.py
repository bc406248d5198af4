"""Natural evolution strategies: unbiasedness, the Fisher, equivariance, fitness shaping, errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import natgrad_lib as ng
from natgrad_lib import evolution as es
from ngtestkit import FEW

MU, SIGMA, SCALES = np.array([1.0, -0.5]), np.array([0.5, 0.2]), np.array([1.0, 100.0])


def _estimates(natural: bool, n_rep: int = 3000, n_samples: int = 10):
    grad = es.natural_search_gradient if natural else es.search_gradient
    return np.array([np.concatenate(grad(es.scaled_quadratic, MU, SIGMA, n_samples, seed))
                     for seed in range(n_rep)])


@pytest.mark.parametrize("natural", [False, True])
def test_search_gradient_is_unbiased(natural):
    """The mean of many seeded estimates is within 4 standard errors of the closed form."""
    est = _estimates(natural)
    _, g_mu, g_log_sigma = es.quadratic_objective(MU, SIGMA, SCALES)
    exact = np.concatenate([g_mu, g_log_sigma])
    if natural:
        exact = exact / np.concatenate([1 / SIGMA**2, [2.0, 2.0]])
    stderr = est.std(axis=0, ddof=1) / np.sqrt(len(est))
    assert np.all(np.abs(est.mean(axis=0) - exact) < 4 * stderr), (est.mean(axis=0), exact, stderr)


def test_natural_gradient_is_inverse_fisher_times_plain():
    """Same seed: natural = F^{-1} plain, with F from ng.fisher_information in mean_logstd."""
    for seed in range(5):
        g_mu, g_ls = es.search_gradient(es.rosenbrock, MU, SIGMA, 20, seed)
        n_mu, n_ls = es.natural_search_gradient(es.rosenbrock, MU, SIGMA, 20, seed)
        for i in range(2):
            F = ng.fisher_information([MU[i], np.log(SIGMA[i])], "mean_logstd")
            expected = np.linalg.solve(F, [g_mu[i], g_ls[i]])
            assert np.allclose([n_mu[i], n_ls[i]], expected, rtol=1e-12, atol=0)


def _affine_runs(D, b, natural, fitness_shaping, f=es.rosenbrock, steps=40, lr=None):
    mu0, sigma0 = np.array([-1.0, 1.0]), np.array([0.3, 0.2])
    lr = lr or (0.5 if natural else 1e-3)
    run = es.evolution_strategy(f, mu0, sigma0, lr, steps, 12, 7, natural=natural,
                                fitness_shaping=fitness_shaping)

    def g(y):
        return f((y - b) / D)

    image = es.evolution_strategy(g, D * mu0 + b, np.abs(D) * sigma0, lr, steps, 12, 7,
                                  natural=natural, fitness_shaping=fitness_shaping)
    return run, image


def _relative_gap(run, image, D, b):
    mapped_mu, mapped_sigma = D * run.mu + b, np.abs(D) * run.sigma
    return max(np.max(np.abs(image.mu - mapped_mu) / (np.abs(D) * (1 + np.abs(run.mu)))),
               np.max(np.abs(image.sigma - mapped_sigma) / mapped_sigma))


@pytest.mark.parametrize("fitness_shaping, f, lr", [(False, es.scaled_quadratic, 0.02),
                                                     (True, es.rosenbrock, 0.5)])
def test_nes_is_equivariant_under_coordinatewise_affine_maps(fitness_shaping, f, lr):
    D, b = np.array([3.0, 0.2]), np.array([1.0, -2.0])
    run, image = _affine_runs(D, b, True, fitness_shaping, f=f, lr=lr)
    assert len(run.mu) == len(image.mu) == 41
    assert _relative_gap(run, image, D, b) < 1e-10


def test_plain_search_gradient_is_not_equivariant():
    D, b = np.array([3.0, 0.2]), np.array([1.0, -2.0])
    run, image = _affine_runs(D, b, False, True)
    assert _relative_gap(run, image, D, b) > 1e-2


@FEW
@given(st.floats(0.05, 20.0), st.floats(0.05, 20.0), st.floats(-5.0, 5.0), st.floats(-5.0, 5.0))
def test_nes_equivariance_over_random_maps(d1, d2, b1, b2):
    D, b = np.array([d1, d2]), np.array([b1, b2])
    run, image = _affine_runs(D, b, True, True, f=es.scaled_quadratic, steps=25)
    assert _relative_gap(run, image, D, b) < 1e-10


def test_fitness_shaping_is_invariant_to_monotone_transforms_of_f():
    kwargs = dict(mu0=[-1.0, 1.0], sigma0=[0.3, 0.3], lr=0.5, steps=30, n_samples=10, seed=3,
                  fitness_shaping=True)
    a = es.evolution_strategy(es.rosenbrock, **kwargs)
    b = es.evolution_strategy(lambda x: np.log1p(es.rosenbrock(x)) ** 3, **kwargs)
    assert np.array_equal(a.mu, b.mu) and np.array_equal(a.sigma, b.sigma)


def test_rank_utilities_depend_only_on_order():
    rng = np.random.default_rng(0)
    v = rng.standard_normal(15)
    u = es.rank_utilities(v)
    assert np.isclose(u.sum(), 0.0, atol=1e-15)
    assert np.array_equal(u, es.rank_utilities(np.exp(3 * v)))
    assert np.all(np.diff(u[np.argsort(v)]) <= 0)  # better value, larger utility
    tied = es.rank_utilities([1.0, 1.0, 2.0, 3.0])
    assert tied[0] == tied[1]


def test_nes_reaches_the_quadratic_minimum_and_sigma_stays_positive():
    path = es.evolution_strategy(es.scaled_quadratic, [1.0, 1.0], [0.5, 0.5], 1.0, 200, 10, 0,
                                 fitness_shaping=True, target=1e-8)
    assert es.scaled_quadratic(path.mu[-1:])[0] <= 1e-8
    assert np.all(path.sigma > 0)


def test_divergence_raises_a_clear_error():
    with pytest.raises(es.SearchDiverged, match="diverged at step .* smaller lr"):
        es.evolution_strategy(es.rosenbrock, [-1.0, 1.0], [0.5, 0.5], 1.0, 200, 10, 0,
                              natural=False)
    assert issubclass(es.SearchDiverged, ValueError)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: es.search_gradient(es.rosenbrock, [0.0, 0.0], [1.0, 0.0], 10, 0), "sigma"),
        (lambda: es.search_gradient(es.rosenbrock, [0.0, np.nan], [1.0, 1.0], 10, 0), "mu"),
        (lambda: es.search_gradient(es.rosenbrock, [0.0, 0.0], [1.0], 10, 0), "sigma"),
        (lambda: es.search_gradient(es.rosenbrock, [0.0, 0.0], [1.0, 1.0], 1, 0), "n_samples"),
        (lambda: es.search_gradient(es.rosenbrock, [0.0, 0.0], [1.0, 1.0], 10, -1), "seed"),
        (lambda: es.search_gradient("rosenbrock", [0.0, 0.0], [1.0, 1.0], 10, 0), "f"),
        (lambda: es.search_gradient(lambda x: x, [0.0, 0.0], [1.0, 1.0], 10, 0), "f must map"),
        (lambda: es.natural_search_gradient(es.rosenbrock, [[0.0]], [1.0], 10, 0), "mu"),
        (lambda: es.evolution_strategy(es.rosenbrock, [0, 0], [1, 1], 0.0, 5, 10), "lr"),
        (lambda: es.evolution_strategy(es.rosenbrock, [0, 0], [1, -1], 0.1, 5, 10), "sigma0"),
        (lambda: es.evolution_strategy(es.rosenbrock, [0, 0], [1, 1], 0.1, 5, 10,
                                       lr_sigma=0.0), "lr_sigma"),
        (lambda: es.evolution_strategy(es.rosenbrock, [0, 0], [1, 1], 0.1, 5, 10,
                                       lr_sigma=np.nan), "lr_sigma"),
        (lambda: es.evolution_strategy(es.rosenbrock, [0, 0], [1, 1], 0.1, -1, 10), "steps"),
        (lambda: es.evolution_strategy(es.rosenbrock, [0, 0], [1, 1], 0.1, 5, 10,
                                       target=np.inf), "target"),
        (lambda: es.rank_utilities([1.0]), "len"),
        (lambda: es.rank_utilities([1.0, np.inf]), "values"),
        (lambda: es.scaled_quadratic([1.0, 2.0]), "x must have shape"),
        (lambda: es.rosenbrock(np.zeros((3, 3))), "x must have shape"),
        (lambda: es.quadratic_objective([0.0, 0.0], [1.0, 1.0], [1.0]), "scales"),
    ],
)
def test_bad_arguments_raise_value_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_f_returning_nan_is_reported():
    with pytest.raises(ValueError, match="non-finite"):
        es.search_gradient(lambda x: np.full(len(x), np.nan), [0.0], [1.0], 5, 0)


def test_run_reports_f_overflowing_instead_of_returning_nan():
    def explodes(x):
        return np.where(x[:, 0] > 0.5, np.inf, es.rosenbrock(x))

    with pytest.raises(es.SearchDiverged, match="f returned non-finite values"):
        es.evolution_strategy(explodes, [0.0, 0.0], [1.0, 1.0], 0.1, 10, 10, 0)


def test_target_stops_the_run_and_the_path_is_a_prefix():
    kwargs = dict(mu0=[1.0, 1.0], sigma0=[0.5, 0.5], lr=1.0, steps=100, n_samples=10, seed=0,
                  fitness_shaping=True)
    full = es.evolution_strategy(es.scaled_quadratic, **kwargs)
    short = es.evolution_strategy(es.scaled_quadratic, **kwargs, target=1e-4)
    k = len(short.mu) - 1
    assert k < 100 and es.scaled_quadratic(short.mu[-1:])[0] <= 1e-4
    assert np.all(es.scaled_quadratic(short.mu[:-1]) > 1e-4)
    assert np.array_equal(full.mu[: k + 1], short.mu)


@pytest.mark.parametrize("natural", [False, True])
def test_lr_sigma_defaults_to_lr_and_moves_only_log_sigma(natural):
    """lr_sigma=None is lr; a separate lr_sigma changes the log sigma step by its ratio to lr."""
    kwargs = dict(mu0=[-1.0, 1.0], sigma0=[0.3, 0.2], steps=1, n_samples=10, seed=4,
                  natural=natural, fitness_shaping=True)
    lr = 0.5 if natural else 1e-3
    same = es.evolution_strategy(es.rosenbrock, lr=lr, **kwargs)
    explicit = es.evolution_strategy(es.rosenbrock, lr=lr, lr_sigma=lr, **kwargs)
    assert np.array_equal(same.mu, explicit.mu) and np.array_equal(same.sigma, explicit.sigma)
    slow = es.evolution_strategy(es.rosenbrock, lr=lr, lr_sigma=lr / 10, **kwargs)
    assert np.array_equal(slow.mu, same.mu)  # the first mu step uses the old sigma
    step_same = np.log(same.sigma[1] / same.sigma[0])
    step_slow = np.log(slow.sigma[1] / slow.sigma[0])
    assert np.allclose(step_slow, step_same / 10, rtol=1e-12)


def test_nes_equivariance_holds_with_two_learning_rates():
    D, b = np.array([3.0, 0.2]), np.array([1.0, -2.0])
    mu0, sigma0 = np.array([-1.0, 1.0]), np.array([0.3, 0.2])
    run = es.evolution_strategy(es.rosenbrock, mu0, sigma0, 2.0, 40, 10, 7,
                                fitness_shaping=True, lr_sigma=0.05)
    image = es.evolution_strategy(lambda y: es.rosenbrock((y - b) / D), D * mu0 + b, D * sigma0,
                                  2.0, 40, 10, 7, fitness_shaping=True, lr_sigma=0.05)
    assert _relative_gap(run, image, D, b) < 1e-10
