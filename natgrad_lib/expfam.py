r"""The Gaussian as an exponential family: natural and mean parameters, mirror descent, and the
Bayesian learning rule.

In the natural parameters :math:`\eta = (\mu/\sigma^2, -1/(2\sigma^2))` the Gaussian density is
:math:`\exp(\eta^\top T(x) - A(\eta))` with :math:`T(x) = (x, x^2)`. Its mean parameters are
:math:`m = \nabla A(\eta) = \mathbb E[T(x)] = (\mu, \mu^2 + \sigma^2)`, and
:math:`\nabla^2 A(\eta) = \partial m/\partial\eta` is the Fisher information in :math:`\eta`.
Natural gradient descent in :math:`\eta` is mirror descent in :math:`m` with the Bregman
divergence of the convex conjugate :math:`A^*` (Raskutti & Mukherjee 2015). The chapter
*Natural gradient as mirror descent* checks that with :func:`mirror_descent` against
:func:`natgrad_lib.optimizers.natural_gradient_descent`.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_vector2, count, positive_float
from .likelihood import sufficient_statistics


def mean_params(eta) -> np.ndarray:
    r"""Mean parameters :math:`m = (\mathbb E x, \mathbb E x^2) = (\mu, \mu^2 + \sigma^2)` of natural parameters ``eta``.

    Raises
    ------
    ValueError
        If ``eta`` is not a finite 2-vector with :math:`\eta_2 < 0`.

    Examples
    --------
    >>> mean_params([0.25, -0.125])  # N(1, 2^2)
    array([1., 5.])
    """
    eta1, eta2 = as_vector2(eta, "eta")
    if not eta2 < 0:
        raise ValueError(f"eta must have eta2 < 0 (a positive variance), got eta2 = {eta2}")
    var = -0.5 / eta2
    mu = eta1 * var
    return np.array([mu, mu * mu + var])


def natural_params(m) -> np.ndarray:
    r"""Natural parameters :math:`\eta = (\mu/\sigma^2, -1/(2\sigma^2))` of mean parameters ``m``.

    Raises
    ------
    ValueError
        If ``m`` is not a finite 2-vector with :math:`m_2 > m_1^2` (a positive variance).

    Examples
    --------
    >>> natural_params([1.0, 5.0])
    array([ 0.25 , -0.125])
    """
    m1, m2 = as_vector2(m, "m")
    var = m2 - m1 * m1
    if not var > 0:
        raise ValueError(f"m must have m2 > m1^2 (a positive variance), got m = {[m1, m2]}")
    return np.array([m1 / var, -0.5 / var])


def mean_nll_grad_mean(m, data) -> np.ndarray:
    r"""Gradient in the mean parameters of the mean NLL :math:`L(m)` of ``data``.

    With :math:`s^2 = m_2 - m_1^2` and the data's :math:`\bar x`, :math:`\overline{x^2}`,

    .. math:: L(m) = \tfrac12\log(2\pi s^2) + \frac{\overline{x^2} - 2 m_1\bar x + m_1^2}{2 s^2} .

    Examples
    --------
    >>> mean_nll_grad_mean([2.0, 5.0], [1.0, 3.0])  # at the MLE
    array([0., 0.])
    """
    m1, m2 = as_vector2(m, "m")
    if not m2 - m1 * m1 > 0:
        raise ValueError(f"m must have m2 > m1^2 (a positive variance), got m = {[m1, m2]}")
    return _grad_mean(m1, m2, *sufficient_statistics(data))


def _grad_mean(m1: float, m2: float, xbar: float, var_hat: float) -> np.ndarray:
    """:func:`mean_nll_grad_mean` from the data's sufficient statistics, for a valid ``m``."""
    s2 = m2 - m1 * m1
    x2bar = var_hat + xbar * xbar
    q = x2bar - 2.0 * m1 * xbar + m1 * m1  # mean of (x - m1)^2
    dL_ds2 = 0.5 / s2 - 0.5 * q / (s2 * s2)
    dL_dm1_direct = (m1 - xbar) / s2
    # s2 depends on m1 (ds2/dm1 = -2 m1) and on m2 (ds2/dm2 = 1)
    return np.array([dL_dm1_direct - 2.0 * m1 * dL_ds2, dL_ds2])


def mirror_descent(data, eta0, lr: float, steps: int) -> np.ndarray:
    r"""Mirror descent on the mean NLL in the mean parameters, mirror map :math:`\nabla A^*`.

    Each step minimises :math:`\alpha\langle\nabla_m L(m_k), m\rangle + D_{A^*}(m, m_k)`; its
    solution satisfies :math:`\nabla A^*(m_{k+1}) = \nabla A^*(m_k) - \alpha\nabla_m L(m_k)`, and
    since :math:`\nabla A^*(m) = \eta`:

    .. math:: \eta_{k+1} = \eta_k - \alpha\,\nabla_m L(m(\eta_k)).

    Returns
    -------
    numpy.ndarray, shape (k, 2)
        The iterates in natural parameters, ``eta0`` first; shorter than ``steps + 1`` only if a
        step would leave the domain :math:`\eta_2 < 0`.

    Raises
    ------
    ValueError
        On bad data, an ``eta0`` outside the domain, ``lr <= 0`` or ``steps < 0``.
    """
    eta = as_vector2(eta0, "eta0")
    mean_params(eta)  # refuses eta2 >= 0
    lr = positive_float(lr, "lr")
    steps = count(steps, "steps", 0)
    stats = sufficient_statistics(data)  # once: every step needs only these
    path = [eta.copy()]
    for _ in range(steps):
        new = eta - lr * _grad_mean(*mean_params(eta), *stats)
        if not (np.all(np.isfinite(new)) and new[1] < 0):
            break
        eta = new
        path.append(eta.copy())
    return np.array(path)


def blr_gaussian_mean(data, noise_sd: float, prior_sd: float, lr: float, steps: int, eta0=None):
    r"""The Bayesian learning rule for a Gaussian mean with known noise and a Gaussian prior.

    Model :math:`x_i \sim \mathcal N(\theta, \sigma^2)` with :math:`\sigma` = ``noise_sd``, prior
    :math:`\theta \sim \mathcal N(0, \sigma_0^2)` with :math:`\sigma_0` = ``prior_sd``, and a
    Gaussian :math:`q(\theta)` with natural parameters :math:`\eta_q`. The rule (Khan & Rue 2023)
    is natural gradient ascent on the evidence lower bound with step :math:`\alpha` = ``lr``; for
    this conjugate model it reads

    .. math:: \eta_q^{(k+1)} = (1-\alpha)\eta_q^{(k)} + \alpha\Big(\eta_{\text{prior}}
              + \sum_i (x_i/\sigma^2, -1/(2\sigma^2))\Big),

    with :math:`\eta_{\text{prior}} = (0, -1/(2\sigma_0^2))`; its fixed point is the exact posterior.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The iterates :math:`\eta_q^{(k)}` (shape (steps + 1, 2)), from ``eta0`` (default: the
        prior), and the exact posterior's natural parameters.

    Raises
    ------
    ValueError
        On bad data, non-positive standard deviations, ``lr`` outside (0, 1] or ``steps < 0``.

    Examples
    --------
    >>> path, post = blr_gaussian_mean([1.0, 2.0], 1.0, 10.0, lr=1.0, steps=1)
    >>> bool(np.allclose(path[1], post))
    True
    """
    data = np.asarray(data, dtype=float)
    sufficient_statistics(data)  # validates
    noise_sd, prior_sd = positive_float(noise_sd, "noise_sd"), positive_float(prior_sd, "prior_sd")
    lr = positive_float(lr, "lr")
    if lr > 1:
        raise ValueError(f"lr must lie in (0, 1], got {lr}")
    steps = count(steps, "steps", 0)
    prior = np.array([0.0, -0.5 / prior_sd ** 2])
    target = prior + np.array([data.sum() / noise_sd ** 2, -0.5 * data.size / noise_sd ** 2])
    eta = prior.copy() if eta0 is None else as_vector2(eta0, "eta0")
    path = [eta]
    for _ in range(steps):
        eta = (1.0 - lr) * eta + lr * target
        path.append(eta)
    return np.array(path), target
