r"""Fisher information of :math:`\mathcal N(\mu, \sigma^2)`: the closed form and three numerical routes.

The closed form :func:`fisher_information` is what the optimisers use. The
three ``fisher_from_*`` functions compute the same matrix by independent
numerical means and never call the closed form, so that comparing them with it
is a genuine check:

* :func:`fisher_from_kl_hessian`: finite differences of the closed-form KL,
  :math:`F(\theta) = \nabla^2_{\theta'} D_{KL}(p_\theta\|p_{\theta'})\big|_{\theta'=\theta}`;
* :func:`fisher_from_neg_hessian`: finite-difference Hessians of
  :math:`\log p(x\mid\theta)` averaged by Gauss–Hermite quadrature,
  :math:`F(\theta) = -\mathbb E_{x\sim p_\theta}[\nabla^2_\theta \log p(x\mid\theta)]`;
* :func:`fisher_from_scores`: Monte-Carlo average of score outer products,
  :math:`F(\theta) = \mathbb E_{x\sim p_\theta}[\nabla_\theta\log p\,\nabla_\theta\log p^\top]`.

All of them are the Fisher of a *single* observation.
"""

from __future__ import annotations

import math

import numpy as np

from ._validation import as_data, count, finite_result
from .charts import _displacement, _jac_to_std, _std_point, _step_scales, validate_theta
from .divergences import _expm1_minus_x, _kl

# Relative finite-difference step, in units of each coordinate's own scale
# (see charts._step_scales). Central differences have O(h^2) truncation error,
# and both routes evaluate differences relative to theta, so rounding stays at
# ~eps/h: 1e-4 gives ~1e-8 relative accuracy.
_FD_STEP = 1e-4

# Gauss-Hermite (probabilists') rule; log p is quadratic in x, so its
# theta-Hessian is too and 8 nodes integrate it exactly.
_GH_NODES, _GH_WEIGHTS = np.polynomial.hermite_e.hermegauss(8)
_GH_WEIGHTS = _GH_WEIGHTS / _GH_WEIGHTS.sum()

# Samples drawn per batch in fisher_from_scores: bounds memory at ~50 MB.
_SCORE_BATCH = 1 << 20


@finite_result
def fisher_information(theta, chart: str) -> np.ndarray:
    r"""Closed-form Fisher information of one observation from :math:`\mathcal N(\mu,\sigma^2)`.

    .. math:: F(\theta) = \mathbb E_{x\sim p_\theta}\big[\nabla_\theta \log p(x\mid\theta)\,
              \nabla_\theta \log p(x\mid\theta)^\top\big]

    ================== =====================================================================
    chart              :math:`F`
    ================== =====================================================================
    ``mean_std``       :math:`\mathrm{diag}(1/\sigma^2,\ 2/\sigma^2)`
    ``mean_var``       :math:`\mathrm{diag}(1/\sigma^2,\ 1/(2\sigma^4))`
    ``mean_precision`` :math:`\mathrm{diag}(\tau,\ 1/(2\tau^2))`
    ``mean_logstd``    :math:`\mathrm{diag}(e^{-2\log\sigma},\ 2)`
    ``natural``        :math:`\begin{pmatrix}\sigma^2 & 2\mu\sigma^2\\ 2\mu\sigma^2 & 2\sigma^4+4\mu^2\sigma^2\end{pmatrix}`
                       (the covariance of the sufficient statistic :math:`(x, x^2)`)
    ================== =====================================================================

    Parameters
    ----------
    theta : array_like, shape (2,)
        The point, in ``chart`` coordinates.
    chart : str
        One of :data:`~natgrad_lib.charts.CHARTS`.

    Returns
    -------
    numpy.ndarray, shape (2, 2)
        Symmetric positive-definite matrix.

    Raises
    ------
    ValueError
        On an unknown chart or a malformed or out-of-domain ``theta``.

    Examples
    --------
    >>> fisher_information([0.0, 2.0], "mean_std")
    array([[0.25, 0.  ],
           [0.  , 0.5 ]])

    References
    ----------
    Amari, S. (1998). Natural gradient works efficiently in learning. *Neural Computation* 10(2).
    """
    theta = validate_theta(theta, chart)
    a, b = float(theta[0]), float(theta[1])
    if chart == "mean_std":
        return np.array([[1.0 / (b * b), 0.0], [0.0, 2.0 / (b * b)]])
    if chart == "mean_var":
        return np.array([[1.0 / b, 0.0], [0.0, 0.5 / (b * b)]])
    if chart == "mean_precision":
        return np.array([[b, 0.0], [0.0, 0.5 / (b * b)]])
    if chart == "mean_logstd":
        return np.array([[math.exp(-2.0 * b), 0.0], [0.0, 2.0]])
    var = -0.5 / b
    mu = a * var
    cross = 2.0 * mu * var
    return np.array([[var, cross], [cross, 2.0 * var * var + 4.0 * mu * mu * var]])


def _fd_hessian(f, theta: np.ndarray, chart: str, f0=0.0) -> np.ndarray:
    r"""Central-difference Hessian at ``theta`` of ``f``, a function of a nearby point with :math:`f(\theta) = f_0`.

    ``f`` may return an array (one value per quadrature node); the Hessian then
    has that shape followed by (2, 2). Steps are taken on each coordinate's own
    scale and the exact floating-point steps :math:`\theta'_j - \theta_j` are used,
    so that asymmetric rounding of huge coordinates does not bias the result.
    """
    nominal = _FD_STEP * _step_scales(theta, chart)
    plus, minus = theta + nominal, theta - nominal
    hp = plus - theta  # exact steps actually taken
    hm = theta - minus

    def at(sign_i, i, sign_j=0, j=None):
        point = theta.copy()
        point[i] = plus[i] if sign_i > 0 else minus[i]
        if j is not None:
            point[j] = plus[j] if sign_j > 0 else minus[j]
        return np.asarray(f(point), dtype=float)

    hess = [[None, None], [None, None]]
    for i in range(2):
        # second difference with unequal steps
        hess[i][i] = 2.0 * (hm[i] * at(+1, i) + hp[i] * at(-1, i) - (hp[i] + hm[i]) * f0) / (
            hp[i] * hm[i] * (hp[i] + hm[i])
        )
    cross = (at(+1, 0, +1, 1) - at(+1, 0, -1, 1) - at(-1, 0, +1, 1) + at(-1, 0, -1, 1)) / (
        (hp[0] + hm[0]) * (hp[1] + hm[1])
    )
    hess[0][1] = hess[1][0] = cross
    return np.moveaxis(np.array(hess), (0, 1), (-2, -1))


@finite_result
def fisher_from_kl_hessian(theta, chart: str) -> np.ndarray:
    r"""Fisher information as the Hessian of the KL divergence, by finite differences.

    .. math:: F(\theta) = \nabla^2_{\theta'}\, D_{KL}\big(p_\theta \,\|\, p_{\theta'}\big)\Big|_{\theta'=\theta}

    Central differences of the closed-form KL (:func:`~natgrad_lib.divergences.kl_divergence`)
    with steps :math:`10^{-4}` on each coordinate's own scale; relative accuracy about
    :math:`10^{-8}` over :math:`\sigma\in[10^{-3},10^{3}]`, :math:`|\mu|\le 10^3`.
    Does not use :func:`fisher_information`.

    Parameters
    ----------
    theta : array_like, shape (2,)
        The point, in ``chart`` coordinates.
    chart : str
        One of :data:`~natgrad_lib.charts.CHARTS`.

    Returns
    -------
    numpy.ndarray, shape (2, 2)

    Raises
    ------
    ValueError
        On an unknown chart or a malformed or out-of-domain ``theta``.

    Examples
    --------
    >>> np.allclose(fisher_from_kl_hessian([0.0, 2.0], "mean_std"), [[0.25, 0.0], [0.0, 0.5]])
    True

    References
    ----------
    Kristiadi, A. (2018). Natural gradient descent. Blog post.
    """
    theta = validate_theta(theta, chart)
    return _fd_hessian(lambda point: _kl(theta, point, chart), theta, chart)


@finite_result
def kl_hessian(theta, theta_prime, chart: str) -> np.ndarray:
    r"""Hessian of :math:`\theta'' \mapsto D_{KL}(p_\theta \,\|\, p_{\theta''})` at any :math:`\theta'' = \theta'`.

    .. math:: H(\theta, \theta') = \nabla^2_{\theta''} D_{KL}(p_\theta\,\|\,p_{\theta''})\Big|_{\theta''=\theta'}
              = -\mathbb E_{x\sim p_\theta}\big[\nabla^2 \log p(x\mid\theta')\big]

    Central differences of the closed-form KL, as :func:`fisher_from_kl_hessian`, which is
    the special case :math:`\theta' = \theta`. Away from that point the Hessian is in
    general neither :math:`F(\theta)` nor :math:`F(\theta')`: the book uses this to show
    where equation (5) of the source post holds.

    Parameters
    ----------
    theta : array_like, shape (2,)
        The fixed first argument :math:`p_\theta`, in ``chart`` coordinates.
    theta_prime : array_like, shape (2,)
        Where the Hessian is taken, in ``chart`` coordinates.
    chart : str
        One of :data:`~natgrad_lib.charts.CHARTS`.

    Returns
    -------
    numpy.ndarray, shape (2, 2)

    Raises
    ------
    ValueError
        On an unknown chart or a malformed or out-of-domain point.

    Examples
    --------
    >>> H = kl_hessian([0.0, 1.0], [0.0, 2.0], "mean_std")   # sigma-sigma: (3 - 4) / 16
    >>> bool(np.isclose(H[1, 1], -1 / 16))
    True
    """
    theta = validate_theta(theta, chart)
    theta_prime = validate_theta(theta_prime, chart, "theta_prime")
    return _fd_hessian(lambda point: _kl(theta, point, chart), theta_prime, chart,
                       f0=_kl(theta, theta_prime, chart))


@finite_result
def fisher_from_neg_hessian(theta, chart: str) -> np.ndarray:
    r"""Fisher information as the negative expected Hessian of the log-likelihood.

    .. math:: F(\theta) = -\mathbb E_{x\sim p_\theta}\big[\nabla^2_\theta \log p(x\mid\theta)\big]
              \approx -\sum_k w_k\, \nabla^2_\theta \log p(\mu + \sigma z_k \mid \theta)

    The Hessian of :math:`\log p(x\mid\theta)` is taken by central finite differences
    at each Gauss–Hermite node :math:`x_k = \mu + \sigma z_k` (8 nodes; exact, since
    the Hessian is a quadratic polynomial in :math:`x`). The log-density
    differences are formed relative to :math:`\theta` without cancellation.
    Does not use :func:`fisher_information`.

    Parameters
    ----------
    theta : array_like, shape (2,)
        The point, in ``chart`` coordinates.
    chart : str
        One of :data:`~natgrad_lib.charts.CHARTS`.

    Returns
    -------
    numpy.ndarray, shape (2, 2)

    Raises
    ------
    ValueError
        On an unknown chart or a malformed or out-of-domain ``theta``.

    Examples
    --------
    >>> np.allclose(fisher_from_neg_hessian([0.0, 2.0], "mean_std"), [[0.25, 0.0], [0.0, 0.5]])
    True

    References
    ----------
    Martens, J. (2020). New insights and perspectives on the natural gradient method. *JMLR* 21.
    """
    theta = validate_theta(theta, chart)
    z = _GH_NODES

    def log_density_change(point):
        # log p(mu + sigma z | point) - log p(mu + sigma z | theta), written with
        # r = sigma/sigma' and dmu/sigma' so that nothing cancels near theta.
        dmu, log_ratio = _displacement(theta, point, chart)
        r = math.exp(-log_ratio)
        shift = dmu * r / _std_point(theta, chart)[1]  # dmu / sigma'
        return -log_ratio - 0.5 * (math.expm1(-2.0 * log_ratio) * z * z - 2.0 * r * z * shift + shift * shift)

    hessians = _fd_hessian(log_density_change, theta, chart)  # shape (nodes, 2, 2)
    return -np.tensordot(_GH_WEIGHTS, hessians, axes=1)


@finite_result
def score(x, theta, chart: str) -> np.ndarray:
    r"""Score :math:`\nabla_\theta \log p(x\mid\theta)` of each observation, in ``chart`` coordinates.

    .. math:: \nabla_{(\mu,\sigma)} \log p(x\mid\mu,\sigma)
              = \Big(\frac{x-\mu}{\sigma^2},\ \frac{(x-\mu)^2-\sigma^2}{\sigma^3}\Big),
              \qquad \nabla_\theta = J^\top \nabla_{(\mu,\sigma)},\quad
              J = \frac{\partial(\mu,\sigma)}{\partial\theta}.

    Its mean under :math:`p_\theta` is zero and its covariance is the Fisher information.

    Parameters
    ----------
    x : array_like, shape (n,)
        Observations (finite).
    theta : array_like, shape (2,)
        The point, in ``chart`` coordinates.
    chart : str
        One of :data:`~natgrad_lib.charts.CHARTS`.

    Returns
    -------
    numpy.ndarray, shape (n, 2)
        One row per observation.

    Raises
    ------
    ValueError
        On an unknown chart, a malformed or out-of-domain ``theta``, or ``x`` that
        is not a non-empty finite 1-D array.

    Examples
    --------
    >>> score([1.0], [0.0, 1.0], "mean_std")
    array([[1., 0.]])
    """
    theta = validate_theta(theta, chart)
    x = as_data(x, "x")
    mu, sigma = _std_point(theta, chart)
    return _score_from_z((x - mu) / sigma, theta, chart)


def _score_from_z(z: np.ndarray, theta: np.ndarray, chart: str) -> np.ndarray:
    """Scores of the observations x = mu + sigma z (standardised input avoids x - mu cancellation)."""
    a, b = float(theta[0]), float(theta[1])
    mu, sigma = _std_point(theta, chart)
    jac = np.array(_jac_to_std(chart, a, b, mu, sigma))
    score_std = np.empty((z.size, 2))
    np.divide(z, sigma, out=score_std[:, 0])
    np.multiply(z, z, out=score_std[:, 1])
    score_std[:, 1] -= 1.0
    score_std[:, 1] /= sigma
    return score_std @ jac


@finite_result
def fisher_from_scores(theta, chart: str, n_samples: int, seed: int) -> np.ndarray:
    r"""Monte-Carlo estimate of the Fisher information from score outer products.

    .. math:: \hat F = \frac1N \sum_{i=1}^N s(x_i)\, s(x_i)^\top, \qquad
              x_i = \mu + \sigma z_i,\ z_i \sim \mathcal N(0, 1),\quad s = \nabla_\theta \log p(x\mid\theta).

    Unbiased, with entrywise standard error of order :math:`1/\sqrt N` relative
    to the entries' scale. Vectorised and drawn in batches, so memory stays
    bounded for any ``n_samples``; the same ``seed`` gives the same matrix.
    Does not use :func:`fisher_information`.

    Parameters
    ----------
    theta : array_like, shape (2,)
        The point, in ``chart`` coordinates.
    chart : str
        One of :data:`~natgrad_lib.charts.CHARTS`.
    n_samples : int
        Number of draws :math:`N \ge 1`.
    seed : int
        Seed (``>= 0``) for :func:`numpy.random.default_rng`.

    Returns
    -------
    numpy.ndarray, shape (2, 2)

    Raises
    ------
    ValueError
        On an unknown chart, a malformed or out-of-domain ``theta``,
        ``n_samples < 1`` or a seed that is not a non-negative integer.

    Examples
    --------
    >>> F = fisher_from_scores([0.0, 1.0], "mean_std", n_samples=100_000, seed=0)
    >>> bool(abs(F[0, 0] - 1.0) < 0.02)
    True

    References
    ----------
    Martens, J. (2020). New insights and perspectives on the natural gradient method. *JMLR* 21.
    """
    return _score_outer_moments(theta, chart, n_samples, seed, squares=False)[0]


@finite_result
def fisher_scores_stderr(theta, chart: str, n_samples: int, seed: int) -> np.ndarray:
    r"""Monte-Carlo standard error of each entry of :func:`fisher_from_scores`.

    .. math:: \mathrm{se}_{ij} = \sqrt{\frac{\overline{(s_i s_j)^2} - \big(\overline{s_i s_j}\big)^2}{N}}

    computed from the same draws as ``fisher_from_scores(theta, chart, n_samples, seed)``,
    so ``|fisher_from_scores(...) - F| / fisher_scores_stderr(...)`` is the error in
    standard errors.

    Parameters
    ----------
    theta : array_like, shape (2,)
        The point, in ``chart`` coordinates.
    chart : str
        One of :data:`~natgrad_lib.charts.CHARTS`.
    n_samples : int
        Number of draws :math:`N \ge 1`.
    seed : int
        Seed (``>= 0``) for :func:`numpy.random.default_rng`.

    Returns
    -------
    numpy.ndarray, shape (2, 2)

    Raises
    ------
    ValueError
        As :func:`fisher_from_scores`.

    Examples
    --------
    >>> se = fisher_scores_stderr([0.0, 1.0], "mean_std", n_samples=10_000, seed=0)
    >>> bool(0.005 < se[0, 0] < 0.03)
    True
    """
    mean, mean_sq = _score_outer_moments(theta, chart, n_samples, seed, squares=True)
    return np.sqrt(np.maximum(mean_sq - mean * mean, 0.0) / n_samples)


def _score_outer_moments(theta, chart, n_samples, seed, squares: bool):
    """Means of the score outer products (and of their squares), drawn in batches."""
    theta = validate_theta(theta, chart)
    n_samples = count(n_samples, "n_samples", 1)
    seed = count(seed, "seed", 0)
    rng = np.random.default_rng(seed)
    total, total_sq = np.zeros((2, 2)), np.zeros((2, 2))
    remaining = n_samples
    while remaining:
        batch = min(remaining, _SCORE_BATCH)
        s = _score_from_z(rng.standard_normal(batch), theta, chart)
        total += s.T @ s
        if squares:
            total_sq += (s * s).T @ (s * s)
        remaining -= batch
    return total / n_samples, total_sq / n_samples
