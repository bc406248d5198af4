"""Exact policy gradients and natural policy gradients on a small Markov decision process.

A finite Markov decision process (MDP) has states ``x = 0, ..., S-1`` and actions
``y = 0, ..., A-1``; from state ``x`` action ``y`` earns the reward ``r[x, y]`` and moves
to state ``x'`` with probability ``P[x, y, x']``. A tabular softmax policy with parameters
``theta`` of shape (S, A) picks action ``y`` in state ``x`` with probability
``pi[x, y] = exp(theta[x, y]) / sum_b exp(theta[x, b])``. Everything here is exact: values
come from solving the Bellman equations with ``numpy.linalg.solve``, never from sampling.

The book writes states as ``x`` and actions as ``y`` (the policy is a classifier of states,
as the regressions' ``p(y | x)``), and the reward and transition functions in calligraphic
letters; the code keeps the usual short names ``P``, ``r``, ``gamma``.

References: Sutton, McAllester, Singh and Mansour (2000) for the policy gradient theorem;
Kakade (2001) for the natural policy gradient; Agarwal, Kakade, Lee and Mahajan (2021) for
its equality with soft policy iteration and the smoothness bound of the softmax value.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from ._validation import count, positive_float

__all__ = [
    "MDP",
    "advantage",
    "discounted_state_distribution",
    "expected_policy_kl",
    "natural_policy_gradient",
    "optimal_values",
    "policy_ascent",
    "policy_fisher",
    "policy_gradient",
    "policy_values",
    "soft_policy_iteration",
    "softmax_policy",
    "start_value",
]

PINV_TOL = 1e-10  # relative cut-off of the pseudo-inverse of the Fisher (see _pinv)
_SUM_TOL = 1e-9  # how far a row of probabilities may be from summing to 1 (rounding, not modelling)


def _finite_array(value, name: str, ndim: int) -> np.ndarray:
    try:
        arr = np.array(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be an array of real numbers, got {value!r}") from exc
    if arr.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return arr


def _probabilities(arr: np.ndarray, name: str, axis: int = -1) -> np.ndarray:
    if np.any(arr < 0):
        raise ValueError(f"{name} must be non-negative (it holds probabilities)")
    sums = arr.sum(axis=axis)
    if np.any(np.abs(sums - 1.0) > _SUM_TOL):
        raise ValueError(f"{name} must sum to 1 along its last axis, got sums {np.unique(sums.round(12))}")
    return arr


def _discount(gamma) -> float:
    if isinstance(gamma, np.ndarray) and gamma.shape == ():
        gamma = gamma.item()
    if isinstance(gamma, bool) or not isinstance(gamma, numbers.Real) or not 0.0 <= float(gamma) < 1.0:
        raise ValueError(f"gamma must be a real number in [0, 1), got {gamma!r}")
    return float(gamma)


@dataclass(frozen=True, eq=False)
class MDP:
    """A validated finite Markov decision process.

    Parameters
    ----------
    P : array_like, shape (S, A, S)
        Transition probabilities ``P[x, y, x']``; every ``P[x, y, :]`` sums to 1.
    r : array_like, shape (S, A)
        Rewards ``r[x, y]``, finite.
    gamma : float
        Discount factor, ``0 <= gamma < 1``.
    p0 : array_like, shape (S,)
        Start distribution over states (the ``rho`` of Agarwal et al., 2021).

    Raises
    ------
    ValueError
        Naming the argument: a wrong shape, a negative probability, a row of ``P`` or ``p0``
        that does not sum to 1, a non-finite entry, ``gamma`` outside [0, 1).

    Examples
    --------
    >>> mdp = MDP(P=[[[1.0], [1.0]]], r=[[0.0, 1.0]], gamma=0.5, p0=[1.0])
    >>> mdp.n_states, mdp.n_actions
    (1, 2)
    >>> MDP(P=[[[0.5], [1.0]]], r=[[0.0, 1.0]], gamma=0.5, p0=[1.0])
    Traceback (most recent call last):
    ...
    ValueError: P must sum to 1 along its last axis, got sums [0.5 1. ]
    """

    P: np.ndarray
    r: np.ndarray
    gamma: float
    p0: np.ndarray

    def __post_init__(self):
        P = _probabilities(_finite_array(self.P, "P", 3), "P")
        S, A, S2 = P.shape
        if S2 != S:
            raise ValueError(f"P must have shape (S, A, S), got shape {P.shape}")
        r = _finite_array(self.r, "r", 2)
        if r.shape != (S, A):
            raise ValueError(f"r must have shape (S, A) = {(S, A)} to match P, got shape {r.shape}")
        p0 = _probabilities(_finite_array(self.p0, "p0", 1), "p0")
        if p0.shape != (S,):
            raise ValueError(f"p0 must have shape (S,) = {(S,)} to match P, got shape {p0.shape}")
        for name, arr in (("P", P), ("r", r), ("p0", p0)):
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        object.__setattr__(self, "gamma", _discount(self.gamma))

    @property
    def n_states(self) -> int:
        return self.P.shape[0]

    @property
    def n_actions(self) -> int:
        return self.P.shape[1]


def _check_mdp(mdp) -> MDP:
    if not isinstance(mdp, MDP):
        raise ValueError(f"mdp must be an MDP (natgrad_lib.policy.MDP), got {type(mdp).__name__}")
    return mdp


def _check_theta(mdp: MDP, theta) -> np.ndarray:
    theta = _finite_array(theta, "theta", 2)
    if theta.shape != (mdp.n_states, mdp.n_actions):
        raise ValueError(f"theta must have shape (S, A) = {(mdp.n_states, mdp.n_actions)}, got {theta.shape}")
    return theta


def _check_pi(mdp: MDP | None, pi, name: str = "pi") -> np.ndarray:
    pi = _probabilities(_finite_array(pi, name, 2), name)
    if mdp is not None and pi.shape != (mdp.n_states, mdp.n_actions):
        raise ValueError(f"{name} must have shape (S, A) = {(mdp.n_states, mdp.n_actions)}, got {pi.shape}")
    return pi


def _softmax(theta: np.ndarray) -> np.ndarray:
    z = np.exp(theta - theta.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def _evaluate(mdp: MDP, pi: np.ndarray):
    """V, Q and the discounted state distribution of a checked policy (one LU of I - gamma P_pi)."""
    P_pi = np.einsum("xy,xyz->xz", pi, mdp.P)
    M = np.eye(mdp.n_states) - mdp.gamma * P_pi
    V = np.linalg.solve(M, np.sum(pi * mdp.r, axis=1))
    Q = mdp.r + mdp.gamma * mdp.P @ V
    d = (1.0 - mdp.gamma) * np.linalg.solve(M.T, mdp.p0)
    return V, Q, d


def _gradient(mdp: MDP, pi: np.ndarray, V, Q, d) -> np.ndarray:
    return d[:, None] * pi * (Q - V[:, None]) / (1.0 - mdp.gamma)


def _fisher(pi: np.ndarray, d: np.ndarray) -> np.ndarray:
    S, A = pi.shape
    F = np.zeros((S * A, S * A))
    for x in range(S):
        F[x * A:(x + 1) * A, x * A:(x + 1) * A] = d[x] * (np.diag(pi[x]) - np.outer(pi[x], pi[x]))
    return F


def _natural(mdp: MDP, pi: np.ndarray, grad: np.ndarray, d: np.ndarray) -> np.ndarray:
    return (_pinv(_fisher(pi, d), d.max()) @ grad.ravel()).reshape(grad.shape)


def _pinv(F: np.ndarray, scale: float) -> np.ndarray:
    """Pseudo-inverse of the symmetric ``F``, keeping eigenvalues above ``PINV_TOL * scale``.

    The eigenvalues of ``F`` are computed with an absolute error of about 1e-16 times its
    largest entry, which is at most ``scale = max d``, not its largest eigenvalue: a policy
    close to deterministic has all eigenvalues small. Measuring the cut-off against ``scale``
    drops the null directions (the all-ones vector of each state) and the eigenvalues that
    rounding has made meaningless, and inverts only the rest.
    """
    w, U = np.linalg.eigh(F)
    keep = w > PINV_TOL * scale
    return (U[:, keep] / w[keep]) @ U[:, keep].T


def softmax_policy(theta) -> np.ndarray:
    """The tabular softmax policy, one distribution over actions per state.

    ``pi[x, y] = exp(theta[x, y]) / sum_b exp(theta[x, b])``, computed after subtracting each
    row's maximum, so that large ``theta`` does not overflow.

    Parameters
    ----------
    theta : array_like, shape (S, A)
        Finite logits.

    Returns
    -------
    numpy.ndarray, shape (S, A)
        Rows that are probability vectors.

    Raises
    ------
    ValueError
        If ``theta`` is not a finite 2-D array.

    Examples
    --------
    >>> softmax_policy([[0.0, np.log(3.0)]]).round(3)
    array([[0.25, 0.75]])

    References
    ----------
    Agarwal et al. (2021).
    """
    return _softmax(_finite_array(theta, "theta", 2))


def policy_values(mdp: MDP, pi) -> tuple[np.ndarray, np.ndarray]:
    """Exact state values ``V`` and action values ``Q`` of a policy.

    ``V = (I - gamma P_pi)^{-1} r_pi`` with ``P_pi[x, x'] = sum_y pi[x, y] P[x, y, x']`` and
    ``r_pi[x] = sum_y pi[x, y] r[x, y]`` (the Bellman equation solved as a linear system), and
    ``Q = r + gamma P V``.

    Parameters
    ----------
    mdp : MDP
    pi : array_like, shape (S, A)
        A policy: rows are probability vectors.

    Returns
    -------
    V : numpy.ndarray, shape (S,)
    Q : numpy.ndarray, shape (S, A)

    Raises
    ------
    ValueError
        If ``mdp`` is not an :class:`MDP` or ``pi`` is not a policy of its shape.

    Examples
    --------
    >>> mdp = MDP(P=[[[1.0], [1.0]]], r=[[0.0, 1.0]], gamma=0.5, p0=[1.0])
    >>> V, Q = policy_values(mdp, [[0.0, 1.0]])
    >>> float(V[0]), Q.tolist()
    (2.0, [[1.0, 2.0]])

    References
    ----------
    Sutton and Barto, *Reinforcement Learning* (2018), chapter 3; Agarwal et al. (2021).
    """
    mdp = _check_mdp(mdp)
    V, Q, _ = _evaluate(mdp, _check_pi(mdp, pi))
    return V, Q


def advantage(mdp: MDP, pi) -> np.ndarray:
    """The advantage ``A[x, y] = Q[x, y] - V[x]``; its ``pi``-average in every state is zero.

    Examples
    --------
    >>> mdp = MDP(P=[[[1.0], [1.0]]], r=[[0.0, 1.0]], gamma=0.5, p0=[1.0])
    >>> advantage(mdp, [[0.5, 0.5]]).tolist()
    [[-0.5, 0.5]]
    """
    V, Q = policy_values(mdp, pi)
    return Q - V[:, None]


def start_value(mdp: MDP, pi) -> float:
    """The objective ``V(p0) = sum_x p0[x] V[x]``, the expected discounted return from the start.

    Examples
    --------
    >>> mdp = MDP(P=[[[1.0], [1.0]]], r=[[0.0, 1.0]], gamma=0.5, p0=[1.0])
    >>> start_value(mdp, [[0.5, 0.5]])
    1.0
    """
    V, _ = policy_values(mdp, pi)
    return float(mdp.p0 @ V)


def discounted_state_distribution(mdp: MDP, pi) -> np.ndarray:
    """The normalised discounted state distribution of ``pi`` from ``p0``.

    ``d[x'] = (1 - gamma) sum_t gamma^t Pr(x_t = x')``, that is
    ``d = (1 - gamma) p0 (I - gamma P_pi)^{-1}``; it sums to 1.

    Parameters
    ----------
    mdp : MDP
    pi : array_like, shape (S, A)

    Returns
    -------
    numpy.ndarray, shape (S,)

    Examples
    --------
    >>> P = [[[0.0, 1.0]], [[0.0, 1.0]]]          # state 0 always moves to state 1
    >>> mdp = MDP(P=P, r=[[0.0], [1.0]], gamma=0.5, p0=[1.0, 0.0])
    >>> discounted_state_distribution(mdp, [[1.0], [1.0]]).tolist()
    [0.5, 0.5]

    References
    ----------
    Agarwal et al. (2021).
    """
    mdp = _check_mdp(mdp)
    return _evaluate(mdp, _check_pi(mdp, pi))[2]


def policy_gradient(mdp: MDP, theta) -> np.ndarray:
    """The exact gradient of ``V(p0)`` in the softmax logits (policy gradient theorem).

    ``dV(p0)/dtheta[x, y] = d[x] pi[x, y] A[x, y] / (1 - gamma)``, with ``d`` the
    discounted state distribution and ``A`` the advantage of ``pi = softmax_policy(theta)``.

    Parameters
    ----------
    mdp : MDP
    theta : array_like, shape (S, A)

    Returns
    -------
    numpy.ndarray, shape (S, A)

    Examples
    --------
    >>> mdp = MDP(P=[[[1.0], [1.0]]], r=[[0.0, 1.0]], gamma=0.5, p0=[1.0])
    >>> policy_gradient(mdp, [[0.0, 0.0]]).tolist()
    [[-0.5, 0.5]]

    References
    ----------
    Sutton et al. (2000), theorem 1; Agarwal et al. (2021).
    """
    mdp = _check_mdp(mdp)
    pi = _softmax(_check_theta(mdp, theta))
    return _gradient(mdp, pi, *_evaluate(mdp, pi))


def policy_fisher(mdp: MDP, theta) -> np.ndarray:
    """The Fisher of the policy, averaged over the discounted state distribution.

    ``F = E_{x ~ d} E_{y ~ pi(.|x)} [grad log pi(y|x) grad log pi(y|x)^T]`` over the
    flattened logits (row-major: index ``x * A + y``). For the tabular softmax it is block
    diagonal with blocks ``d[x] (diag(pi_x) - pi_x pi_x^T)``. Each block sends the all-ones
    vector to zero (adding a constant to a row of logits leaves the policy unchanged), so
    ``F`` is singular, of rank at most ``S (A - 1)``.

    Parameters
    ----------
    mdp : MDP
    theta : array_like, shape (S, A)

    Returns
    -------
    numpy.ndarray, shape (S*A, S*A)

    Examples
    --------
    >>> mdp = MDP(P=[[[1.0], [1.0]]], r=[[0.0, 1.0]], gamma=0.5, p0=[1.0])
    >>> policy_fisher(mdp, [[0.0, 0.0]]).tolist()
    [[0.25, -0.25], [-0.25, 0.25]]

    References
    ----------
    Kakade (2001); Agarwal et al. (2021).
    """
    mdp = _check_mdp(mdp)
    pi = _softmax(_check_theta(mdp, theta))
    return _fisher(pi, _evaluate(mdp, pi)[2])


def natural_policy_gradient(mdp: MDP, theta) -> np.ndarray:
    """The natural policy gradient ``F^+ grad V(p0)``, with the pseudo-inverse of ``F``.

    ``F`` is singular (see :func:`policy_fisher`), so the Moore-Penrose pseudo-inverse picks
    the solution of ``F w = grad`` with no component along the all-ones direction of each
    state. Any other solution differs by a constant per state, which the softmax ignores.
    Eigenvalues below ``PINV_TOL * max(d)`` count as zero: for a policy that gives an action
    a probability below about 1e-10 the step leaves that action's logit where it is.

    Parameters
    ----------
    mdp : MDP
    theta : array_like, shape (S, A)

    Returns
    -------
    numpy.ndarray, shape (S, A)

    Examples
    --------
    >>> mdp = MDP(P=[[[1.0], [1.0]]], r=[[0.0, 1.0]], gamma=0.5, p0=[1.0])
    >>> natural_policy_gradient(mdp, [[0.0, 0.0]]).round(12).tolist()
    [[-1.0, 1.0]]

    References
    ----------
    Kakade (2001); Agarwal et al. (2021).
    """
    mdp = _check_mdp(mdp)
    pi = _softmax(_check_theta(mdp, theta))
    V, Q, d = _evaluate(mdp, pi)
    return _natural(mdp, pi, _gradient(mdp, pi, V, Q, d), d)


def soft_policy_iteration(pi, A, lr, gamma) -> np.ndarray:
    """The multiplicative update ``pi'[x, y] ∝ pi[x, y] exp(lr A[x, y] / (1 - gamma))``.

    For the tabular softmax it is the policy reached by one natural policy gradient step
    ``theta + lr F^+ grad V(p0)`` (Agarwal et al., 2021).

    Parameters
    ----------
    pi : array_like, shape (S, A)
        The current policy.
    A : array_like, shape (S, A)
        Its advantage.
    lr : float
        Step size, > 0.
    gamma : float
        Discount factor in [0, 1).

    Returns
    -------
    numpy.ndarray, shape (S, A)

    Examples
    --------
    >>> soft_policy_iteration([[0.5, 0.5]], [[-0.5, 0.5]], np.log(3.0) / 2, 0.5).round(3)
    array([[0.25, 0.75]])
    """
    pi = _check_pi(None, pi)
    A = _finite_array(A, "A", 2)
    if A.shape != pi.shape:
        raise ValueError(f"A must have the shape of pi, {pi.shape}, got {A.shape}")
    lr = positive_float(lr, "lr")
    gamma = _discount(gamma)
    with np.errstate(divide="ignore"):  # a zero probability stays zero: log 0 = -inf is meant
        logits = np.log(pi) + lr * A / (1.0 - gamma)
    z = np.exp(logits - logits.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def expected_policy_kl(mdp: MDP, pi, pi_new) -> float:
    """``E_{x ~ d} KL(pi(.|x) || pi_new(.|x))`` with ``d`` the discounted distribution of ``pi``.

    The divergence TRPO bounds between successive policies (Schulman et al., 2015).

    Examples
    --------
    >>> mdp = MDP(P=[[[1.0], [1.0]]], r=[[0.0, 1.0]], gamma=0.5, p0=[1.0])
    >>> round(expected_policy_kl(mdp, [[0.5, 0.5]], [[0.5, 0.5]]), 12)
    0.0
    """
    mdp = _check_mdp(mdp)
    pi = _check_pi(mdp, pi)
    pi_new = _check_pi(mdp, pi_new, "pi_new")
    if np.any((pi > 0) & (pi_new == 0)):
        raise ValueError("pi_new must be > 0 wherever pi is > 0 (else the KL divergence is infinite)")
    d = discounted_state_distribution(mdp, pi)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(pi > 0, pi * (np.log(pi) - np.log(pi_new)), 0.0)
    return float(d @ terms.sum(axis=1))


def optimal_values(mdp: MDP, tol: float = 1e-13, max_iter: int = 100_000) -> tuple[np.ndarray, np.ndarray]:
    """The optimal state values ``V*`` by value iteration, and a greedy optimal policy.

    Iterates ``V <- max_y (r + gamma P V)`` until successive sweeps differ by less than
    ``tol`` in the sup norm; the error is then at most ``tol gamma / (1 - gamma)``.

    Returns
    -------
    V_star : numpy.ndarray, shape (S,)
    pi_star : numpy.ndarray, shape (S, A)
        Deterministic: a one in the first maximising action of each state.

    Raises
    ------
    ValueError
        If ``tol`` is not > 0 or value iteration has not converged after ``max_iter`` sweeps.

    Examples
    --------
    >>> mdp = MDP(P=[[[1.0], [1.0]]], r=[[0.0, 1.0]], gamma=0.5, p0=[1.0])
    >>> V, pi = optimal_values(mdp)
    >>> round(float(V[0]), 9), pi.tolist()
    (2.0, [[0.0, 1.0]])
    """
    mdp = _check_mdp(mdp)
    tol = positive_float(tol, "tol")
    max_iter = count(max_iter, "max_iter", 1)
    V = np.zeros(mdp.n_states)
    for _ in range(max_iter):
        V_new = np.max(mdp.r + mdp.gamma * mdp.P @ V, axis=1)
        if np.max(np.abs(V_new - V)) < tol:
            V = V_new
            break
        V = V_new
    else:
        raise ValueError(f"value iteration did not reach tol={tol} in max_iter={max_iter} sweeps")
    Q = mdp.r + mdp.gamma * mdp.P @ V
    pi = np.zeros_like(Q)
    pi[np.arange(mdp.n_states), np.argmax(Q, axis=1)] = 1.0
    return V, pi


def policy_ascent(mdp: MDP, theta0, lr, steps, natural: bool) -> tuple[np.ndarray, np.ndarray]:
    """Policy gradient ascent, plain or natural, with a fixed step size.

    Plain: ``theta <- theta + lr grad V(p0)``. Natural: ``theta <- theta + lr F^+ grad V(p0)``.

    Parameters
    ----------
    mdp : MDP
    theta0 : array_like, shape (S, A)
        Starting logits.
    lr : float
        Step size, > 0.
    steps : int
        Number of iterations, >= 0.
    natural : bool
        Natural policy gradient if true.

    Returns
    -------
    values : numpy.ndarray, shape (steps + 1,)
        ``V(p0)`` at every iterate, the start included.
    policies : numpy.ndarray, shape (steps + 1, S, A)

    Examples
    --------
    >>> mdp = MDP(P=[[[1.0], [1.0]]], r=[[0.0, 1.0]], gamma=0.5, p0=[1.0])
    >>> values, policies = policy_ascent(mdp, [[0.0, 0.0]], 1.0, 3, natural=True)
    >>> values.shape, policies.shape, bool(np.all(np.diff(values) > 0))
    ((4,), (4, 1, 2), True)
    """
    mdp = _check_mdp(mdp)
    theta = _check_theta(mdp, theta0)
    lr = positive_float(lr, "lr")
    steps = count(steps, "steps", 0)
    if not isinstance(natural, (bool, np.bool_)):
        raise ValueError(f"natural must be True or False, got {natural!r}")
    values = np.empty(steps + 1)
    policies = np.empty((steps + 1, *theta.shape))
    for k in range(steps + 1):
        pi = _softmax(theta)
        V, Q, d = _evaluate(mdp, pi)
        policies[k], values[k] = pi, mdp.p0 @ V
        if k < steps:
            grad = _gradient(mdp, pi, V, Q, d)
            theta = theta + lr * (_natural(mdp, pi, grad, d) if natural else grad)
            if not np.all(np.isfinite(theta)):
                raise ValueError(f"the logits overflowed at step {k + 1}: lr={lr} is too large")
    return values, policies
