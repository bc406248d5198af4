r"""Charts: coordinate systems on the family of univariate Gaussians.

A *chart* names the two numbers ``theta`` used to write down
:math:`\mathcal N(\mu, \sigma^2)`. Every chart in :data:`CHARTS` is a smooth,
invertible map onto the open half-plane :math:`\{(\mu, \sigma) : \sigma > 0\}`:

=================== ====================================================== ====================
chart               coordinates :math:`\theta = (\theta_1, \theta_2)`        domain
=================== ====================================================== ====================
``mean_std``        :math:`(\mu, \sigma)`                                  :math:`\sigma > 0`
``mean_var``        :math:`(\mu, \sigma^2)`                                :math:`\sigma^2 > 0`
``mean_precision``  :math:`(\mu, \tau)`, :math:`\tau = 1/\sigma^2`         :math:`\tau > 0`
``mean_logstd``     :math:`(\mu, \log\sigma)`                              all of :math:`\mathbb R^2`
``natural``         :math:`(\eta_1, \eta_2) = (\mu/\sigma^2, -1/(2\sigma^2))` :math:`\eta_2 < 0`
=================== ====================================================== ====================

Everything is routed through the hub chart ``mean_std``. The private scalar
helpers work on plain Python floats because the optimisers call them once per
step, where NumPy's per-call overhead would dominate.
"""

from __future__ import annotations

import math

import numpy as np

from ._validation import as_vector2, finite_result

CHARTS: tuple[str, ...] = ("mean_std", "mean_var", "mean_precision", "mean_logstd", "natural")
"""Names of the supported charts, in the order the book presents them."""

COORDINATE_NAMES: dict[str, tuple[str, str]] = {
    "mean_std": ("mu", "sigma"),
    "mean_var": ("mu", "sigma^2"),
    "mean_precision": ("mu", "tau"),
    "mean_logstd": ("mu", "log sigma"),
    "natural": ("eta1", "eta2"),
}
"""Plain-text names of each chart's two coordinates (used in messages and labels)."""

_DOMAIN_TEXT = {
    "mean_std": "sigma > 0",
    "mean_var": "sigma^2 > 0",
    "mean_precision": "tau > 0",
    "mean_logstd": "any finite log sigma",
    "natural": "eta2 < 0",
}


# --- scalar maps to and from the hub chart (mu, sigma) --------------------------------

def _std_to_std(a, b):
    return a, b


def _var_to_std(a, b):
    return a, math.sqrt(b)


def _precision_to_std(a, b):
    return a, 1.0 / math.sqrt(b)


def _logstd_to_std(a, b):
    return a, math.exp(b) if b < 709.0 else math.inf


def _natural_to_std(a, b):
    var = -0.5 / b
    return a * var, math.sqrt(var)


def std_coordinates(points, chart: str) -> np.ndarray:
    r"""Map many points of ``chart`` to :math:`(\mu, \sigma)` at once (rows of an (n, 2) array).

    The vectorised counterpart of ``to_chart(row, chart, "mean_std")`` for paths that are
    already known to lie in the chart's domain (e.g. optimiser output), without per-row checks.

    Examples
    --------
    >>> std_coordinates([[0.0, 4.0], [1.0, 1.0]], "mean_var")
    array([[0., 2.],
           [1., 1.]])
    """
    check_chart(chart)
    points = np.asarray(points, dtype=float).reshape(-1, 2)
    a, b = points[:, 0], points[:, 1]
    if chart == "mean_std":
        mu, sigma = a, b
    elif chart == "mean_var":
        mu, sigma = a, np.sqrt(b)
    elif chart == "mean_precision":
        mu, sigma = a, 1.0 / np.sqrt(b)
    elif chart == "mean_logstd":
        mu, sigma = a, np.exp(b)
    else:
        var = -0.5 / b
        mu, sigma = a * var, np.sqrt(var)
    return np.stack([mu, sigma], axis=1)


def _std_from_std(mu, sigma):
    return mu, sigma


def _var_from_std(mu, sigma):
    return mu, sigma * sigma


def _precision_from_std(mu, sigma):
    return mu, 1.0 / (sigma * sigma)


def _logstd_from_std(mu, sigma):
    return mu, math.log(sigma)


def _natural_from_std(mu, sigma):
    var = sigma * sigma
    return mu / var, -0.5 / var


_TO_STD = {
    "mean_std": _std_to_std,
    "mean_var": _var_to_std,
    "mean_precision": _precision_to_std,
    "mean_logstd": _logstd_to_std,
    "natural": _natural_to_std,
}
_FROM_STD = {
    "mean_std": _std_from_std,
    "mean_var": _var_from_std,
    "mean_precision": _precision_from_std,
    "mean_logstd": _logstd_from_std,
    "natural": _natural_from_std,
}
_IN_DOMAIN = {
    "mean_std": lambda a, b: b > 0.0,
    "mean_var": lambda a, b: b > 0.0,
    "mean_precision": lambda a, b: b > 0.0,
    "mean_logstd": lambda a, b: True,
    "natural": lambda a, b: b < 0.0,
}


# --- Jacobians of the chart maps, d(mu, sigma)/d(theta) and d(theta)/d(mu, sigma) ----
# Each returns the 2x2 matrix as a tuple of rows ((J11, J12), (J21, J22)).

def _jac_to_std(chart, a, b, mu, sigma):
    r"""Rows d(mu)/d(theta) and d(sigma)/d(theta) at a point whose hub coordinates are known."""
    if chart == "mean_std":
        return (1.0, 0.0), (0.0, 1.0)
    if chart == "mean_var":
        return (1.0, 0.0), (0.0, 0.5 / sigma)
    if chart == "mean_precision":
        return (1.0, 0.0), (0.0, -0.5 * sigma * sigma * sigma)
    if chart == "mean_logstd":
        return (1.0, 0.0), (0.0, sigma)
    # natural: mu = -eta1 / (2 eta2), sigma = (-2 eta2)^(-1/2)
    var = sigma * sigma
    return (var, 2.0 * mu * var), (0.0, var * sigma)


def _jac_from_std(chart, mu, sigma):
    r"""Rows d(theta_1)/d(mu, sigma) and d(theta_2)/d(mu, sigma)."""
    if chart == "mean_std":
        return (1.0, 0.0), (0.0, 1.0)
    if chart == "mean_var":
        return (1.0, 0.0), (0.0, 2.0 * sigma)
    if chart == "mean_precision":
        return (1.0, 0.0), (0.0, -2.0 / (sigma * sigma * sigma))
    if chart == "mean_logstd":
        return (1.0, 0.0), (0.0, 1.0 / sigma)
    var = sigma * sigma
    return (1.0 / var, -2.0 * mu / (var * sigma)), (0.0, 1.0 / (var * sigma))


# --- validation -------------------------------------------------------------------------

def check_chart(chart, name: str = "chart") -> str:
    """Return ``chart`` if it names a supported chart, else raise ``ValueError``.

    Parameters
    ----------
    chart : str
        Candidate chart name.
    name : str, optional
        Argument name used in the error message.

    Returns
    -------
    str
        The validated chart name.

    Raises
    ------
    ValueError
        If ``chart`` is not one of :data:`CHARTS`.

    Examples
    --------
    >>> check_chart("natural")
    'natural'
    """
    if not isinstance(chart, str) or chart not in _TO_STD:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, CHARTS))}; got {chart!r}")
    return chart


def validate_theta(theta, chart: str, name: str = "theta", chart_name: str = "chart") -> np.ndarray:
    """Return ``theta`` as a float array of shape (2,) after checking it lies in ``chart``'s domain.

    Parameters
    ----------
    theta : array_like, shape (2,)
        Coordinates of one Gaussian in ``chart``.
    chart : str
        One of :data:`CHARTS`.
    name, chart_name : str, optional
        Argument names used in error messages.

    Returns
    -------
    numpy.ndarray
        A fresh copy of ``theta`` as floats.

    Raises
    ------
    ValueError
        If ``chart`` is unknown, ``theta`` has the wrong shape, is not finite,
        lies outside the chart's domain, or describes a Gaussian whose
        :math:`(\\mu, \\sigma)` overflow double precision.

    Examples
    --------
    >>> validate_theta([0.0, 2.0], "mean_var")
    array([0., 2.])
    """
    check_chart(chart, chart_name)
    arr = as_vector2(theta, name)
    a, b = float(arr[0]), float(arr[1])
    if not _IN_DOMAIN[chart](a, b):
        first, second = COORDINATE_NAMES[chart]
        raise ValueError(
            f"{name} = {arr.tolist()} is outside the domain of chart {chart!r} "
            f"({first}, {second}): need {_DOMAIN_TEXT[chart]}"
        )
    mu, sigma = _TO_STD[chart](a, b)
    if not (math.isfinite(mu) and math.isfinite(sigma) and sigma > 0.0):
        raise ValueError(
            f"{name} = {arr.tolist()} in chart {chart!r} describes a Gaussian whose mean or "
            "standard deviation overflows double precision; need finite mu and 0 < sigma < inf"
        )
    return arr


def _std_point(theta: np.ndarray, chart: str) -> tuple[float, float]:
    """Hub coordinates (mu, sigma) of an already validated point."""
    return _TO_STD[chart](float(theta[0]), float(theta[1]))


# --- public API ----------------------------------------------------------------------

def to_chart(theta, from_chart: str, to_chart: str) -> np.ndarray:
    r"""Re-express a Gaussian's coordinates in another chart.

    Maps :math:`\theta_a \mapsto \theta_b = \phi_b(\phi_a^{-1}(\theta_a))`
    through the hub chart :math:`(\mu, \sigma)`, e.g.
    :math:`(\mu, \sigma) \mapsto (\mu/\sigma^2, -1/(2\sigma^2))` for ``natural``.

    Parameters
    ----------
    theta : array_like, shape (2,)
        Coordinates in ``from_chart``; must lie in its domain.
    from_chart, to_chart : str
        Names from :data:`CHARTS`.

    Returns
    -------
    numpy.ndarray, shape (2,)
        Coordinates of the same distribution in ``to_chart``.

    Raises
    ------
    ValueError
        On an unknown chart, a malformed or out-of-domain ``theta``, or a
        result that overflows double precision.

    Examples
    --------
    >>> to_chart([1.0, 2.0], "mean_std", "natural")
    array([ 0.25 , -0.125])

    References
    ----------
    Amari, S. (1998). Natural gradient works efficiently in learning.
    """
    theta = validate_theta(theta, from_chart, chart_name="from_chart")
    check_chart(to_chart, "to_chart")
    mu, sigma = _std_point(theta, from_chart)
    out = np.array(_FROM_STD[to_chart](mu, sigma), dtype=float)
    if not np.all(np.isfinite(out)) or not _IN_DOMAIN[to_chart](out[0], out[1]):
        raise ValueError(
            f"theta = {theta.tolist()} in chart {from_chart!r} cannot be represented in chart "
            f"{to_chart!r}: the converted coordinates {out.tolist()} overflow double precision"
        )
    return out


@finite_result
def chart_jacobian(theta, from_chart: str, to_chart: str) -> np.ndarray:
    r"""Jacobian of the change of coordinates between two charts.

    .. math:: J_{ij} = \frac{\partial (\theta_b)_i}{\partial (\theta_a)_j}, \qquad
              J = \frac{\partial \theta_b}{\partial(\mu,\sigma)}\,
                  \frac{\partial(\mu,\sigma)}{\partial \theta_a}.

    With it the Fisher information pulls back as :math:`F_a = J^\top F_b J`.

    Parameters
    ----------
    theta : array_like, shape (2,)
        The point, in ``from_chart`` coordinates.
    from_chart, to_chart : str
        Names from :data:`CHARTS` (:math:`a` and :math:`b` above).

    Returns
    -------
    numpy.ndarray, shape (2, 2)

    Raises
    ------
    ValueError
        On an unknown chart or a malformed or out-of-domain ``theta``.

    Examples
    --------
    >>> chart_jacobian([0.0, 2.0], "mean_std", "mean_var")
    array([[1., 0.],
           [0., 4.]])
    """
    theta = validate_theta(theta, from_chart, chart_name="from_chart")
    check_chart(to_chart, "to_chart")
    a, b = float(theta[0]), float(theta[1])
    mu, sigma = _TO_STD[from_chart](a, b)
    inner = np.array(_jac_to_std(from_chart, a, b, mu, sigma))
    outer = np.array(_jac_from_std(to_chart, mu, sigma))
    return outer @ inner


def _displacement(theta_p: np.ndarray, theta_q: np.ndarray, chart: str) -> tuple[float, float]:
    r"""Cancellation-free :math:`(\mu_q - \mu_p,\ \log(\sigma_q/\sigma_p))` for two validated points.

    Subtracting hub coordinates loses all accuracy when the points are close
    and :math:`|\mu| \gg \sigma` (finite differences live exactly there), so
    each chart expresses the change through the coordinate difference
    :math:`d = \theta_q - \theta_p`, which is exact for nearby points.
    """
    a, b = float(theta_p[0]), float(theta_p[1])
    a_q, b_q = float(theta_q[0]), float(theta_q[1])
    d1, d2 = a_q - a, b_q - b
    if chart != "mean_logstd" and not abs(d2) < 0.5 * abs(b):
        # Far apart: nothing cancels, and log1p near -1 would lose digits.
        mu_p, sigma_p = _TO_STD[chart](a, b)
        mu_q, sigma_q = _TO_STD[chart](a_q, b_q)
        return mu_q - mu_p, math.log(sigma_q) - math.log(sigma_p)
    if chart == "mean_std":
        return d1, math.log1p(d2 / b)
    if chart == "mean_var":
        return d1, 0.5 * math.log1p(d2 / b)
    if chart == "mean_precision":
        return d1, -0.5 * math.log1p(d2 / b)
    if chart == "mean_logstd":
        return d1, d2
    # natural: mu = -eta1/(2 eta2); sigma^2 = -1/(2 eta2)
    dmu = (a * d2 - d1 * b) / (2.0 * b * b_q)
    return dmu, -0.5 * math.log1p(d2 / b)


def _step_scales(theta: np.ndarray, chart: str) -> np.ndarray:
    r"""Finite-difference scale of each coordinate, from the chart's own geometry.

    Coordinate :math:`j` gets the change that moves the distribution by about
    one unit of :math:`(\mu/\sigma, \log\sigma)`, i.e. the inverse length of
    column :math:`j` of :math:`\partial(\mu,\sigma)/\partial\theta` divided by
    :math:`\sigma`. Unlike a step relative to :math:`|\theta_j|`, this stays
    inside the domain at tiny :math:`\sigma` and is non-zero where
    :math:`\theta_j = 0`.
    """
    a, b = float(theta[0]), float(theta[1])
    mu, sigma = _TO_STD[chart](a, b)
    (j11, j12), (j21, j22) = _jac_to_std(chart, a, b, mu, sigma)
    return np.array([sigma / math.hypot(j11, j21), sigma / math.hypot(j12, j22)])
