r"""Divergences between Gaussians, in closed form and in any chart."""

from __future__ import annotations

import math

import numpy as np
from scipy import integrate

from ._validation import finite_result
from .charts import _displacement, _std_point, validate_theta

# Taylor coefficients 1/k! for k = 2..24, used by _expm1_minus_x near 0.
_INV_FACTORIALS = tuple(1.0 / math.factorial(k) for k in range(2, 25))


def _expm1_minus_x(x: float) -> float:
    r""":math:`e^x - 1 - x` to full relative precision, also for tiny :math:`|x|`.

    ``expm1(x) - x`` cancels catastrophically for small ``x`` (both terms are
    ~x, the result ~x**2/2), so near zero the Taylor series is summed instead.
    """
    if abs(x) < 0.5:
        total = 0.0
        power = x * x
        for c in _INV_FACTORIALS:
            term = c * power
            total += term
            if abs(term) <= 1e-17 * abs(total):
                break
            power *= x
        return total
    try:
        return math.expm1(x) - x
    except OverflowError:
        return math.inf


@finite_result
def kl_divergence(theta_p, theta_q, chart: str) -> float:
    r"""Kullback–Leibler divergence :math:`D_{KL}(p \,\|\, q)` between two Gaussians.

    .. math::
        D_{KL}\big(\mathcal N(\mu_p,\sigma_p^2)\,\|\,\mathcal N(\mu_q,\sigma_q^2)\big)
        = \log\frac{\sigma_q}{\sigma_p} + \frac{\sigma_p^2 + (\mu_p-\mu_q)^2}{2\sigma_q^2}
          - \frac12 .

    It is evaluated as :math:`\tfrac12\,(e^{-2\ell} - 1 + 2\ell) + \tfrac12(\Delta\mu/\sigma_q)^2`
    with :math:`\ell = \log(\sigma_q/\sigma_p)` and :math:`\Delta\mu` computed from the
    coordinate difference, so the result keeps full relative precision even when
    the two distributions are nearly equal. The value does not depend on the chart.

    Parameters
    ----------
    theta_p, theta_q : array_like, shape (2,)
        The two distributions, both in ``chart`` coordinates.
    chart : str
        One of :data:`~natgrad_lib.charts.CHARTS`.

    Returns
    -------
    float
        :math:`D_{KL}(p\,\|\,q) \ge 0`, equal to 0 exactly when ``theta_p == theta_q``.

    Raises
    ------
    ValueError
        On an unknown chart or a malformed or out-of-domain point.

    Examples
    --------
    >>> round(kl_divergence([0.0, 1.0], [1.0, 1.0], "mean_std"), 12)
    0.5

    References
    ----------
    Cover, T. M. and Thomas, J. A. (2006). *Elements of Information Theory*, ch. 8.
    """
    theta_p = validate_theta(theta_p, chart, "theta_p")
    theta_q = validate_theta(theta_q, chart, "theta_q")
    return _kl(theta_p, theta_q, chart)


def _kl(theta_p, theta_q, chart: str) -> float:
    """:func:`kl_divergence` for points already validated (no checks, for inner loops)."""
    dmu, log_ratio = _displacement(theta_p, theta_q, chart)
    _, sigma_q = _std_point(theta_q, chart)
    z = dmu / sigma_q
    return 0.5 * _expm1_minus_x(-2.0 * log_ratio) + 0.5 * z * z


@finite_result
def kl_by_quadrature(theta_p, theta_q, chart: str) -> float:
    r"""KL divergence by numerical integration, independent of the closed form.

    .. math:: D_{KL}(p\,\|\,q) = \int p(x) \log\frac{p(x)}{q(x)}\,dx
              = \int \varphi(z)\,\big[\log p(\mu_p+\sigma_p z) - \log q(\mu_p+\sigma_p z)\big]\,dz

    with :math:`\varphi` the standard normal density, by :func:`scipy.integrate.quad`
    (relative tolerance :math:`10^{-12}`). The log-ratio is formed from log-densities,
    so no density is divided by another.

    Parameters
    ----------
    theta_p, theta_q : array_like, shape (2,)
        The two distributions, in ``chart`` coordinates.
    chart : str
        One of :data:`~natgrad_lib.charts.CHARTS`.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        On an unknown chart or a malformed or out-of-domain point.

    Examples
    --------
    >>> round(kl_by_quadrature([0.0, 1.0], [1.0, 1.0], "mean_std"), 10)
    0.5
    """
    mu_p, s_p = _std_point(validate_theta(theta_p, chart, "theta_p"), chart)
    mu_q, s_q = _std_point(validate_theta(theta_q, chart, "theta_q"), chart)

    def integrand(z):
        # x = mu_p + s_p z; log p(x) - log q(x), written without forming x - mu_q from x
        log_ratio = math.log(s_q / s_p) - 0.5 * z * z + 0.5 * ((mu_p - mu_q + s_p * z) / s_q) ** 2
        return math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi) * log_ratio

    value, _ = integrate.quad(integrand, -np.inf, np.inf, epsabs=0.0, epsrel=1e-12, limit=200)
    return float(value)
