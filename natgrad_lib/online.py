r"""Online (one observation at a time) estimation of a Gaussian mean with known sigma.

Observation :math:`x_t \sim \mathcal N(\mu^\star, \sigma^2)` arrives at step
:math:`t = 1, 2, \dots` and brings the loss
:math:`\ell_t(\mu) = (x_t - \mu)^2 / (2\sigma^2)`, whose gradient is
:math:`-(x_t - \mu)/\sigma^2`; the Fisher of one observation is
:math:`F = 1/\sigma^2`. With the step size :math:`\alpha_t = \alpha_0/t`,
natural gradient descent (preconditioned by :math:`F^{-1}`) and plain gradient
descent are both *gain recursions*

.. math:: \mu_t = \mu_{t-1} + \frac{\gamma}{t}\,(x_t - \mu_{t-1}),

with gain :math:`\gamma = \alpha_0` (natural) or :math:`\gamma = \alpha_0/\sigma^2`
(plain). For :math:`\gamma = 1` the recursion is the running mean, whose variance
:math:`\sigma^2/t` is the Cramer-Rao bound (Amari 1998, Theorem 2).

References
----------
S. Amari, "Natural gradient works efficiently in learning", Neural Computation 10 (1998).
H. Robbins and S. Monro, "A stochastic approximation method", Ann. Math. Statist. 22 (1951).
"""

from __future__ import annotations

import numpy as np

from ._validation import count, finite_float, positive_float


def _stream(x) -> np.ndarray:
    try:
        arr = np.array(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError("x must be an array of real numbers with shape (..., T)") from exc
    if arr.ndim == 0 or arr.shape[-1] == 0:
        raise ValueError(f"x must have shape (..., T) with T >= 1, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("x must be finite (no NaN or inf)")
    return arr


def gain(sigma, lr0: float = 1.0, natural: bool = True) -> float:
    r"""Gain :math:`\gamma` of online (natural) gradient descent with :math:`\alpha_t = \alpha_0/t`.

    .. math:: \gamma = \alpha_0 \ \text{(natural)}, \qquad
              \gamma = \alpha_0 / \sigma^2 \ \text{(plain)}

    Parameters
    ----------
    sigma : float
        Known standard deviation, > 0.
    lr0 : float, optional
        Step-size constant, > 0 (default 1).
    natural : bool, optional
        Precondition by :math:`F^{-1} = \sigma^2` (default True).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If ``sigma`` or ``lr0`` is not a finite number > 0, or ``natural`` is not a bool.

    Examples
    --------
    >>> gain(2.0, natural=False)
    0.25
    >>> gain(2.0)
    1.0
    """
    sigma = positive_float(sigma, "sigma")
    lr0 = positive_float(lr0, "lr0")
    if not isinstance(natural, (bool, np.bool_)):
        raise ValueError(f"natural must be True or False, got {natural!r}")
    return lr0 if natural else lr0 / sigma**2


def online_mean(x, sigma, mu0: float = 0.0, lr0: float = 1.0, natural: bool = True) -> np.ndarray:
    r"""Path :math:`\mu_1, \dots, \mu_T` of online (natural) gradient descent on the Gaussian mean.

    .. math:: \mu_t = \mu_{t-1} - \frac{\alpha_0}{t}\, P\, \nabla\ell_t(\mu_{t-1}),
              \qquad \nabla\ell_t(\mu) = -\frac{x_t - \mu}{\sigma^2},
              \qquad P = F^{-1} = \sigma^2 \ \text{(natural)} \text{ or } P = 1.

    With ``natural=True`` and ``lr0=1`` the path is the running mean
    :math:`(x_1 + \dots + x_t)/t`, whatever ``mu0`` is.

    Parameters
    ----------
    x : array_like, shape (..., T)
        Observations in time order along the last axis; leading axes are
        independent runs, processed together.
    sigma : float
        Known standard deviation, > 0.
    mu0 : float, optional
        Starting point :math:`\mu_0` (default 0).
    lr0 : float, optional
        Step-size constant of :math:`\alpha_t = \alpha_0 / t`, > 0 (default 1).
    natural : bool, optional
        Natural gradient (default) or plain gradient descent.

    Returns
    -------
    numpy.ndarray, shape (..., T)
        ``path[..., t-1]`` is :math:`\mu_t`.

    Raises
    ------
    ValueError
        On an empty or non-finite ``x``, a bad ``sigma``, ``mu0``, ``lr0`` or ``natural``,
        or a path that overflows (a huge gain with a long stream).

    Examples
    --------
    >>> online_mean([1.0, 2.0, 6.0], sigma=3.0, mu0=100.0)
    array([1. , 1.5, 3. ])
    >>> online_mean([1.0, 2.0], sigma=0.5, natural=False)
    array([4., 0.])
    """
    arr = _stream(x)
    gamma = gain(sigma, lr0, natural)
    mu = np.full(arr.shape[:-1], finite_float(mu0, "mu0"))
    path = np.empty_like(arr)
    with np.errstate(all="ignore"):
        for t in range(1, arr.shape[-1] + 1):
            mu = mu + (gamma / t) * (arr[..., t - 1] - mu)
            path[..., t - 1] = mu
    if not np.all(np.isfinite(path)):
        raise ValueError(
            f"online_mean overflowed with gain gamma = {gamma!r}: lower lr0 (or raise sigma for natural=False)"
        )
    return path


def gain_variance(gamma, sigma, T: int) -> np.ndarray:
    r"""Exact variance of the gain recursion :math:`\mu_t = \mu_{t-1} + (\gamma/t)(x_t - \mu_{t-1})`.

    For independent :math:`x_t` of variance :math:`\sigma^2` and a fixed start
    (:math:`v_0 = 0`),

    .. math:: v_t = \Big(1 - \frac{\gamma}{t}\Big)^2 v_{t-1} + \frac{\gamma^2\sigma^2}{t^2}.

    For :math:`\gamma = 1`, :math:`v_t = \sigma^2/t`; for :math:`\gamma > 1/2`,
    :math:`t\,v_t \to \gamma^2\sigma^2/(2\gamma - 1)`; for :math:`\gamma < 1/2`, :math:`v_t`
    decays like :math:`t^{-2\gamma}`.

    Parameters
    ----------
    gamma : float
        Gain, > 0.
    sigma : float
        Standard deviation of one observation, > 0.
    T : int
        Number of steps, >= 1.

    Returns
    -------
    numpy.ndarray, shape (T,)
        ``v[t-1]`` is :math:`\mathrm{Var}(\mu_t)`.

    Raises
    ------
    ValueError
        If ``gamma`` or ``sigma`` is not a finite number > 0, or ``T`` is not an integer >= 1,
        or the variance overflows.

    Examples
    --------
    >>> gain_variance(1.0, 2.0, 4)
    array([4.        , 2.        , 1.33333333, 1.        ])
    """
    gamma = positive_float(gamma, "gamma")
    sigma = positive_float(sigma, "sigma")
    T = count(T, "T", 1)
    v = np.empty(T)
    prev = 0.0
    s2 = sigma**2
    with np.errstate(all="ignore"):
        for t in range(1, T + 1):
            prev = (1.0 - gamma / t) ** 2 * prev + gamma * gamma * s2 / (t * t)
            v[t - 1] = prev
    if not np.all(np.isfinite(v)):
        raise ValueError(f"gain_variance overflowed for gamma = {gamma!r}, sigma = {sigma!r}, T = {T}")
    return v


def asymptotic_variance_ratio(gamma) -> float:
    r"""Limit of :math:`t\,\mathrm{Var}(\mu_t)/\sigma^2` for the gain recursion.

    .. math:: \lim_{t\to\infty} \frac{t\,v_t}{\sigma^2} = \frac{\gamma^2}{2\gamma - 1},
              \qquad \gamma > \tfrac12,

    which is at least 1, with equality only at :math:`\gamma = 1` (the Cramer-Rao bound).

    Parameters
    ----------
    gamma : float
        Gain, > 1/2 (for smaller gains the variance decays slower than 1/t and
        the limit is infinite).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If ``gamma`` is not a finite number > 1/2.

    Examples
    --------
    >>> asymptotic_variance_ratio(1.0)
    1.0
    >>> asymptotic_variance_ratio(2.0)
    1.3333333333333333
    """
    gamma = finite_float(gamma, "gamma")
    if gamma <= 0.5:
        raise ValueError(
            f"gamma must be > 1/2 (for gamma <= 1/2 the variance decays slower than 1/t), got {gamma!r}"
        )
    return gamma * gamma / (2.0 * gamma - 1.0)


__all__ = ["asymptotic_variance_ratio", "gain", "gain_variance", "online_mean"]
