r"""Local geometry of the Fisher metric: KL balls and the steepest-descent step inside one."""

from __future__ import annotations

import numpy as np

from ._validation import as_vector2, count, finite_result, positive_float


def _as_fisher(F) -> np.ndarray:
    F = np.array(F, dtype=float)
    if F.shape != (2, 2) or not np.all(np.isfinite(F)):
        raise ValueError(f"F must be a finite array of shape (2, 2), got {F.tolist()}")
    if not np.allclose(F, F.T, rtol=1e-10, atol=0.0) or np.any(np.linalg.eigvalsh(F) <= 0):
        raise ValueError("F must be symmetric positive definite")
    return F


@finite_result
def kl_ellipse(F, c: float, n_points: int = 200) -> np.ndarray:
    r"""Points :math:`\delta` on the quadratic KL ball :math:`\tfrac12\delta^\top F\delta = c`.

    .. math:: \delta(t) = \sqrt{2c}\; L^{-\top} (\cos t, \sin t)^\top, \qquad F = L L^\top,
              \quad t = 2\pi k / n

    To second order these are the displacements that change the distribution by
    exactly :math:`c` nats of KL divergence (equation (8) of the source post).

    Parameters
    ----------
    F : array_like, shape (2, 2)
        Symmetric positive-definite metric (a Fisher information).
    c : float
        Radius in nats, > 0.
    n_points : int, optional
        Number of points, >= 3.

    Returns
    -------
    numpy.ndarray, shape (n_points, 2)

    Raises
    ------
    ValueError
        If ``F`` is not symmetric positive definite, ``c <= 0`` or ``n_points < 3``.

    Examples
    --------
    >>> d = kl_ellipse([[4.0, 0.0], [0.0, 1.0]], c=0.5, n_points=4)
    >>> bool(np.allclose(0.5 * np.einsum("ni,ij,nj->n", d, [[4, 0], [0, 1]], d), 0.5))
    True
    """
    F = _as_fisher(F)
    c = positive_float(c, "c")
    n_points = count(n_points, "n_points", 3)
    t = np.linspace(0.0, 2.0 * np.pi, n_points, endpoint=False)
    circle = np.stack([np.cos(t), np.sin(t)])
    L = np.linalg.cholesky(F)
    return (np.sqrt(2.0 * c) * np.linalg.solve(L.T, circle)).T


@finite_result
def natural_gradient_step(grad, F, c: float) -> np.ndarray:
    r"""The step that decreases a linearised loss most within the quadratic KL ball.

    .. math:: \delta^* = \arg\min_{\frac12\delta^\top F\delta = c} g^\top\delta
              = -\sqrt{\frac{2c}{g^\top F^{-1} g}}\; F^{-1} g

    The Lagrange multiplier the source post leaves open is fixed by the
    constraint: :math:`1/\lambda = \sqrt{2c / g^\top F^{-1} g}`.

    Parameters
    ----------
    grad : array_like, shape (2,)
        Loss gradient :math:`g`, not zero.
    F : array_like, shape (2, 2)
        Symmetric positive-definite Fisher information.
    c : float
        KL budget in nats, > 0.

    Returns
    -------
    numpy.ndarray, shape (2,)

    Raises
    ------
    ValueError
        If ``grad`` is zero or not finite, ``F`` is not symmetric positive definite,
        or ``c <= 0``.

    Examples
    --------
    >>> natural_gradient_step([1.0, 0.0], [[4.0, 0.0], [0.0, 1.0]], c=2.0)
    array([-1., -0.])

    References
    ----------
    Schulman, J. et al. (2015). Trust region policy optimization. *ICML*.
    """
    grad = as_vector2(grad, "grad")
    F = _as_fisher(F)
    c = positive_float(c, "c")
    if not np.any(grad):
        raise ValueError("grad must be non-zero: at a stationary point no step decreases the loss")
    direction = np.linalg.solve(F, grad)
    return -np.sqrt(2.0 * c / float(grad @ direction)) * direction
