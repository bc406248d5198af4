r"""The Fisher-Rao geometry of the Gaussian family: distance, geodesics and balls.

With the Fisher metric, :math:`ds^2 = (d\mu^2 + 2\,d\sigma^2)/\sigma^2` in the ``mean_std``
chart, the Gaussians :math:`\mathcal N(\mu, \sigma^2)` form a hyperbolic plane of curvature
:math:`-\tfrac12`. In the coordinates :math:`(u, \sigma) = (\mu/\sqrt2, \sigma)` the metric is
:math:`2\,(du^2 + d\sigma^2)/\sigma^2`: twice Poincaré's upper half-plane, whose distances,
geodesics and circles are classical. Every function here takes and returns points in the
``mean_std`` chart :math:`(\mu, \sigma)`; the half-plane is only used inside.

Inside, a point of the half-plane is carried by the hyperboloid model, where a geodesic is a
combination of two points with ``sinh`` weights. Going back to :math:`(\mu, \sigma)` needs only
:math:`X_0 - X_2 = 1/\sigma` and :math:`X_1 = u/\sigma`, which are combined without
cancellation. ``js/geodesic_explorer.mjs`` computes the same formulas in the browser.

References: Atkinson and Mitchell (1981), *Rao's distance measure*, Sankhyā A 43; Costa, Santos
and Strapasson (2015), *Fisher information distance: a geometrical reading*, Discrete Applied
Mathematics 197.
"""

from __future__ import annotations

import math

import numpy as np

from ._validation import as_vector2, count, finite_float, finite_result, positive_float
from .charts import validate_theta

SQRT2 = math.sqrt(2.0)


def _point(theta, name):
    return validate_theta(theta, "mean_std", name)


def _parameters(values, name):
    """Positions along a curve: a finite number or 1-D array of finite numbers, as an array."""
    arr = np.atleast_1d(np.asarray(values, dtype=float))
    if arr.ndim != 1 or not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be a finite number or 1-D array of finite numbers, got {arr!r}")
    return arr


def _half_plane_distance(p, q) -> float:
    # cosh d = 1 + r^2 / (2 s1 s2) written as 2 asinh(r / (2 sqrt(s1 s2))): exact near d = 0,
    # where arccosh(1 + tiny) loses half the digits.
    r = math.hypot((p[0] - q[0]) / SQRT2, p[1] - q[1])
    return 2.0 * math.asinh(r / (2.0 * math.sqrt(p[1] * q[1])))


@finite_result
def fisher_rao_distance(theta1, theta2) -> float:
    r"""The Fisher-Rao distance between :math:`\mathcal N(\mu_1, \sigma_1^2)` and :math:`\mathcal N(\mu_2, \sigma_2^2)`.

    .. math:: d(\theta_1, \theta_2) = 2\sqrt2\,\operatorname{arsinh}
              \frac{\sqrt{(\mu_1 - \mu_2)^2/2 + (\sigma_1 - \sigma_2)^2}}{2\sqrt{\sigma_1\sigma_2}}
              = \sqrt2\,\operatorname{arcosh}\Big(1 + \frac{(\mu_1 - \mu_2)^2/2
              + (\sigma_1 - \sigma_2)^2}{2\sigma_1\sigma_2}\Big)

    the length of the shortest path between them measured with the Fisher metric.

    Parameters
    ----------
    theta1, theta2 : array_like, shape (2,)
        The two Gaussians in the ``mean_std`` chart, :math:`(\mu, \sigma)` with :math:`\sigma > 0`.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If a point is not a finite pair with :math:`\sigma > 0`.

    Examples
    --------
    >>> round(fisher_rao_distance([0.0, 1.0], [0.0, math.e]), 12)  # sqrt(2) log(sigma2 / sigma1)
    1.414213562373
    >>> fisher_rao_distance([1.0, 2.0], [1.0, 2.0])
    0.0

    References
    ----------
    Atkinson and Mitchell (1981); Costa, Santos and Strapasson (2015), section 3.
    """
    p, q = _point(theta1, "theta1"), _point(theta2, "theta2")
    return SQRT2 * _half_plane_distance(p, q)


@finite_result
def geodesic(theta1, theta2, t) -> np.ndarray:
    r"""Points of the Fisher-Rao geodesic from ``theta1`` (``t = 0``) to ``theta2`` (``t = 1``).

    With :math:`d` the half-plane distance (:func:`fisher_rao_distance` over :math:`\sqrt2`),
    the point at :math:`t` has

    .. math:: \frac1{\sigma(t)} = \frac{w_1(t)}{\sigma_1} + \frac{w_2(t)}{\sigma_2}, \qquad
              \frac{\mu(t)}{\sigma(t)} = \frac{w_1(t)\,\mu_1}{\sigma_1} + \frac{w_2(t)\,\mu_2}{\sigma_2},
              \qquad w_1 = \frac{\sinh((1 - t)d)}{\sinh d},\; w_2 = \frac{\sinh(td)}{\sinh d}:

    the hyperboloid model's geodesic, read back in :math:`(\mu, \sigma)`. The speed is constant:
    the point at :math:`t` lies at distance :math:`t\,d(\theta_1, \theta_2)` from ``theta1``.
    In :math:`(\mu, \sigma)` the curve is half of an ellipse centred on the axis
    :math:`\sigma = 0` with axes in the ratio :math:`\sqrt2 : 1`, or a vertical line when
    :math:`\mu_1 = \mu_2`.

    Parameters
    ----------
    theta1, theta2 : array_like, shape (2,)
        The ends, :math:`(\mu, \sigma)` with :math:`\sigma > 0`.
    t : float or array_like
        Positions along the geodesic; ``0`` and ``1`` are the ends, other values extend it.

    Returns
    -------
    numpy.ndarray, shape (len(t), 2)
        The points :math:`(\mu(t), \sigma(t))`.

    Raises
    ------
    ValueError
        If a point is not a finite pair with :math:`\sigma > 0` or ``t`` is not finite.

    Examples
    --------
    >>> g = geodesic([-1.0, 1.0], [1.0, 1.0], [0.0, 0.5, 1.0])
    >>> np.round(g, 6)  # the top of the half-ellipse through both, above sigma = 1
    array([[-1.      ,  1.      ],
           [ 0.      ,  1.224745],
           [ 1.      ,  1.      ]])
    """
    p, q = _point(theta1, "theta1"), _point(theta2, "theta2")
    t = _parameters(t, "t")
    d = _half_plane_distance(p, q)
    if d == 0.0:
        return np.tile(p, (len(t), 1))
    w1 = np.sinh((1.0 - t) * d) / math.sinh(d)
    w2 = np.sinh(t * d) / math.sinh(d)
    inv_sigma = w1 / p[1] + w2 / q[1]
    mu_over_sigma = w1 * p[0] / p[1] + w2 * q[0] / q[1]
    return np.column_stack([mu_over_sigma / inv_sigma, 1.0 / inv_sigma])


@finite_result
def geodesic_velocity(theta1, theta2) -> np.ndarray:
    r"""The velocity :math:`(\dot\mu, \dot\sigma)` at ``t = 0`` of :func:`geodesic` from ``theta1`` to ``theta2``.

    The initial velocity that the geodesic equations need to reach ``theta2`` at ``t = 1``
    (Riemannian geometry's logarithm map). Its Fisher length
    :math:`\sqrt{(\dot\mu^2 + 2\dot\sigma^2)}/\sigma_1` is the distance
    :func:`fisher_rao_distance`. Differentiating :func:`geodesic`'s formula at 0 gives, with
    :math:`a = 1/\sigma` and :math:`b = \mu/\sigma`,
    :math:`\dot\sigma = -\sigma_1^2\dot a`, :math:`\dot\mu = \sigma_1(\dot b - \mu_1\dot a)`.

    Parameters
    ----------
    theta1, theta2 : array_like, shape (2,)
        The ends, :math:`(\mu, \sigma)` with :math:`\sigma > 0`.

    Returns
    -------
    numpy.ndarray, shape (2,)

    Raises
    ------
    ValueError
        If a point is not a finite pair with :math:`\sigma > 0`.

    Examples
    --------
    >>> v = geodesic_velocity([0.0, 1.0], [0.0, 2.0])  # straight up: sigma(t) = 2**t
    >>> np.round(v, 6)
    array([0.      , 0.693147])
    """
    p, q = _point(theta1, "theta1"), _point(theta2, "theta2")
    d = _half_plane_distance(p, q)
    if d == 0.0:
        return np.zeros(2)
    # derivatives at t = 0 of w1 = sinh((1 - t) d) / sinh d and w2 = sinh(t d) / sinh d
    dw1, dw2 = -d / math.tanh(d), d / math.sinh(d)
    da = dw1 / p[1] + dw2 / q[1]
    db = dw1 * p[0] / p[1] + dw2 * q[0] / q[1]
    return np.array([p[1] * (db - p[0] * da), -p[1] ** 2 * da])


def _geodesic_rhs(_s, y):
    # Christoffel symbols of (d mu^2 + 2 d sigma^2) / sigma^2 in (mu, sigma): Gamma^mu_{mu sigma}
    # = -1/sigma, Gamma^sigma_{mu mu} = 1/(2 sigma), Gamma^sigma_{sigma sigma} = -1/sigma.
    mu, sigma, dmu, dsigma, _length = y
    return [dmu, dsigma,
            2.0 * dmu * dsigma / sigma,
            -dmu**2 / (2.0 * sigma) + dsigma**2 / sigma,
            math.sqrt(dmu**2 + 2.0 * dsigma**2) / sigma]


def integrate_geodesic(theta, velocity, s_end: float = 1.0, n_points: int = 101,
                       rtol: float = 1e-12) -> tuple[np.ndarray, np.ndarray]:
    r"""Solve the geodesic equations of the Fisher metric numerically, and the length along the way.

    .. math:: \ddot\mu = \frac{2\dot\mu\dot\sigma}{\sigma}, \qquad
              \ddot\sigma = -\frac{\dot\mu^2}{2\sigma} + \frac{\dot\sigma^2}{\sigma}, \qquad
              \dot\ell = \frac{\sqrt{\dot\mu^2 + 2\dot\sigma^2}}{\sigma}

    from :math:`(\mu, \sigma) =` ``theta`` with :math:`(\dot\mu, \dot\sigma) =` ``velocity``,
    for :math:`0 \le s \le` ``s_end``, by SciPy's ``solve_ivp`` (DOP853). The equations are
    :math:`\ddot x^k = -\Gamma^k_{ij}\dot x^i\dot x^j` with the Christoffel symbols of
    :math:`(d\mu^2 + 2\,d\sigma^2)/\sigma^2`; :math:`\ell(s)` is the Fisher length of the
    path so far, which is not assumed, so that it checks the closed forms independently.

    Parameters
    ----------
    theta : array_like, shape (2,)
        Start :math:`(\mu, \sigma)`, :math:`\sigma > 0`.
    velocity : array_like, shape (2,)
        Initial :math:`(\dot\mu, \dot\sigma)`, finite.
    s_end : float, optional
        End of the parameter interval, > 0.
    n_points : int, optional
        Number of equally spaced parameters at which the solution is returned, >= 2.
    rtol : float, optional
        Relative tolerance of the solver, in :math:`[10^{-13}, 10^{-3}]`; the absolute
        tolerance is ``rtol`` times 1e-3.

    Returns
    -------
    points : numpy.ndarray, shape (n_points, 2)
        :math:`(\mu(s), \sigma(s))`.
    lengths : numpy.ndarray, shape (n_points,)
        The Fisher length :math:`\ell(s)` of the path from ``theta``.

    Raises
    ------
    ValueError
        On invalid arguments, or if the solver fails (it says why).

    Examples
    --------
    >>> points, lengths = integrate_geodesic([0.0, 1.0], [1.0, 0.0], n_points=3)
    >>> bool(np.isclose(lengths[-1], 1.0, rtol=1e-10))  # a unit-speed start keeps its speed
    True
    """
    start = _point(theta, "theta")
    v = as_vector2(velocity, "velocity")
    s_end = positive_float(s_end, "s_end")
    n_points = count(n_points, "n_points", 2)
    rtol = finite_float(rtol, "rtol")
    if not 1e-13 <= rtol <= 1e-3:
        raise ValueError(f"rtol must lie in [1e-13, 1e-3], got {rtol!r}")
    from scipy.integrate import solve_ivp

    s = np.linspace(0.0, s_end, n_points)
    solution = solve_ivp(_geodesic_rhs, (0.0, s_end), [*start, *v, 0.0], method="DOP853",
                         t_eval=s, rtol=rtol, atol=rtol * 1e-3)
    if not solution.success or solution.y.shape[1] != n_points or not np.all(np.isfinite(solution.y)):
        raise ValueError(f"integrate_geodesic: the solver stopped: {solution.message}")
    return solution.y[:2].T.copy(), solution.y[4].copy()


@finite_result
def exp_map(theta, velocity, s) -> np.ndarray:
    r"""Points :math:`\gamma(s)` of the geodesic from ``theta`` with initial velocity ``velocity``.

    The closed-form solution of the equations :func:`integrate_geodesic` solves. With the unit
    initial direction :math:`V` on the hyperboloid and :math:`\kappa` the half-plane speed
    :math:`\sqrt{\dot\mu^2/2 + \dot\sigma^2}/\sigma`,
    :math:`X(s) = \cosh(\kappa s)\,P + \sinh(\kappa s)\,V`, read back in :math:`(\mu, \sigma)`.
    The point at :math:`s` lies at Fisher-Rao distance :math:`\sqrt2\,\kappa s` from ``theta``.

    Parameters
    ----------
    theta : array_like, shape (2,)
        Start :math:`(\mu, \sigma)`, :math:`\sigma > 0`.
    velocity : array_like, shape (2,)
        Initial :math:`(\dot\mu, \dot\sigma)`, finite.
    s : float or array_like
        Parameters at which to evaluate, finite.

    Returns
    -------
    numpy.ndarray, shape (len(s), 2)

    Raises
    ------
    ValueError
        On invalid arguments.

    Examples
    --------
    >>> np.round(exp_map([0.0, 1.0], [0.0, 1.0], [0.0, 1.0]), 6)  # sigma(s) = e^s
    array([[0.      , 1.      ],
           [0.      , 2.718282]])
    """
    mu, sigma = _point(theta, "theta")
    v = as_vector2(velocity, "velocity")
    s = _parameters(s, "s")
    u, du, dsigma = mu / SQRT2, v[0] / SQRT2, v[1]
    kappa = math.hypot(du, dsigma) / sigma
    if kappa == 0.0:
        return np.tile([mu, sigma], (len(s), 1))
    # Only two combinations of the hyperboloid's coordinates are needed: a = X0 - X2 = 1/sigma
    # and b = X1 = u/sigma. Their derivatives along the unit direction V give the V part.
    a0, b0 = 1.0 / sigma, u / sigma
    da = -dsigma / sigma**2 / kappa
    db = (du / sigma - u * dsigma / sigma**2) / kappa
    c, sh = np.cosh(kappa * s), np.sinh(kappa * s)
    a = c * a0 + sh * da
    b = c * b0 + sh * db
    return np.column_stack([SQRT2 * b / a, 1.0 / a])


@finite_result
def fisher_rao_ball(theta, radius: float, n_points: int = 200) -> np.ndarray:
    r"""Points at Fisher-Rao distance ``radius`` from ``theta``: the boundary of the Fisher-Rao ball.

    A hyperbolic circle is a Euclidean circle of the half-plane with another centre: with
    :math:`\rho = r/\sqrt2`,

    .. math:: \mu = \mu_0 + \sqrt2\,\sigma_0\sinh\rho\,\cos\phi, \qquad
              \sigma = \sigma_0\cosh\rho + \sigma_0\sinh\rho\,\sin\phi,

    an ellipse in :math:`(\mu, \sigma)` whose centre sits above ``theta``.

    Parameters
    ----------
    theta : array_like, shape (2,)
        Centre :math:`(\mu_0, \sigma_0)`, :math:`\sigma_0 > 0`.
    radius : float
        Fisher-Rao radius :math:`r > 0`.
    n_points : int, optional
        Number of points, >= 3, at angles :math:`\phi = 2\pi k/n`.

    Returns
    -------
    numpy.ndarray, shape (n_points, 2)

    Raises
    ------
    ValueError
        On invalid arguments.

    Examples
    --------
    >>> ball = fisher_rao_ball([0.0, 1.0], 0.3, n_points=8)
    >>> bool(np.allclose([fisher_rao_distance([0.0, 1.0], x) for x in ball], 0.3, rtol=1e-12))
    True
    """
    mu0, sigma0 = _point(theta, "theta")
    rho = positive_float(radius, "radius") / SQRT2
    n_points = count(n_points, "n_points", 3)
    phi = np.linspace(0.0, 2.0 * np.pi, n_points, endpoint=False)
    return np.column_stack([mu0 + SQRT2 * sigma0 * math.sinh(rho) * np.cos(phi),
                            sigma0 * math.cosh(rho) + sigma0 * math.sinh(rho) * np.sin(phi)])
