r"""Logistic regression: loss, gradient, Fisher, observed Hessian and the
iterations that use them (natural gradient descent, IRLS, Newton, GD).

The model is :math:`p(y = 1 \mid x, \theta) = \sigma(x^\top\theta)` with the
logistic sigmoid :math:`\sigma(\eta) = 1/(1 + e^{-\eta})`, labels
:math:`y_n \in \{0, 1\}` and the mean negative log-likelihood

.. math:: L(\theta) = \frac1N\sum_{n=1}^N
          \Big(\log\big(1 + e^{\eta_n}\big) - y_n\eta_n\Big),
          \qquad \eta_n = x_n^\top\theta .

The logit is the canonical link of the Bernoulli family, so the observed
Hessian of :math:`L` does not depend on :math:`y` and equals the Fisher; the
functions below nevertheless compute the two by different formulas (a sum over
the two labels for the Fisher, the second derivative of the log-partition
function for the Hessian), and :func:`irls_step` solves a weighted
least-squares problem instead of a linear system, so that the book can check
that the three iterations agree rather than assume it.

Reference: McCullagh & Nelder, *Generalized Linear Models* (1989), ch. 2 and 4.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from ._validation import as_design, as_vector, count, optional_seed, positive_float

#: The iterations of :func:`logistic_path`.
METHODS = ("ngd", "irls", "newton", "gd")


def _labels(y, n: int) -> np.ndarray:
    """Return ``y`` as a float array of shape (n,) with entries in {0, 1}."""
    y = as_vector(y, "y", n)
    if not np.all((y == 0.0) | (y == 1.0)):
        bad = y[(y != 0.0) & (y != 1.0)]
        raise ValueError(f"y must contain only the labels 0 and 1, got {bad[:5].tolist()}")
    return y


def _inputs(theta, X, y=None):
    X = as_design(X)
    theta = as_vector(theta, "theta", X.shape[1])
    if y is None:
        return theta, X
    return theta, X, _labels(y, X.shape[0])


def _finite(value, what: str, theta) -> np.ndarray:
    if not np.all(np.isfinite(value)):
        raise ValueError(f"{what} is not finite at theta = {np.asarray(theta).tolist()}; "
                         "the logits x^T theta are too large for double precision")
    return value


def _solve(M, b, what: str, theta) -> np.ndarray:
    """Solve ``M v = b``, turning a singular matrix into a ValueError."""
    try:
        v = np.linalg.solve(M, b)
    except np.linalg.LinAlgError as exc:
        raise ValueError(f"the {what} is singular at theta = {np.asarray(theta).tolist()} "
                         "(X must have full column rank and the fitted probabilities must not be 0 or 1)") from exc
    return _finite(v, f"the {what} step", theta)


def logistic_data(n_data: int = 400, seed: int | None = 0, means=((-1.0, -0.5), (1.0, 0.5))):
    r"""Two overlapping Gaussian classes in the plane, with an intercept column.

    .. math:: y_n \in \{0, 1\},\quad (x_{n1}, x_{n2}) \sim \mathcal N(m_{y_n}, I_2),
              \quad x_n = (1, x_{n1}, x_{n2}).

    The first ``n_data // 2`` points have label 0, the others label 1.
    Because both classes have unit covariance, they overlap and (almost surely,
    for a moderate number of points) no line separates them, so the maximum
    likelihood estimate exists.

    Parameters
    ----------
    n_data : int, optional
        Number of data points (observations), at least 2 (one per class); default 400.
    seed : int or None, optional
        Seed of ``numpy.random.default_rng``, >= 0 (default 0).
    means : array_like, shape (2, 2), optional
        Class means :math:`m_0` and :math:`m_1` (rows).

    Returns
    -------
    X : numpy.ndarray, shape (n_data, 3)
        Rows :math:`(1, x_{n1}, x_{n2})`.
    y : numpy.ndarray, shape (n_data,)
        Labels 0.0 and 1.0.

    Raises
    ------
    ValueError
        If ``n_data`` is not an integer >= 2, ``seed`` is not None or an
        integer >= 0, or ``means`` is not a finite (2, 2) array.

    Examples
    --------
    >>> X, y = logistic_data(6, seed=1)
    >>> X.shape, y.tolist()
    ((6, 3), [0.0, 0.0, 0.0, 1.0, 1.0, 1.0])
    """
    n_data = count(n_data, "n_data", 2)
    seed = optional_seed(seed)
    try:
        m = np.array(means, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"means must be a (2, 2) array of real numbers, got {means!r}") from exc
    if m.shape != (2, 2) or not np.all(np.isfinite(m)):
        raise ValueError(f"means must be a finite array of shape (2, 2), got {m.tolist()}")
    rng = np.random.default_rng(seed)
    n0 = n_data // 2
    y = np.concatenate([np.zeros(n0), np.ones(n_data - n0)])
    features = m[y.astype(int)] + rng.standard_normal((n_data, 2))
    return np.column_stack([np.ones(n_data), features]), y


def logistic_nll(theta, X, y) -> float:
    r"""Mean negative log-likelihood, evaluated stably with ``numpy.logaddexp``.

    .. math:: L(\theta) = \frac1N\sum_n \Big(\log(1 + e^{\eta_n}) - y_n\eta_n\Big),
              \qquad \eta_n = x_n^\top\theta

    Parameters
    ----------
    theta : array_like, shape (d,)
    X : array_like, shape (N, d)
    y : array_like, shape (N,)
        Labels in {0, 1}.

    Returns
    -------
    float
        Positive for finite ``theta``; :math:`\log 2` at ``theta = 0``.

    Raises
    ------
    ValueError
        On malformed or non-finite ``theta``, ``X`` or ``y``, or labels other than 0 and 1.

    Examples
    --------
    >>> X, y = logistic_data(10, seed=0)
    >>> bool(np.isclose(logistic_nll(np.zeros(3), X, y), np.log(2)))
    True
    """
    theta, X, y = _inputs(theta, X, y)
    eta = X @ theta
    return float(np.mean(np.logaddexp(0.0, eta) - y * eta))


def logistic_grad(theta, X, y) -> np.ndarray:
    r"""Gradient of the mean negative log-likelihood.

    .. math:: \nabla L(\theta) = \frac1N\sum_n \big(\sigma(\eta_n) - y_n\big)\,x_n
              = \frac1N X^\top (p - y)

    Parameters
    ----------
    theta : array_like, shape (d,)
    X : array_like, shape (N, d)
    y : array_like, shape (N,)
        Labels in {0, 1}.

    Returns
    -------
    numpy.ndarray, shape (d,)

    Raises
    ------
    ValueError
        On malformed or non-finite ``theta``, ``X`` or ``y``, or labels other than 0 and 1.

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [1.0, 1.0]])
    >>> logistic_grad([0.0, 0.0], X, [0, 1]).tolist()
    [0.0, -0.25]
    """
    theta, X, y = _inputs(theta, X, y)
    p = expit(X @ theta)
    return X.T @ (p - y) / X.shape[0]


def logistic_fisher(theta, X) -> np.ndarray:
    r"""Fisher of the mean NLL: the model expectation of the score outer product.

    For each input the label is averaged over the model,
    :math:`y \sim \mathrm{Bernoulli}(p_n)`, with score
    :math:`s_n(y) = (y - p_n)\,x_n` of :math:`\log p(y \mid x_n, \theta)`:

    .. math:: F(\theta) = \frac1N\sum_n \sum_{y\in\{0,1\}} p(y\mid x_n,\theta)\,
              s_n(y)\,s_n(y)^\top
              = \frac1N\sum_n p_n(1-p_n)\,x_n x_n^\top .

    The sum over the two labels is what is computed; the closed form on the
    right is what the book proves it equals.

    Parameters
    ----------
    theta : array_like, shape (d,)
    X : array_like, shape (N, d)

    Returns
    -------
    numpy.ndarray, shape (d, d)
        Symmetric positive semi-definite (positive definite when ``X`` has full column rank).

    Raises
    ------
    ValueError
        On malformed or non-finite ``theta`` or ``X``.

    Examples
    --------
    >>> X = np.array([[1.0, -1.0], [1.0, 1.0]])
    >>> logistic_fisher([0.0, 0.0], X).tolist()
    [[0.25, 0.0], [0.0, 0.25]]
    """
    theta, X = _inputs(theta, X)
    p1 = expit(X @ theta)
    F = np.zeros((X.shape[1], X.shape[1]))
    for label, prob in ((1.0, p1), (0.0, 1.0 - p1)):
        scores = (label - p1)[:, None] * X  # s_n(y) for this y, one row per n
        F += (scores * prob[:, None]).T @ scores
    return F / X.shape[0]


def logistic_hessian(theta, X, y) -> np.ndarray:
    r"""Observed Hessian of the mean NLL (the second derivative of the data's loss).

    Per observation the loss is :math:`A(\eta) - y\eta` with the log-partition
    function :math:`A(\eta) = \log(1 + e^\eta)`; the term :math:`-y\eta` is
    linear, so

    .. math:: \nabla^2 L(\theta) = \frac1N\sum_n A''(\eta_n)\, x_n x_n^\top,
              \qquad A''(\eta) = \sigma(\eta)\,\sigma(-\eta).

    ``y`` is validated but, the logit being the canonical link, drops out.

    Parameters
    ----------
    theta : array_like, shape (d,)
    X : array_like, shape (N, d)
    y : array_like, shape (N,)
        Labels in {0, 1}.

    Returns
    -------
    numpy.ndarray, shape (d, d)

    Raises
    ------
    ValueError
        On malformed or non-finite ``theta``, ``X`` or ``y``, or labels other than 0 and 1.

    Examples
    --------
    >>> X, y = logistic_data(20, seed=0)
    >>> bool(np.allclose(logistic_hessian([0.3, -1, 2], X, y), logistic_fisher([0.3, -1, 2], X)))
    True
    """
    theta, X, y = _inputs(theta, X, y)
    eta = X @ theta
    curvature = expit(eta) * expit(-eta)  # A''(eta), no 1 - p cancellation
    return (X * curvature[:, None]).T @ X / X.shape[0]


def smoothness(X) -> float:
    r"""Global smoothness constant of the mean NLL: a bound on its Hessian.

    .. math:: L_{\mathrm{smooth}} = \frac{\lambda_{\max}(X^\top X)}{4N}
              \ \ge\ \lambda_{\max}\big(\nabla^2 L(\theta)\big)\ \text{for all }\theta,

    since :math:`\sigma(\eta)\sigma(-\eta) \le 1/4`. Gradient descent with
    ``lr = 1 / smoothness(X)`` decreases :math:`L` at every step.

    Parameters
    ----------
    X : array_like, shape (N, d)

    Returns
    -------
    float

    Raises
    ------
    ValueError
        On a malformed or non-finite ``X``, or ``X = 0``.

    Examples
    --------
    >>> smoothness(np.array([[1.0, 0.0], [0.0, 2.0]]))
    0.5
    """
    X = as_design(X)
    value = float(np.linalg.eigvalsh(X.T @ X)[-1] / (4.0 * X.shape[0]))
    if value <= 0.0:
        raise ValueError("X must not be all zeros: the loss would be constant")
    return value


def ngd_step(theta, X, y, lr: float = 1.0) -> np.ndarray:
    r"""One natural-gradient step on the mean NLL.

    .. math:: \theta \leftarrow \theta - \mathrm{lr}\; F(\theta)^{-1}\nabla L(\theta)

    Parameters
    ----------
    theta : array_like, shape (d,)
    X : array_like, shape (N, d)
    y : array_like, shape (N,)
        Labels in {0, 1}.
    lr : float, optional
        Step size, > 0 (default 1, Fisher scoring).

    Returns
    -------
    numpy.ndarray, shape (d,)

    Raises
    ------
    ValueError
        On bad inputs or ``lr``, or a singular Fisher.

    Examples
    --------
    >>> X, y = logistic_data(50, seed=0)
    >>> bool(np.allclose(ngd_step(np.zeros(3), X, y), newton_step(np.zeros(3), X, y)))
    True
    """
    theta, X, y = _inputs(theta, X, y)
    lr = positive_float(lr, "lr")
    g = logistic_grad(theta, X, y)
    return theta - lr * _solve(logistic_fisher(theta, X), g, "Fisher", theta)


def newton_step(theta, X, y) -> np.ndarray:
    r"""One Newton step with the observed Hessian.

    .. math:: \theta \leftarrow \theta - \big(\nabla^2 L(\theta)\big)^{-1}\nabla L(\theta)

    Parameters
    ----------
    theta : array_like, shape (d,)
    X : array_like, shape (N, d)
    y : array_like, shape (N,)
        Labels in {0, 1}.

    Returns
    -------
    numpy.ndarray, shape (d,)

    Raises
    ------
    ValueError
        On bad inputs or a singular Hessian.

    Examples
    --------
    >>> X = np.array([[1.0, -1.0], [1.0, 1.0], [1.0, 2.0]])
    >>> newton_step([0.0, 0.0], X, [0, 1, 0]).round(4).tolist()
    [-0.8571, 0.2857]
    """
    theta, X, y = _inputs(theta, X, y)
    g = logistic_grad(theta, X, y)
    return theta - _solve(logistic_hessian(theta, X, y), g, "Hessian", theta)


def irls_step(theta, X, y) -> np.ndarray:
    r"""One step of iteratively reweighted least squares (IRLS).

    With :math:`p_n = \sigma(\eta_n)`, weights :math:`w_n = p_n(1-p_n)` and the
    working response :math:`z_n = \eta_n + (y_n - p_n)/w_n`, the new parameter
    is the weighted least-squares fit

    .. math:: \theta^{+} = \arg\min_\beta \sum_n w_n\,(z_n - x_n^\top\beta)^2,

    found with ``numpy.linalg.lstsq`` on the rows scaled by :math:`\sqrt{w_n}`.

    Parameters
    ----------
    theta : array_like, shape (d,)
    X : array_like, shape (N, d)
    y : array_like, shape (N,)
        Labels in {0, 1}.

    Returns
    -------
    numpy.ndarray, shape (d,)

    Raises
    ------
    ValueError
        On bad inputs, if a weight underflows to zero (a fitted probability of
        exactly 0 or 1), or if the weighted design is rank deficient.

    Examples
    --------
    >>> X = np.array([[1.0, -1.0], [1.0, 1.0], [1.0, 2.0]])
    >>> irls_step([0.0, 0.0], X, [0, 1, 0]).round(4).tolist()
    [-0.8571, 0.2857]
    """
    theta, X, y = _inputs(theta, X, y)
    eta = X @ theta
    p = expit(eta)
    w = p * (1.0 - p)
    if np.any(w <= 0.0):
        raise ValueError(f"a fitted probability is exactly 0 or 1 at theta = {theta.tolist()}; "
                         "the IRLS weights p(1 - p) vanish (is the data separable?)")
    z = eta + (y - p) / w
    root = np.sqrt(w)
    beta, _, rank, _ = np.linalg.lstsq(X * root[:, None], z * root, rcond=None)
    if rank < X.shape[1]:
        raise ValueError(f"the weighted design sqrt(W) X has rank {rank} < {X.shape[1]}; "
                         "X must have full column rank")
    return _finite(beta, "the IRLS step", theta)


def gradient_step(theta, X, y, lr: float) -> np.ndarray:
    r"""One gradient-descent step, :math:`\theta \leftarrow \theta - \mathrm{lr}\,\nabla L(\theta)`.

    Parameters
    ----------
    theta : array_like, shape (d,)
    X : array_like, shape (N, d)
    y : array_like, shape (N,)
        Labels in {0, 1}.
    lr : float
        Step size, > 0.

    Returns
    -------
    numpy.ndarray, shape (d,)

    Raises
    ------
    ValueError
        On bad inputs or ``lr``.

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [1.0, 1.0]])
    >>> gradient_step([0.0, 0.0], X, [0, 1], lr=4.0).tolist()
    [0.0, 1.0]
    """
    theta, X, y = _inputs(theta, X, y)
    lr = positive_float(lr, "lr")
    return theta - lr * logistic_grad(theta, X, y)


def logistic_path(method: str, theta0, X, y, steps: int, lr: float = 1.0) -> np.ndarray:
    r"""Iterates of one of the four methods, starting at ``theta0``.

    ``"ngd"``: :func:`ngd_step` with ``lr``; ``"irls"``:
    :func:`irls_step`; ``"newton"``: :func:`newton_step`; ``"gd"``:
    :func:`gradient_step` with ``lr``. IRLS and Newton take no step size.

    Parameters
    ----------
    method : {"ngd", "irls", "newton", "gd"}
    theta0 : array_like, shape (d,)
        Starting point.
    X : array_like, shape (N, d)
    y : array_like, shape (N,)
        Labels in {0, 1}.
    steps : int
        Number of steps, >= 1.
    lr : float, optional
        Step size of ``"ngd"`` and ``"gd"``, > 0 (default 1).

    Returns
    -------
    numpy.ndarray, shape (steps + 1, d)
        The path, starting at ``theta0``.

    Raises
    ------
    ValueError
        On an unknown ``method``, bad ``steps`` or ``lr``, bad data, or a
        step that fails (see the step functions).

    Examples
    --------
    >>> X, y = logistic_data(100, seed=0)
    >>> path = logistic_path("irls", np.zeros(3), X, y, steps=8)
    >>> path.shape, bool(np.linalg.norm(logistic_grad(path[-1], X, y)) < 1e-12)
    ((9, 3), True)
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    steps = count(steps, "steps", 1)
    lr = positive_float(lr, "lr")
    X = as_design(X)
    y = _labels(y, X.shape[0])
    theta = as_vector(theta0, "theta0", X.shape[1])
    step = {
        "ngd": lambda t: ngd_step(t, X, y, lr),
        "irls": lambda t: irls_step(t, X, y),
        "newton": lambda t: newton_step(t, X, y),
        "gd": lambda t: gradient_step(t, X, y, lr),
    }[method]
    path = np.empty((steps + 1, X.shape[1]))
    path[0] = theta
    for k in range(steps):
        path[k + 1] = step(path[k])
    return path


__all__ = [
    "METHODS",
    "gradient_step",
    "irls_step",
    "logistic_data",
    "logistic_fisher",
    "logistic_grad",
    "logistic_hessian",
    "logistic_nll",
    "logistic_path",
    "ngd_step",
    "newton_step",
    "smoothness",
]
