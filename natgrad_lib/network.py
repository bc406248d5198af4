r"""Natural gradient for a small neural network: Fisher = Gauss-Newton, Fisher-vector products, K-FAC.

A multilayer perceptron with ``tanh`` hidden layers and a softmax output, trained by mean
cross-entropy on 2-D inputs. Everything is written by hand in NumPy, so that each matrix of the
chapter *Natural gradient at scale* can be formed exactly and compared:

* :func:`loss_and_grad` (backpropagation) and :func:`logit_jacobian` (one backward pass per
  class);
* the Fisher :func:`fisher` :math:`F = \frac1n\sum_i J_i^\top H_i J_i` with
  :math:`H_i = \operatorname{diag}(p_i) - p_i p_i^\top`, which is the generalised Gauss-Newton
  matrix of softmax with cross-entropy; the :func:`empirical_fisher` and the :func:`hessian`;
* :func:`fisher_vector_product` :math:`F v` without forming :math:`F` (a forward-mode pass and a
  backward pass) and :func:`conjugate_gradient`, the Hessian-free solve;
* :func:`kfac_factors` and :func:`kfac_direction`, Kronecker-factored approximate curvature;
* :func:`train`: full-batch gradient descent, Adam, K-FAC and exact damped natural gradient;
* :func:`step_multiply_adds`: the cost of one step of each method, counted from the shapes of the
  matrix products the code performs (a count, so the same on every machine and every run).

Parameters are one flat vector ``theta``: for each layer its weight matrix (rows = outputs), then
its bias. ``sizes`` lists the widths from input to output, e.g. ``(2, 12, 12, 3)``.

References: Martens (2020), *New insights and perspectives on the natural gradient method*;
Martens (2010), *Deep learning via Hessian-free optimization*; Martens & Grosse (2015),
*Optimizing neural networks with Kronecker-factored approximate curvature*; Kunstner, Balles &
Hennig (2019), *Limitations of the empirical Fisher approximation for natural gradient descent*.
"""

from __future__ import annotations

import math
import time

import numpy as np

from ._validation import count, positive_float

SIZES = (2, 12, 12, 3)
"""The chapter's network: 2 inputs, two hidden layers of 12 ``tanh`` units, 3 classes (231 parameters)."""


# --- data and parameters ------------------------------------------------------------------

def spiral_data(n_per_class: int = 100, seed: int = 0, noise: float = 0.25):
    r"""Three interleaved spiral arms in the plane, one class each (seeded).

    Point :math:`j` of class :math:`k` sits at radius :math:`r = j/n` and angle
    :math:`4r + 2\pi k/3` plus Gaussian noise of standard deviation ``noise`` (in radians).

    Returns
    -------
    X : numpy.ndarray, shape (3 n_per_class, 2)
    y : numpy.ndarray of int, shape (3 n_per_class,)

    Raises
    ------
    ValueError
        If ``n_per_class < 2``, ``seed < 0`` or ``noise`` is not finite and >= 0.

    Examples
    --------
    >>> X, y = spiral_data(5, seed=1)
    >>> X.shape, sorted(set(y.tolist()))
    ((15, 2), [0, 1, 2])
    """
    n_per_class = count(n_per_class, "n_per_class", 2)
    seed = count(seed, "seed", 0)
    if not (isinstance(noise, (int, float)) and math.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be a finite number >= 0, got {noise!r}")
    rng = np.random.default_rng(seed)
    r = np.tile(np.arange(n_per_class) / n_per_class, 3)
    k = np.repeat(np.arange(3), n_per_class)
    angle = 4.0 * r + 2.0 * np.pi * k / 3.0 + noise * rng.standard_normal(r.size)
    X = np.column_stack([r * np.cos(angle), r * np.sin(angle)])
    return X, k


def _check_sizes(sizes):
    sizes = tuple(sizes)
    if len(sizes) < 2 or any(not isinstance(s, (int, np.integer)) or s < 1 for s in sizes):
        raise ValueError(f"sizes must be at least two positive integers (input ... output), got {sizes!r}")
    if sizes[-1] < 2:
        raise ValueError(f"sizes must end with at least 2 classes, got {sizes!r}")
    return sizes


def n_params(sizes=SIZES) -> int:
    """Number of parameters: a weight matrix and a bias per layer.

    Examples
    --------
    >>> n_params((2, 12, 12, 3))
    231
    """
    sizes = _check_sizes(sizes)
    return sum(o * i + o for i, o in zip(sizes[:-1], sizes[1:]))


def init_theta(sizes=SIZES, seed: int = 0) -> np.ndarray:
    r"""Random initial parameters: weights :math:`\mathcal N(0, 1/\text{fan-in})`, biases 0.

    Examples
    --------
    >>> init_theta((2, 3, 2), seed=0).shape
    (17,)
    """
    sizes = _check_sizes(sizes)
    rng = np.random.default_rng(count(seed, "seed", 0))
    parts = []
    for i, o in zip(sizes[:-1], sizes[1:]):
        parts += [rng.standard_normal(o * i) / math.sqrt(i), np.zeros(o)]
    return np.concatenate(parts)


def unpack(theta, sizes=SIZES):
    """The layers ``[(W, b), ...]`` of a flat parameter vector (views, not copies).

    Raises
    ------
    ValueError
        If ``theta`` is not a finite vector of length ``n_params(sizes)``.
    """
    sizes = _check_sizes(sizes)
    theta = np.asarray(theta, dtype=float)
    if theta.ndim != 1 or theta.size != n_params(sizes) or not np.all(np.isfinite(theta)):
        raise ValueError(f"theta must be a finite vector of length {n_params(sizes)} for sizes {sizes}, "
                         f"got shape {theta.shape}")
    layers, at = [], 0
    for i, o in zip(sizes[:-1], sizes[1:]):
        W = theta[at:at + o * i].reshape(o, i)
        at += o * i
        layers.append((W, theta[at:at + o]))
        at += o
    return layers


def _check_data(X, y=None, sizes=SIZES):
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != sizes[0] or X.shape[0] < 1 or not np.all(np.isfinite(X)):
        raise ValueError(f"X must be a finite array of shape (n, {sizes[0]}), got {X.shape}")
    if y is None:
        return X
    y = np.asarray(y)
    if y.shape != (X.shape[0],) or not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() >= sizes[-1]:
        raise ValueError(f"y must hold {X.shape[0]} integer labels in [0, {sizes[-1] - 1}]")
    return X, y


# --- forward and backward passes ----------------------------------------------------------

def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax, shifted by the row maximum so that it never overflows."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def forward(theta, X, sizes=SIZES):
    """Logits and the activations entering each layer (``acts[0]`` is ``X``)."""
    layers = unpack(theta, sizes)
    X = _check_data(X, sizes=sizes)
    acts = [X]
    for l, (W, b) in enumerate(layers):
        z = acts[-1] @ W.T + b
        if l < len(layers) - 1:
            acts.append(np.tanh(z))
    return z, acts


def _backward(layers, acts, delta):
    """Per-layer (dW, db) from the logits' error ``delta`` (rows = examples), summed over rows."""
    grads = []
    for l in range(len(layers) - 1, -1, -1):
        W, _ = layers[l]
        grads.append((delta.T @ acts[l], delta.sum(axis=0)))
        if l > 0:
            delta = (delta @ W) * (1.0 - acts[l] ** 2)
    return [g for pair in reversed(grads) for g in (pair[0].ravel(), pair[1])]


def loss_and_grad(theta, X, y, sizes=SIZES):
    r"""Mean cross-entropy :math:`L = -\frac1n\sum_i \log p_{i,y_i}` and its gradient (backpropagation).

    Returns
    -------
    (float, numpy.ndarray)

    Examples
    --------
    >>> X, y = spiral_data(4)
    >>> L, g = loss_and_grad(init_theta(), X, y)
    >>> g.shape
    (231,)
    """
    X, y = _check_data(X, y, sizes)
    z, acts = forward(theta, X, sizes)
    shifted = z - z.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))  # never log(0)
    n = X.shape[0]
    loss = -float(np.mean(log_p[np.arange(n), y]))
    delta = np.exp(log_p)
    delta[np.arange(n), y] -= 1.0
    return loss, np.concatenate(_backward(unpack(theta, sizes), acts, delta / n))


def _per_example(layers, acts, delta):
    """Per-example gradients (n, p) from per-example logit errors ``delta`` (n, K)."""
    out = [None] * (2 * len(layers))
    for l in range(len(layers) - 1, -1, -1):
        W, _ = layers[l]
        out[2 * l] = np.einsum("no,ni->noi", delta, acts[l]).reshape(delta.shape[0], -1)
        out[2 * l + 1] = delta
        if l > 0:
            delta = (delta @ W) * (1.0 - acts[l] ** 2)
    return np.concatenate(out, axis=1)


def per_example_grads(theta, X, y, sizes=SIZES) -> np.ndarray:
    r"""Gradients :math:`g_i = \nabla_\theta(-\log p_{i,y_i})` of each example, shape (n, p)."""
    X, y = _check_data(X, y, sizes)
    z, acts = forward(theta, X, sizes)
    delta = softmax(z)
    delta[np.arange(X.shape[0]), y] -= 1.0
    return _per_example(unpack(theta, sizes), acts, delta)


def logit_jacobian(theta, X, sizes=SIZES) -> np.ndarray:
    r"""Jacobians :math:`J_i = \partial z_i/\partial\theta` of the logits, shape (n, K, p): one backward pass per class."""
    X = _check_data(X, sizes=sizes)
    z, acts = forward(theta, X, sizes)
    layers = unpack(theta, sizes)
    K = sizes[-1]
    return np.stack([_per_example(layers, acts, np.tile(np.eye(K)[k], (X.shape[0], 1))) for k in range(K)],
                    axis=1)


# --- curvature matrices -------------------------------------------------------------------

def fisher(theta, X, sizes=SIZES) -> np.ndarray:
    r"""The Fisher information of the model's predictive distribution, exactly.

    .. math:: F = \frac1n\sum_i \mathbb E_{y\sim p_i}\big[\nabla\log p_{i,y}\,\nabla\log p_{i,y}^\top\big]
              = \frac1n\sum_i J_i^\top H_i J_i,

    the generalised Gauss-Newton matrix of softmax with cross-entropy (Martens 2020, sec. 9).
    It needs no labels.
    """
    J = logit_jacobian(theta, X, sizes)
    z, _ = forward(theta, X, sizes)
    # H_i = R_i R_i^T, so F = (1/n) sum_i (R_i^T J_i)^T (R_i^T J_i): one matrix product
    RJ = np.einsum("nkj,nkp->njp", _sqrt_output_hessians(softmax(z)), J).reshape(-1, J.shape[2])
    return RJ.T @ RJ / J.shape[0]


def empirical_fisher(theta, X, y, sizes=SIZES) -> np.ndarray:
    r"""The empirical Fisher :math:`\frac1n\sum_i g_i g_i^\top` over the observed labels (not the Fisher)."""
    G = per_example_grads(theta, X, y, sizes)
    return G.T @ G / G.shape[0]


def hessian(theta, X, y, sizes=SIZES, h: float = 1e-5) -> np.ndarray:
    r"""Hessian of the mean cross-entropy by central differences of the exact gradient, symmetrised.

    Each column is :math:`(\nabla L(\theta + h e_j) - \nabla L(\theta - h e_j))/2h`; the error is
    :math:`O(h^2)` plus rounding of order :math:`\epsilon/h`.
    """
    theta = np.asarray(theta, dtype=float)
    h = positive_float(h, "h")
    cols = []
    for j in range(theta.size):
        e = np.zeros_like(theta)
        e[j] = h
        cols.append((loss_and_grad(theta + e, X, y, sizes)[1] - loss_and_grad(theta - e, X, y, sizes)[1]) / (2 * h))
    H = np.column_stack(cols)
    return 0.5 * (H + H.T)


def fisher_vector_product(theta, X, v, sizes=SIZES) -> np.ndarray:
    r""":math:`F v = \frac1n\sum_i J_i^\top H_i J_i v` without forming :math:`J` or :math:`F`.

    A forward-mode pass carries the directional derivative :math:`J v` of the logits through the
    network (Pearlmutter's R-operator), :math:`H_i` multiplies it, and one backward pass returns
    :math:`J^\top(\cdot)`: the cost of about two gradients (Schraudolph 2002; Martens 2010).
    """
    layers = unpack(theta, sizes)
    dlayers = unpack(np.asarray(v, dtype=float), sizes)
    z, acts = forward(theta, X, sizes)
    dz = None
    for l, ((W, _), (dW, db)) in enumerate(zip(layers, dlayers)):
        da = np.zeros_like(acts[l]) if l == 0 else (1.0 - acts[l] ** 2) * dz
        dz = da @ W.T + acts[l] @ dW.T + db
    p = softmax(z)
    u = p * dz - p * np.sum(p * dz, axis=1, keepdims=True)  # H_i (J v)_i
    return np.concatenate(_backward(layers, acts, u / X.shape[0]))


def conjugate_gradient(matvec, b, tol: float = 1e-10, maxiter: int | None = None):
    r"""Solve :math:`A x = b` for symmetric positive definite :math:`A` given only :math:`v \mapsto Av`.

    Stops when :math:`\|b - Ax\| \le \text{tol}\,\|b\|`.

    Returns
    -------
    (numpy.ndarray, int)
        The solution and the number of iterations (matrix-vector products).

    Raises
    ------
    ValueError
        If ``tol <= 0``, or if a direction of non-positive curvature shows that :math:`A` is
        not positive definite.

    Examples
    --------
    >>> A = np.array([[4.0, 1.0], [1.0, 3.0]])
    >>> x, k = conjugate_gradient(lambda v: A @ v, np.array([1.0, 2.0]))
    >>> bool(np.allclose(A @ x, [1.0, 2.0])), k <= 2
    (True, True)
    """
    tol = positive_float(tol, "tol")
    b = np.asarray(b, dtype=float)
    maxiter = 10 * b.size if maxiter is None else count(maxiter, "maxiter", 1)
    x = np.zeros_like(b)
    r = b.copy()
    d = r.copy()
    rr = r @ r
    stop = (tol * np.linalg.norm(b)) ** 2
    k = 0
    while rr > stop and k < maxiter:
        Ad = matvec(d)
        dAd = d @ Ad
        if not dAd > 0:
            raise ValueError("the matrix is not positive definite along a CG direction; add damping")
        step = rr / dAd
        x += step * d
        r -= step * Ad
        rr_new = r @ r
        d = r + (rr_new / rr) * d
        rr = rr_new
        k += 1
    return x, k


# --- K-FAC --------------------------------------------------------------------------------

def kfac_factors(theta, X, sizes=SIZES):
    r"""Kronecker factors :math:`(A_l, G_l)` of each layer's Fisher block, :math:`F_l \approx A_l \otimes G_l`.

    :math:`A_l = \frac1n\sum_i \bar a_i \bar a_i^\top` over the layer's input with a 1 appended
    (for the bias), and :math:`G_l = \frac1n\sum_i \mathbb E_{y\sim p_i}[s_i s_i^\top]` over the
    gradient :math:`s_i` of :math:`-\log p_{i,y}` with respect to the layer's pre-activation,
    computed exactly as :math:`B_i H_i B_i^\top` with :math:`B_i = \partial z_i/\partial s_i`
    (Martens & Grosse 2015). The block of :math:`F` in the order (W row-major, b) is then
    approximated by the Kronecker product, up to a permutation of the bias.
    """
    layers = unpack(theta, sizes)
    z, acts = forward(theta, X, sizes)
    n = X.shape[0]
    Hroot = _sqrt_output_hessians(softmax(z))  # (n, K, K) with R R^T = H
    factors = []
    # back-propagate each column of R: s-gradients for every "direction" of the output noise
    deltas = [Hroot[:, :, j] for j in range(Hroot.shape[2])]
    per_layer = [None] * len(layers)
    for l in range(len(layers) - 1, -1, -1):
        W, _ = layers[l]
        per_layer[l] = sum(d.T @ d for d in deltas) / n
        if l > 0:
            deltas = [(d @ W) * (1.0 - acts[l] ** 2) for d in deltas]
    for l in range(len(layers)):
        a = np.column_stack([acts[l], np.ones(n)])
        factors.append((a.T @ a / n, per_layer[l]))
    return factors


def _sqrt_output_hessians(p):
    r""":math:`R_i = \operatorname{diag}(\sqrt{p_i}) - p_i \sqrt{p_i}^\top`, so that :math:`R_i R_i^\top = H_i`.

    :math:`H_i = \operatorname{diag}(p_i) - p_i p_i^\top` is the Hessian of the cross-entropy in the
    logits and the Fisher of the categorical in them (the chapter writes :math:`C_i`).
    """
    s = np.sqrt(p)
    return np.einsum("nk,kl->nkl", s, np.eye(p.shape[1])) - np.einsum("nk,nl->nkl", p, s)


KFAC_DAMPING = ("factored", "exact")
"""How :func:`kfac_direction` damps: each Kronecker factor, or the Kronecker product itself."""


def kfac_direction(theta, X, grad, sizes=SIZES, damping: float = 1e-3,
                   scheme: str = "factored") -> np.ndarray:
    r"""K-FAC's approximate natural gradient, layer by layer, with one of two dampings.

    For layer :math:`l` with factors :math:`(\Omega, \Gamma)` = :func:`kfac_factors` (``A, G``)
    and gradient :math:`\nabla_{[W\,b]}` (outputs x inputs+1):

    * ``scheme="factored"`` (the default, used by :func:`train`) damps each factor with
      :math:`\gamma = \sqrt\zeta`:
      :math:`(\Gamma + \gamma I)^{-1}\,\nabla_{[W\,b]}\,(\Omega + \gamma I)^{-1}`. The product it
      inverts is :math:`(\Omega + \gamma I)\otimes(\Gamma + \gamma I) = \Omega\otimes\Gamma
      + \gamma\,(\Omega\otimes I + I\otimes\Gamma) + \zeta I`: besides :math:`\zeta I` it adds
      :math:`\gamma` times the factors' eigenvalues, which can be far more than :math:`\zeta`.
      (Martens & Grosse 2015, sec. 6.3, balance the two factors by a scale :math:`\pi`; this
      function does not.)
    * ``scheme="exact"`` inverts :math:`\Omega\otimes\Gamma + \zeta I` exactly, through the
      eigendecompositions :math:`\Omega = U_\Omega \Lambda_\Omega U_\Omega^\top` and
      :math:`\Gamma = U_\Gamma \Lambda_\Gamma U_\Gamma^\top`: the same damping as the exact
      natural gradient :math:`(F + \zeta I)^{-1} g`, so that the two differ only by the
      Kronecker approximation.

    Parameters
    ----------
    theta : array_like, shape (M,)
    X : array_like, shape (n, sizes[0])
    grad : array_like, shape (M,)
        The gradient to precondition.
    sizes : tuple of int
    damping : float
        :math:`\zeta > 0`.
    scheme : {"factored", "exact"}

    Returns
    -------
    numpy.ndarray, shape (M,)

    Raises
    ------
    ValueError
        If ``damping <= 0`` or ``scheme`` is not one of :data:`KFAC_DAMPING`.

    Examples
    --------
    >>> X, y = spiral_data(5)
    >>> theta = init_theta()
    >>> g = loss_and_grad(theta, X, y)[1]
    >>> kfac_direction(theta, X, g, damping=1e-2, scheme="exact").shape
    (231,)
    """
    damping = positive_float(damping, "damping")
    if scheme not in KFAC_DAMPING:
        raise ValueError(f"scheme must be one of {KFAC_DAMPING}, got {scheme!r}")
    gamma = math.sqrt(damping)
    out = []
    at = 0
    for (A, G), (i, o) in zip(kfac_factors(theta, X, sizes), zip(sizes[:-1], sizes[1:])):
        gW = grad[at:at + o * i].reshape(o, i)
        gb = grad[at + o * i:at + o * i + o]
        M = np.column_stack([gW, gb])  # (o, i + 1)
        if scheme == "factored":
            D = np.linalg.solve(G + gamma * np.eye(o), M)
            D = np.linalg.solve(A + gamma * np.eye(i + 1), D.T).T
        else:
            lam_a, U_a = np.linalg.eigh(A)
            lam_g, U_g = np.linalg.eigh(G)
            # in the eigenbases the damped Kronecker product is diagonal
            D = U_g @ ((U_g.T @ M @ U_a) / (np.outer(lam_g, lam_a) + damping)) @ U_a.T
        out += [D[:, :i].ravel(), D[:, i]]
        at += o * i + o
    return np.concatenate(out)


# --- training -----------------------------------------------------------------------------

METHODS = ("gd", "adam", "kfac", "ngd")
"""Optimisers of :func:`train`: gradient descent, Adam, K-FAC and exact damped natural gradient."""


def train(method: str, theta0, X, y, lr: float, epochs: int, sizes=SIZES, damping: float = 1e-3,
          target: float | None = None):
    r"""Full-batch training; one epoch is one step on all the data.

    * ``gd``: :math:`\theta \leftarrow \theta - \alpha g`;
    * ``adam``: Adam (Kingma & Ba 2015) with :math:`\beta_1 = 0.9`, :math:`\beta_2 = 0.999`,
      :math:`\epsilon = 10^{-8}`;
    * ``kfac``: :math:`\theta \leftarrow \theta - \alpha\,` :func:`kfac_direction`;
    * ``ngd``: :math:`\theta \leftarrow \theta - \alpha (F + \text{damping}\,I)^{-1} g` with the
      exact :func:`fisher`.

    Returns
    -------
    dict
        ``losses`` (length ``epochs + 1``, or shorter if ``target`` was reached or a loss stopped
        being finite or grew past 100 times its start), ``seconds`` (cumulative wall-clock time
        after each epoch), ``theta`` and ``diverged`` (True if the run was stopped for that).

    Raises
    ------
    ValueError
        On an unknown method, ``lr <= 0``, ``epochs < 1`` or ``damping <= 0``.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    lr = positive_float(lr, "lr")
    epochs = count(epochs, "epochs", 1)
    damping = positive_float(damping, "damping")
    theta = np.array(theta0, dtype=float)
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    loss, g = loss_and_grad(theta, X, y, sizes)
    losses, seconds, start = [loss], [0.0], time.perf_counter()
    diverged = False
    for t in range(1, epochs + 1):
        if target is not None and losses[-1] <= target:
            break
        if method == "gd":
            step = g
        elif method == "adam":
            m = 0.9 * m + 0.1 * g
            v = 0.999 * v + 0.001 * g * g
            step = (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
        elif method == "kfac":
            step = kfac_direction(theta, X, g, sizes, damping)
        else:
            step = np.linalg.solve(fisher(theta, X, sizes) + damping * np.eye(theta.size), g)
        candidate = theta - lr * step
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            try:
                new_loss, new_g = loss_and_grad(candidate, X, y, sizes)
            except ValueError:  # non-finite parameters
                new_loss = math.inf
        if not (math.isfinite(new_loss) and new_loss < 100.0 * losses[0]):  # blown up: stop early
            diverged = True
            break
        theta, loss, g = candidate, new_loss, new_g
        losses.append(loss)
        seconds.append(time.perf_counter() - start)
    return {"losses": np.array(losses), "seconds": np.array(seconds), "theta": theta, "diverged": diverged}


# --- cost, counted --------------------------------------------------------------------------

COST_METHODS = METHODS + ("cg", "gram")
"""Methods of :func:`step_multiply_adds`: those of :func:`train`; ``cg``, the damped natural
gradient by a fixed number of conjugate-gradient products (the Hessian-free step); and ``gram``,
the same exact step as ``ngd`` solved through an :math:`nK \times nK` matrix instead of
:math:`F`."""


def step_multiply_adds(method: str, n: int, sizes=SIZES, n_cg: int = 50) -> int:
    r"""Multiply-adds of the matrix products in one step of ``method`` on ``n`` points, counted.

    The count follows the code of this module operation by operation, and depends only on the
    shapes, so it is the same on every machine and every run (a timing is not). With
    :math:`w = \sum_l i_l o_l` the weights of all layers, :math:`w'` those above the first, ``K``
    classes and ``M`` parameters:

    * forward pass :math:`n w`; backward pass :math:`n (w + w')`, so a gradient costs
      :math:`n (2w + w')`;
    * ``gd`` and ``adam``: one gradient (Adam's elementwise updates are :math:`O(M)`, not counted);
    * ``ngd``: the gradient, :func:`fisher` (a forward pass, ``K`` backward passes for the
      Jacobians, :math:`nK^2M` to apply :math:`R_i^\top`, another forward pass, and
      :math:`nKM^2` for :math:`(RJ)^\top (RJ)`) and an LU solve, :math:`M^3/3 + M^2`;
    * ``gram``: the exact damped step without :math:`F`, by the push-through identity
      :math:`(\zeta I + J^\top C J/n)^{-1} g = \big(g - J^\top(\zeta I + CJJ^\top/n)^{-1} CJg/n\big)/\zeta`
      with the stacked Jacobians :math:`J` (:math:`nK` rows) and the block-diagonal :math:`C`:
      the gradient, the Jacobians, :math:`(nK)^2 M` for :math:`JJ^\top`, :math:`n K^2 \cdot nK`
      for :math:`C` times it, an LU solve of size :math:`nK` and :math:`2nKM` for :math:`Jg` and
      :math:`J^\top` times the solution;
    * ``cg``: the gradient and ``n_cg`` iterations of :func:`conjugate_gradient`, each one
      :func:`fisher_vector_product` (a forward pass, a forward-mode pass of :math:`2nw`, a
      backward pass) and :math:`5M` for its dot products and vector updates;
    * ``kfac``: the gradient, :func:`kfac_factors` (a forward pass; per layer
      :math:`Kno^2` for :math:`\Gamma`, :math:`n(i+1)^2` for :math:`\Omega`, and :math:`Knoi`
      to pass the ``K`` columns down) and, per layer, two solves with the factors
      (:math:`o^3/3 + o^2(i+1)` and :math:`(i+1)^3/3 + (i+1)^2 o`).

    Elementwise work (``tanh``, softmax, damping) is :math:`O(n\sum_l o_l + M)` and left out.

    Parameters
    ----------
    method : {"gd", "adam", "kfac", "ngd", "cg", "gram"}
    n : int
        Number of data points, at least 1.
    sizes : tuple of int
    n_cg : int
        Conjugate-gradient iterations of ``cg``, at least 1.

    Returns
    -------
    int

    Raises
    ------
    ValueError
        On an unknown method, ``n < 1`` or ``n_cg < 1``.

    Examples
    --------
    >>> step_multiply_adds("gd", 300) == 300 * (2 * (24 + 144 + 36) + (144 + 36))
    True

    References
    ----------
    Martens (2010), *Deep learning via Hessian-free optimization*; Martens & Grosse (2015).
    """
    if method not in COST_METHODS:
        raise ValueError(f"method must be one of {COST_METHODS}, got {method!r}")
    n = count(n, "n", 1)
    n_cg = count(n_cg, "n_cg", 1)
    sizes = _check_sizes(sizes)
    K, M = sizes[-1], n_params(sizes)
    pairs = list(zip(sizes[:-1], sizes[1:]))
    w = sum(i * o for i, o in pairs)
    w_up = sum(i * o for i, o in pairs[1:])
    forward_pass, backward_pass = n * w, n * (w + w_up)
    grad = forward_pass + backward_pass
    if method in ("gd", "adam"):
        return grad
    jacobian = forward_pass + K * backward_pass
    if method == "ngd":
        form = jacobian + forward_pass + n * K * K * M + n * K * M * M
        return grad + form + M**3 // 3 + M * M
    if method == "gram":
        nK = n * K
        return grad + jacobian + nK * nK * M + n * K * K * nK + nK**3 // 3 + nK * nK + 2 * nK * M
    if method == "cg":
        product = forward_pass + 2 * n * w + backward_pass
        return grad + n_cg * (product + 5 * M)
    factors = forward_pass + sum(K * n * o * o + n * (i + 1) ** 2 for i, o in pairs)
    factors += sum(K * n * o * i for i, o in pairs[1:])
    solves = sum(o**3 // 3 + o * o * (i + 1) + (i + 1) ** 3 // 3 + (i + 1) ** 2 * o for i, o in pairs)
    return grad + factors + solves
