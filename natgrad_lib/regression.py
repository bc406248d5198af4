r"""Linear-Gaussian regression with unit noise: gradient, Fisher, empirical Fisher.

The model is :math:`y_n \mid x_n \sim \mathcal N(x_n^\top\theta, 1)` with the
mean negative log-likelihood

.. math:: L(\theta) = \frac1N\sum_{n=1}^N \tfrac12 (y_n - x_n^\top\theta)^2
          + \text{const}.

The functions reproduce the set-up of Kunstner, Balles & Hennig (2019),
Fig. 1, which compares gradient descent, natural gradient descent (with the
Fisher) and steps preconditioned by the *empirical Fisher*. The empirical
Fisher is never called "Fisher" here: the two are different matrices.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_design, as_vector, count, positive_float

#: Damping added to both matrices before they are inverted.
DAMPING = 1e-8

#: The three directions of :func:`direction`, with their scale factors.
KINDS = ("gd", "ngd", "empirical")
_SCALE = {"gd": 1.0 / 3.0, "ngd": 1.0, "empirical": 3.0}


def _kind(kind) -> str:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    return kind


def linreg_data(n_data: int = 1000, seed: int = 0):
    r"""Simulated data of Kunstner et al. (2019), Fig. 1.

    .. math:: x_n = (1, z_n),\ z_n \sim \mathrm{LogNormal}(0, 0.75^2),\qquad
              y_n = x_n^\top\theta^\star + \varepsilon_n,\ \varepsilon_n\sim\mathcal N(0,1),
              \qquad \theta^\star = (2, 2).

    Parameters
    ----------
    n_data : int, optional
        Number of data points (observations), at least 1 (default 1000).
    seed : int, optional
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    X : numpy.ndarray, shape (n_data, 2)
    y : numpy.ndarray, shape (n_data,)

    Raises
    ------
    ValueError
        If ``n_data`` is not a positive integer or ``seed`` is not an integer >= 0.

    Examples
    --------
    >>> X, y = linreg_data(3, seed=0)
    >>> X.shape, y.shape, X[:, 0].tolist()
    ((3, 2), (3,), [1.0, 1.0, 1.0])
    """
    n_data = count(n_data, "n_data", 1)
    seed = count(seed, "seed", 0)
    rng = np.random.default_rng(seed)
    z = rng.lognormal(mean=0.0, sigma=0.75, size=n_data)
    X = np.column_stack([np.ones(n_data), z])
    y = X @ np.array([2.0, 2.0]) + rng.standard_normal(n_data)
    return X, y


def linreg_grad(theta, X, y) -> np.ndarray:
    r"""Gradient of the mean negative log-likelihood.

    .. math:: g(\theta) = -\frac1N\sum_n (y_n - x_n^\top\theta)\,x_n

    Parameters
    ----------
    theta : array_like, shape (d,)
    X : array_like, shape (N, d)
    y : array_like, shape (N,)

    Returns
    -------
    numpy.ndarray, shape (d,)

    Raises
    ------
    ValueError
        On malformed or non-finite ``theta``, ``X`` or ``y``.
    """
    X = as_design(X)
    y = as_vector(y, "y", X.shape[0])
    theta = as_vector(theta, "theta", X.shape[1])
    r = y - X @ theta
    return -(X.T @ r) / X.shape[0]


def linreg_fisher(X) -> np.ndarray:
    r"""Fisher of the mean negative log-likelihood (independent of :math:`\theta`).

    .. math:: F = \frac1N\sum_n x_n x_n^\top

    Parameters
    ----------
    X : array_like, shape (N, d)

    Returns
    -------
    numpy.ndarray, shape (d, d)

    Raises
    ------
    ValueError
        On a malformed or non-finite ``X``.
    """
    X = as_design(X)
    return X.T @ X / X.shape[0]


def empirical_fisher(theta, X, y) -> np.ndarray:
    r"""Empirical Fisher: the mean outer product of the observed scores.

    .. math:: \widetilde F(\theta) = \frac1N\sum_n r_n^2\, x_n x_n^\top,
              \qquad r_n = y_n - x_n^\top\theta

    Parameters
    ----------
    theta : array_like, shape (d,)
    X : array_like, shape (N, d)
    y : array_like, shape (N,)

    Returns
    -------
    numpy.ndarray, shape (d, d)
        Symmetric positive semi-definite; zero when every residual is zero.

    Raises
    ------
    ValueError
        On malformed or non-finite ``theta``, ``X`` or ``y``.
    """
    X = as_design(X)
    y = as_vector(y, "y", X.shape[0])
    theta = as_vector(theta, "theta", X.shape[1])
    r = y - X @ theta
    return (X * (r**2)[:, None]).T @ X / X.shape[0]


def direction(kind: str, theta, X, y) -> np.ndarray:
    r"""One of the three update directions of Kunstner et al. (2019), Fig. 1.

    .. math:: \texttt{gd}: -\tfrac13 g,\qquad
              \texttt{ngd}: -(F + 10^{-8} I)^{-1} g,\qquad
              \texttt{empirical}: -3\,(\widetilde F + 10^{-8} I)^{-1} g

    Parameters
    ----------
    kind : {"gd", "ngd", "empirical"}
    theta : array_like, shape (d,)
    X : array_like, shape (N, d)
    y : array_like, shape (N,)

    Returns
    -------
    numpy.ndarray, shape (d,)

    Raises
    ------
    ValueError
        On an unknown ``kind`` or malformed ``theta``, ``X`` or ``y``.
    """
    kind = _kind(kind)
    g = linreg_grad(theta, X, y)
    if kind == "gd":
        return -_SCALE[kind] * g
    if kind == "ngd":
        M = linreg_fisher(X)
    else:
        M = empirical_fisher(theta, X, y)
    M = M + DAMPING * np.eye(M.shape[0])
    return -_SCALE[kind] * np.linalg.solve(M, g)


def vector_field(kind: str, theta1, theta2, X, y):
    r"""The field :func:`direction` on a grid of two-parameter points.

    .. math:: (U_{ij}, V_{ij}) = \mathrm{direction}\big((\theta_{1,ij}, \theta_{2,ij})\big)

    Parameters
    ----------
    kind : {"gd", "ngd", "empirical"}
    theta1, theta2 : array_like, same shape
        Grid coordinates (e.g. from ``numpy.meshgrid``).
    X : array_like, shape (N, 2)
    y : array_like, shape (N,)

    Returns
    -------
    U, V : numpy.ndarray
        Components of the direction, same shape as ``theta1``.

    Raises
    ------
    ValueError
        On an unknown ``kind``, grids of different shapes or bad data.
    """
    kind = _kind(kind)
    t1 = np.array(theta1, dtype=float)
    t2 = np.array(theta2, dtype=float)
    if t1.shape != t2.shape:
        raise ValueError(f"theta1 and theta2 must have the same shape, got {t1.shape} and {t2.shape}")
    if not (np.all(np.isfinite(t1)) and np.all(np.isfinite(t2))):
        raise ValueError("theta1 and theta2 must be finite")
    X = as_design(X)
    if X.shape[1] != 2:
        raise ValueError(f"X must have 2 columns for a plane field, got {X.shape[1]}")
    y = as_vector(y, "y", X.shape[0])
    U = np.empty_like(t1)
    V = np.empty_like(t1)
    for idx in np.ndindex(t1.shape):
        U[idx], V[idx] = direction(kind, (t1[idx], t2[idx]), X, y)
    return U, V


def trajectory(kind: str, theta0, X, y, steps: int = 50, lr: float = 0.1) -> np.ndarray:
    r"""Iterates of :math:`\theta^{(k+1)} = \theta^{(k)} + \mathrm{lr}\cdot\mathrm{direction}(\theta^{(k)})`.

    Parameters
    ----------
    kind : {"gd", "ngd", "empirical"}
    theta0 : array_like, shape (d,)
        Starting point.
    X : array_like, shape (N, d)
    y : array_like, shape (N,)
    steps : int, optional
        Number of steps, at least 1.
    lr : float, optional
        Step size, > 0.

    Returns
    -------
    numpy.ndarray, shape (steps + 1, d)
        The path, starting at ``theta0``.

    Raises
    ------
    ValueError
        On an unknown ``kind``, bad ``steps`` or ``lr``, or bad data.
    """
    kind = _kind(kind)
    steps = count(steps, "steps", 1)
    lr = positive_float(lr, "lr")
    X = as_design(X)
    y = as_vector(y, "y", X.shape[0])
    theta = as_vector(theta0, "theta0", X.shape[1])
    path = [theta.copy()]
    for _ in range(steps):
        theta = theta + lr * direction(kind, theta, X, y)
        path.append(theta.copy())
    return np.array(path)


__all__ = [
    "DAMPING",
    "KINDS",
    "direction",
    "empirical_fisher",
    "linreg_data",
    "linreg_fisher",
    "linreg_grad",
    "trajectory",
    "vector_field",
]
