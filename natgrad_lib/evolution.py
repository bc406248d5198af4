r"""Black-box search by natural evolution strategies, with a diagonal Gaussian.

To minimise a function :math:`f` that can only be evaluated, move a search distribution
:math:`\mathcal N(\mu, \operatorname{diag}(\sigma^2))` over :math:`x \in \mathbb R^d` so as to
lower :math:`J(\mu, \sigma) = \mathbb E_{x\sim\mathcal N(\mu, \operatorname{diag}\sigma^2)} f(x)`.
The gradient of :math:`J` is an expectation of :math:`f` times the score (the log-derivative
trick, Williams 1992), so it can be estimated from evaluations of :math:`f` alone. Every
function here works in the chart :math:`(\mu, \log\sigma)`, coordinate by coordinate, in which
the Fisher is :math:`\operatorname{diag}(1/\sigma_i^2, 2)`: a step in :math:`\log\sigma` keeps
:math:`\sigma > 0` whatever its size, as in xNES (Wierstra et al. 2014). The natural search
gradient is the plain one multiplied by the inverse Fisher; gradient steps with it are separable
natural evolution strategies (SNES) with one learning rate.

References
----------
Wierstra, Schaul, Glasmachers, Sun, Peters and Schmidhuber (2014), *Natural evolution
strategies*, JMLR 15. Williams (1992), *Simple statistical gradient-following algorithms for
connectionist reinforcement learning*, Machine Learning 8.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np

from ._validation import count, finite_float, optional_seed, positive_float

__all__ = [
    "SearchDiverged",
    "SearchPath",
    "evolution_strategy",
    "natural_search_gradient",
    "quadratic_objective",
    "rank_utilities",
    "rosenbrock",
    "scaled_quadratic",
    "search_gradient",
]


class SearchDiverged(ValueError):
    """Raised when a run of :func:`evolution_strategy` leaves the floating-point range."""


class SearchPath(NamedTuple):
    """The iterates of a run: ``mu[k]`` and ``sigma[k]``, each of shape (steps + 1, d)."""

    mu: np.ndarray
    sigma: np.ndarray


def _as_point(value, name: str, d: int | None = None) -> np.ndarray:
    try:
        arr = np.array(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a 1-D array of real numbers, got {value!r}") from exc
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {arr.shape}")
    if d is not None and arr.size != d:
        raise ValueError(f"{name} must have shape ({d},) like mu, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {arr.tolist()}")
    return arr


def _as_sigma(value, d: int) -> np.ndarray:
    sigma = _as_point(value, "sigma", d)
    if not np.all(sigma > 0):
        raise ValueError(f"sigma must be > 0 in every coordinate, got {sigma.tolist()}")
    return sigma


def _evaluate(f: Callable, x: np.ndarray) -> np.ndarray:
    if not callable(f):
        raise ValueError(f"f must be a callable taking an (n, d) array, got {f!r}")
    with np.errstate(all="ignore"):
        values = np.asarray(f(x), dtype=float)
    if values.shape != (x.shape[0],):
        raise ValueError(f"f must map an (n, d) array to shape (n,), got shape {values.shape} "
                         f"for input shape {x.shape}")
    return values


def _score_terms(values: np.ndarray, z: np.ndarray):
    r"""Mean of ``(values_i - b_i) s_i`` with the leave-one-out baseline b_i.

    The baseline of sample i is the mean of the other n - 1 values, so it is independent of
    z_i and the estimate stays unbiased; summed over i it equals n/(n-1) (values - mean).
    """
    n = values.shape[0]
    centred = (values - values.sum() / n) * (n / (n - 1))
    g_mu_scaled = centred @ z / n  # times 1/sigma gives the mu part
    g_log_sigma = centred @ (z * z - 1.0) / n
    return g_mu_scaled, g_log_sigma


def _sample(mu, sigma, n_samples, seed):
    n_samples = count(n_samples, "n_samples", 2)
    seed = optional_seed(seed)
    z = np.random.default_rng(seed).standard_normal((n_samples, mu.size))
    return z, mu + sigma * z


def search_gradient(f: Callable, mu, sigma, n_samples: int, seed: int | None = None):
    r"""Score-function (search-gradient) estimate of :math:`\nabla J` in the chart :math:`(\mu, \log\sigma)`.

    With :math:`x_i = \mu + \sigma \odot z_i`, :math:`z_i \sim \mathcal N(0, I_d)`,

    .. math::

        \widehat{\partial_{\mu} J} = \frac1n\sum_i (f(x_i) - b_i)\, z_i/\sigma, \qquad
        \widehat{\partial_{\log\sigma} J} = \frac1n\sum_i (f(x_i) - b_i)\,(z_i^2 - 1),

    the score of the Gaussian in :math:`(\mu, \log\sigma)` times :math:`f`, with the
    leave-one-out baseline :math:`b_i = \frac1{n-1}\sum_{j\ne i} f(x_j)`, which lowers the
    variance and keeps the estimate unbiased.

    Parameters
    ----------
    f : callable
        Takes an (n, d) array of points, returns their n values.
    mu, sigma : array_like, shape (d,)
        Mean and standard deviations (> 0) of the diagonal Gaussian.
    n_samples : int
        Number of samples, >= 2.
    seed : int or None
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The estimates of :math:`\partial J/\partial\mu` and :math:`\partial J/\partial\log\sigma`.

    Raises
    ------
    ValueError
        If an argument is out of range or ``f`` returns non-finite values.

    Examples
    --------
    >>> g_mu, g_log_sigma = search_gradient(scaled_quadratic, [1.0, 1.0], [0.5, 0.5], 2000, seed=0)
    >>> bool(abs(g_mu[1] - 100.0) < 10.0)  # exact: scales * mu = (1, 100); standard error ~ 3.4
    True
    """
    mu = _as_point(mu, "mu")
    sigma = _as_sigma(sigma, mu.size)
    z, x = _sample(mu, sigma, n_samples, seed)
    values = _evaluate(f, x)
    if not np.all(np.isfinite(values)):
        raise ValueError("f returned non-finite values at the samples")
    g_mu_scaled, g_log_sigma = _score_terms(values, z)
    return g_mu_scaled / sigma, g_log_sigma


def natural_search_gradient(f: Callable, mu, sigma, n_samples: int, seed: int | None = None):
    r"""The natural search gradient :math:`F^{-1}\widehat{\nabla J}` in the chart :math:`(\mu, \log\sigma)`.

    The Fisher of :math:`\mathcal N(\mu, \operatorname{diag}\sigma^2)` in :math:`(\mu, \log\sigma)`
    is :math:`\operatorname{diag}(1/\sigma^2, 2)` per coordinate, so

    .. math::

        \tilde g_\mu = \sigma^2 \odot \widehat{\partial_\mu J}, \qquad
        \tilde g_{\log\sigma} = \tfrac12\, \widehat{\partial_{\log\sigma} J},

    with the same samples (and seed) as :func:`search_gradient`.

    Parameters and Raises are those of :func:`search_gradient`.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The natural gradient's :math:`\mu` and :math:`\log\sigma` parts.

    Examples
    --------
    >>> g = search_gradient(rosenbrock, [0.0, 0.0], [0.3, 0.3], 50, seed=1)
    >>> n = natural_search_gradient(rosenbrock, [0.0, 0.0], [0.3, 0.3], 50, seed=1)
    >>> bool(np.allclose(n[0], 0.09 * g[0]) and np.allclose(n[1], g[1] / 2))
    True
    """
    g_mu, g_log_sigma = search_gradient(f, mu, sigma, n_samples, seed)
    sigma = np.asarray(sigma, dtype=float)
    return sigma * sigma * g_mu, 0.5 * g_log_sigma


def rank_utilities(values) -> np.ndarray:
    r"""Fitness shaping: replace the values by utilities that depend only on their ranks.

    For minimisation, the sample of rank :math:`k` (:math:`k = 1` the lowest value) gets
    :math:`u_k = \max(0, \log(n/2 + 1) - \log k) / \sum_j \max(0, \log(n/2 + 1) - \log j) - 1/n`
    (Wierstra et al. 2014, sec. 3.1). The utilities sum to zero, and the best sample has the
    largest. Ties get the mean of their utilities, so the result depends on the values only
    through their order: it is unchanged by any strictly increasing transform of them, as long
    as the transformed values, in floating point, create no new ties.

    Parameters
    ----------
    values : array_like, shape (n,)
        Finite function values, n >= 2.

    Returns
    -------
    numpy.ndarray, shape (n,)

    Raises
    ------
    ValueError
        If ``values`` is not a finite 1-D array of at least two numbers.

    Examples
    --------
    >>> u = rank_utilities([3.0, 1.0, 2.0, 10.0])
    >>> bool(np.isclose(u.sum(), 0.0)), int(np.argmax(u))
    (True, 1)
    """
    values = _as_point(values, "values")
    count(values.size, "len(values)", 2)
    return _utilities(values)


def _rank_weights(n: int) -> np.ndarray:
    raw = np.maximum(0.0, np.log(n / 2 + 1) - np.log(np.arange(1, n + 1)))
    return raw / raw.sum() - 1.0 / n


def _utilities(values: np.ndarray, by_rank: np.ndarray | None = None) -> np.ndarray:
    if by_rank is None:
        by_rank = _rank_weights(values.size)
    order = np.argsort(values, kind="stable")
    u = np.empty(values.size)
    sorted_values = values[order]
    tied = sorted_values[1:] == sorted_values[:-1]
    if not tied.any():
        u[order] = by_rank
        return u
    # ties share the mean of their utilities, so that only the order of the values matters
    group = np.concatenate([[0], np.cumsum(~tied)])
    shared = np.bincount(group, weights=by_rank) / np.bincount(group)
    u[order] = shared[group]
    return u


def evolution_strategy(f: Callable, mu0, sigma0, lr: float, steps: int, n_samples: int,
                       seed: int | None = None, natural: bool = True,
                       fitness_shaping: bool = False, target: float | None = None,
                       lr_sigma: float | None = None) -> SearchPath:
    r"""Minimise ``f`` by gradient steps on :math:`J` in the chart :math:`(\mu, \log\sigma)`.

    Each step draws ``n_samples`` points with a fresh stream of one generator seeded with
    ``seed`` and moves

    .. math::

        \mu \leftarrow \mu - \alpha\, g_\mu, \qquad
        \log\sigma \leftarrow \log\sigma - \alpha_\sigma\, g_{\log\sigma},

    with :math:`g` the search gradient (``natural=False``) or the natural search gradient
    (``natural=True``: separable NES). With ``fitness_shaping`` the values of :math:`f` are
    replaced by :math:`-n u` with :math:`u` the :func:`rank_utilities` of the samples, so the step
    no longer follows :math:`\nabla J` but the gradient of a rank-based (quantile) objective; it is
    then unchanged by any strictly increasing transform of :math:`f` (that creates no ties in
    floating point). The shaped step is scaled by :math:`n/(n-1)` through the leave-one-out
    baseline, so ``lr`` corresponds to Wierstra et al.'s :math:`\eta = \alpha\, n/(n-1)`.

    Parameters
    ----------
    f : callable
        Takes an (n, d) array of points, returns their n values.
    mu0, sigma0 : array_like, shape (d,)
        Start of the search distribution; ``sigma0 > 0``.
    lr : float
        Learning rate :math:`\alpha > 0`.
    steps : int
        Maximal number of steps, >= 0.
    n_samples : int
        Samples per step, >= 2.
    seed : int or None
        Seed of ``numpy.random.default_rng``.
    natural : bool
        Natural (NES) or plain search gradient.
    fitness_shaping : bool
        Use rank utilities instead of the values of ``f``.
    target : float or None
        Stop as soon as :math:`f(\mu) \le` ``target``.
    lr_sigma : float or None
        Learning rate :math:`\alpha_\sigma > 0` of :math:`\log\sigma`, as in separable NES
        (SNES), which uses one rate for the mean and another for the spread; ``None`` (the
        default) means ``lr``.

    Returns
    -------
    SearchPath
        ``mu`` and ``sigma``, arrays of shape (k + 1, d) with k <= ``steps`` the steps taken.

    Raises
    ------
    ValueError
        If an argument is out of range.
    SearchDiverged
        (a ``ValueError``) if the run leaves the floating-point range: ``f`` returns a
        non-finite value or :math:`\mu` or :math:`\log\sigma` stop being finite. The message
        gives the step and suggests a smaller ``lr``.

    Examples
    --------
    >>> path = evolution_strategy(scaled_quadratic, [1.0, 1.0], [0.5, 0.5], 1.0, 100, 10, seed=0,
    ...                           fitness_shaping=True, target=1e-4)
    >>> len(path.mu) - 1, bool(scaled_quadratic(path.mu[-1:])[0] <= 1e-4)
    (10, True)
    """
    mu = _as_point(mu0, "mu0")
    sigma = _as_point(sigma0, "sigma0", mu.size)
    if not np.all(sigma > 0):
        raise ValueError(f"sigma0 must be > 0 in every coordinate, got {sigma.tolist()}")
    lr = positive_float(lr, "lr")
    lr_sigma = lr if lr_sigma is None else positive_float(lr_sigma, "lr_sigma")
    steps = count(steps, "steps", 0)
    n_samples = count(n_samples, "n_samples", 2)
    seed = optional_seed(seed)
    if target is not None:
        target = finite_float(target, "target")
    rng = np.random.default_rng(seed)
    log_sigma = np.log(sigma)
    mus, sigmas = [mu.copy()], [sigma.copy()]

    def diverged(step, what):
        return SearchDiverged(
            f"evolution_strategy diverged at step {step}: {what} (mu = {mu.tolist()}, "
            f"log sigma = {log_sigma.tolist()}); try a smaller lr than {lr} "
            f"(or lr_sigma than {lr_sigma})")

    by_rank = _rank_weights(n_samples)
    with np.errstate(all="ignore"):  # overflow is caught below, as a clear error
        for step in range(1, steps + 1):
            sigma = np.exp(log_sigma)
            z = rng.standard_normal((n_samples, mu.size))
            x = mu + sigma * z
            if target is None:
                values = _evaluate(f, x)
            else:
                # one call of f for the mean and the samples: f(mu) decides whether to stop
                both = _evaluate(f, np.vstack([mu, x]))
                if both[0] <= target:
                    break
                values = both[1:]
            if not np.isfinite(values).all():
                raise diverged(step, "f returned non-finite values")
            if fitness_shaping:
                values = -n_samples * _utilities(values, by_rank)
            g_mu_scaled, g_log_sigma = _score_terms(values, z)
            if natural:
                mu = mu - lr * sigma * g_mu_scaled
                log_sigma = log_sigma - lr_sigma * 0.5 * g_log_sigma
            else:
                mu = mu - lr * g_mu_scaled / sigma
                log_sigma = log_sigma - lr_sigma * g_log_sigma
            # exp(log_sigma) must stay a positive double: |log sigma| < 700
            if not (np.isfinite(mu).all() and (np.abs(log_sigma) < 700).all()):
                raise diverged(step, "mu or log sigma left the floating-point range")
            mus.append(mu)
            sigmas.append(np.exp(log_sigma))
    return SearchPath(np.array(mus), np.array(sigmas))


def scaled_quadratic(x, scales=(1.0, 100.0)) -> np.ndarray:
    r"""The badly scaled quadratic :math:`f(x) = \tfrac12\sum_i a_i x_i^2` at each row of ``x``.

    Parameters
    ----------
    x : array_like, shape (n, d)
    scales : array_like, shape (d,)
        The curvatures :math:`a_i`; the default (1, 100) has condition number 100.

    Returns
    -------
    numpy.ndarray, shape (n,)

    Examples
    --------
    >>> scaled_quadratic([[1.0, 1.0], [0.0, 0.1]])
    array([50.5,  0.5])
    """
    x = np.asarray(x, dtype=float)
    scales = np.asarray(scales, dtype=float)
    if x.ndim != 2 or x.shape[1] != scales.size:
        raise ValueError(f"x must have shape (n, {scales.size}), got shape {x.shape}")
    return 0.5 * (x * x) @ scales


def quadratic_objective(mu, sigma, scales=(1.0, 100.0)):
    r"""Closed form of :math:`J` for :func:`scaled_quadratic`, and its gradient in :math:`(\mu, \log\sigma)`.

    :math:`J = \tfrac12\sum_i a_i(\mu_i^2 + \sigma_i^2)`, so
    :math:`\partial J/\partial\mu_i = a_i\mu_i` and :math:`\partial J/\partial\log\sigma_i = a_i\sigma_i^2`.

    Returns
    -------
    (float, numpy.ndarray, numpy.ndarray)
        :math:`J`, :math:`\partial J/\partial\mu`, :math:`\partial J/\partial\log\sigma`.

    Examples
    --------
    >>> quadratic_objective([1.0, 0.0], [1.0, 0.1])[0]
    1.5
    """
    mu = _as_point(mu, "mu")
    sigma = _as_sigma(sigma, mu.size)
    scales = _as_point(scales, "scales", mu.size)
    value = 0.5 * float(scales @ (mu * mu + sigma * sigma))
    return value, scales * mu, scales * sigma * sigma


def rosenbrock(x) -> np.ndarray:
    r"""Rosenbrock's function :math:`f(x) = (1 - x_1)^2 + 100(x_2 - x_1^2)^2` at each row of ``x``.

    Its minimum, 0, is at (1, 1), at the end of a curved, narrow valley (Rosenbrock 1960).

    Examples
    --------
    >>> rosenbrock([[1.0, 1.0], [0.0, 0.0]])
    array([0., 1.])
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"x must have shape (n, 2), got shape {x.shape}")
    return (1.0 - x[:, 0]) ** 2 + 100.0 * (x[:, 1] - x[:, 0] ** 2) ** 2
