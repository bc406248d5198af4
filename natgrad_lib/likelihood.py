r"""The loss every optimiser in the book minimises: the mean negative log-likelihood.

.. math::
    L(\theta) = -\frac1n\sum_{i=1}^n \log p(x_i\mid\theta)
              = \tfrac12\log(2\pi) + \log\sigma + \frac{s^2 + (\bar x-\mu)^2}{2\sigma^2},

with :math:`\bar x` the sample mean and :math:`s^2` the biased sample variance.
The data enter only through :math:`(\bar x, s^2)`, so the cost of evaluating
:math:`L` or its gradient does not grow with :math:`n`.
"""

from __future__ import annotations

import math

import numpy as np

from ._validation import as_data, finite_result
from .charts import _jac_to_std, _std_point, validate_theta

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


@finite_result
def sufficient_statistics(data) -> tuple[float, float]:
    r"""Sample mean and biased sample variance :math:`(\bar x, s^2)` of ``data``.

    .. math:: \bar x = \frac1n\sum_i x_i, \qquad s^2 = \frac1n\sum_i (x_i-\bar x)^2

    Two passes (mean first) keep :math:`s^2` accurate when :math:`|\bar x| \gg s`.
    These are the maximum-likelihood estimates of :math:`\mu` and :math:`\sigma^2`.

    Parameters
    ----------
    data : array_like, shape (n,)
        Finite observations, at least one.

    Returns
    -------
    tuple of float
        ``(xbar, s2)``.

    Raises
    ------
    ValueError
        If ``data`` is empty, not 1-D or not finite.

    Examples
    --------
    >>> sufficient_statistics([1.0, 3.0])
    (2.0, 1.0)
    """
    data = as_data(data)
    xbar = float(np.mean(data))
    s2 = float(np.mean((data - xbar) ** 2))
    return xbar, s2


def _std_loss_and_grad(xbar: float, s2: float, mu, sigma):
    """Loss and its (mu, sigma) gradient from the sufficient statistics (scalars or arrays)."""
    d = xbar - mu
    m2 = s2 + d * d  # mean of (x - mu)^2
    inv_var = 1.0 / (sigma * sigma)
    loss = _HALF_LOG_2PI + np.log(sigma) + 0.5 * m2 * inv_var
    return loss, -d * inv_var, (1.0 - m2 * inv_var) / sigma


@finite_result
def mean_nll(data, theta, chart: str) -> float:
    r"""Mean negative log-likelihood of ``data`` under :math:`\mathcal N(\mu,\sigma^2)`.

    .. math:: L(\theta) = \tfrac12\log(2\pi) + \log\sigma + \frac{s^2 + (\bar x-\mu)^2}{2\sigma^2}

    Parameters
    ----------
    data : array_like, shape (n,)
        Finite observations, at least one.
    theta : array_like, shape (2,)
        The model, in ``chart`` coordinates.
    chart : str
        One of :data:`~natgrad_lib.charts.CHARTS`.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        On bad ``data``, an unknown chart or a malformed or out-of-domain ``theta``.

    Examples
    --------
    >>> round(mean_nll([0.0], [0.0, 1.0], "mean_std"), 6)
    0.918939
    """
    theta = validate_theta(theta, chart)
    xbar, s2 = sufficient_statistics(data)
    return float(_std_loss_and_grad(xbar, s2, *_std_point(theta, chart))[0])


@finite_result
def mean_nll_grad(data, theta, chart: str) -> np.ndarray:
    r"""Gradient of :func:`mean_nll` with respect to the chart's coordinates.

    .. math:: \nabla_\theta L = J^\top \nabla_{(\mu,\sigma)} L,\qquad
              \nabla_{(\mu,\sigma)} L = \Big(\frac{\mu-\bar x}{\sigma^2},\
              \frac1\sigma - \frac{s^2+(\bar x-\mu)^2}{\sigma^3}\Big),\quad
              J = \frac{\partial(\mu,\sigma)}{\partial\theta}

    Parameters
    ----------
    data : array_like, shape (n,)
        Finite observations, at least one.
    theta : array_like, shape (2,)
        The model, in ``chart`` coordinates.
    chart : str
        One of :data:`~natgrad_lib.charts.CHARTS`.

    Returns
    -------
    numpy.ndarray, shape (2,)

    Raises
    ------
    ValueError
        On bad ``data``, an unknown chart or a malformed or out-of-domain ``theta``.

    Examples
    --------
    >>> mean_nll_grad([0.0], [1.0, 1.0], "mean_std")
    array([1., 0.])
    """
    theta = validate_theta(theta, chart)
    xbar, s2 = sufficient_statistics(data)
    a, b = float(theta[0]), float(theta[1])
    mu, sigma = _std_point(theta, chart)
    _, g_mu, g_sigma = _std_loss_and_grad(xbar, s2, mu, sigma)
    jac = np.array(_jac_to_std(chart, a, b, mu, sigma))
    return jac.T @ np.array([g_mu, g_sigma])
