r"""Gradient descent and natural gradient descent on the Gaussian mean negative log-likelihood.

Both optimisers work from the sufficient statistics :math:`(\bar x, s^2)` of the
data, so a step costs the same for ten data points or ten million, and run
their inner loop on Python floats (a 2-vector is too small for NumPy to pay off).
"""

from __future__ import annotations

import math

import numpy as np

from ._validation import as_vector2, count, finite_result, positive_float
from .charts import _IN_DOMAIN, _TO_STD, _jac_from_std, _jac_to_std, validate_theta
from .fisher import fisher_information
from .likelihood import sufficient_statistics


@finite_result
def natural_gradient(grad, theta, chart: str) -> np.ndarray:
    r"""Natural gradient :math:`F(\theta)^{-1} g` of a chart gradient ``grad``.

    Solves :math:`F(\theta)\,\tilde g = g` with the closed-form Fisher
    :func:`~natgrad_lib.fisher.fisher_information`. The result is a tangent
    vector: mapped to another chart with :func:`~natgrad_lib.charts.chart_jacobian`
    it equals the natural gradient computed there.

    Parameters
    ----------
    grad : array_like, shape (2,)
        Gradient of the loss in ``chart`` coordinates.
    theta : array_like, shape (2,)
        The point, in ``chart`` coordinates.
    chart : str
        One of :data:`~natgrad_lib.charts.CHARTS`.

    Returns
    -------
    numpy.ndarray, shape (2,)

    Raises
    ------
    ValueError
        On an unknown chart or malformed, non-finite or out-of-domain input.

    Examples
    --------
    >>> natural_gradient([1.0, 1.0], [0.0, 2.0], "mean_std")
    array([4., 2.])

    References
    ----------
    Amari, S. (1998). Natural gradient works efficiently in learning. *Neural Computation* 10(2).
    """
    grad = as_vector2(grad, "grad")
    return np.linalg.solve(fisher_information(theta, chart), grad)


def _descend(data, theta0, chart, lr, steps, natural: bool) -> np.ndarray:
    theta0 = validate_theta(theta0, chart, "theta0")
    lr = positive_float(lr, "lr")
    steps = count(steps, "steps", 0)
    xbar, s2 = sufficient_statistics(data)
    to_std, in_domain, isfinite = _TO_STD[chart], _IN_DOMAIN[chart], math.isfinite

    a, b = float(theta0[0]), float(theta0[1])
    mu, sigma = to_std(a, b)
    path = [(a, b)]
    for _ in range(steps):
        try:
            d = xbar - mu
            m2 = s2 + d * d
            inv_var = 1.0 / (sigma * sigma)
            if natural:
                # F^{-1} g in (mu, sigma) is (sigma^2 g_mu, sigma^2 g_sigma / 2); a tangent
                # vector, so it is pushed into the chart by d(theta)/d(mu, sigma). Equal to
                # solving F(theta) x = grad(theta) in the chart (pull-back rule), but cheaper
                # and without the ill-conditioning of F in the natural chart.
                n_mu, n_sigma = -d, 0.5 * (sigma - m2 / sigma)
                (j11, j12), (j21, j22) = _jac_from_std(chart, mu, sigma)
                da, db = j11 * n_mu + j12 * n_sigma, j21 * n_mu + j22 * n_sigma
            else:
                g_mu, g_sigma = -d * inv_var, (1.0 - m2 * inv_var) / sigma
                (j11, j12), (j21, j22) = _jac_to_std(chart, a, b, mu, sigma)
                da, db = j11 * g_mu + j21 * g_sigma, j12 * g_mu + j22 * g_sigma
            a_next, b_next = a - lr * da, b - lr * db
            if not (isfinite(a_next) and isfinite(b_next) and in_domain(a_next, b_next)):
                break
            mu_next, sigma_next = to_std(a_next, b_next)
            if not (isfinite(mu_next) and isfinite(sigma_next) and sigma_next > 0.0):
                break
        except ArithmeticError:  # overflow or division by an underflowed sigma**2
            break
        a, b, mu, sigma = a_next, b_next, mu_next, sigma_next
        path.append((a, b))
    return np.array(path, dtype=float)


_DESCENT_DOC = r"""
    Parameters
    ----------
    data : array_like, shape (n,)
        Finite observations, at least one. Only :math:`(\bar x, s^2)` are used.
    theta0 : array_like, shape (2,)
        Starting point in ``chart`` coordinates (inside the chart's domain).
    chart : str
        One of :data:`~natgrad_lib.charts.CHARTS`; the coordinates the steps are taken in.
    lr : float
        Learning rate, finite and > 0.
    steps : int
        Number of steps, >= 0.

    Returns
    -------
    numpy.ndarray, shape (k, 2)
        The iterates, ``theta0`` first, with ``k <= steps + 1``. The path ends
        early only when the next step would leave the chart's domain or stop
        being finite, so it never holds NaN or inf.

    Raises
    ------
    ValueError
        On bad ``data``, an unknown chart, an out-of-domain ``theta0``,
        ``lr <= 0`` or ``steps`` that is not an integer >= 0.
"""


def gradient_descent(data, theta0, chart: str, lr: float, steps: int) -> np.ndarray:
    return _descend(data, theta0, chart, lr, steps, natural=False)


def natural_gradient_descent(data, theta0, chart: str, lr: float, steps: int) -> np.ndarray:
    return _descend(data, theta0, chart, lr, steps, natural=True)


gradient_descent.__doc__ = (
    r"""Plain gradient descent on the mean negative log-likelihood, in ``chart`` coordinates.

    .. math:: \theta^{(k+1)} = \theta^{(k)} - \mathrm{lr}\,\nabla_\theta L(\theta^{(k)})

    The path depends on the chart: the same Gaussian fitted in :math:`(\mu,\sigma)`
    and in :math:`(\mu,\sigma^2)` takes different routes.
"""
    + _DESCENT_DOC
    + r"""
    Examples
    --------
    >>> path = gradient_descent([1.0, 3.0], [0.0, 1.0], "mean_std", lr=0.1, steps=5)
    >>> path.shape
    (6, 2)

    References
    ----------
    Cauchy, A. (1847); equation (1) of the source post.
"""
)

natural_gradient_descent.__doc__ = (
    r"""Natural gradient descent on the mean negative log-likelihood, in ``chart`` coordinates.

    .. math:: \theta^{(k+1)} = \theta^{(k)} - \mathrm{lr}\,F(\theta^{(k)})^{-1}\nabla_\theta L(\theta^{(k)})

    with :math:`F` the Fisher information of one observation (matching the
    *mean* NLL). With ``lr = 1`` in ``mean_var`` it reaches the maximum-likelihood
    estimate :math:`(\bar x, s^2)` in two steps; for small ``lr`` the path barely
    depends on the chart.
"""
    + _DESCENT_DOC
    + r"""
    Examples
    --------
    >>> path = natural_gradient_descent([1.0, 3.0], [0.0, 1.0], "mean_var", lr=1.0, steps=2)
    >>> path[-1]
    array([2., 1.])

    References
    ----------
    Amari, S. (1998). Natural gradient works efficiently in learning. *Neural Computation* 10(2).
"""
)
