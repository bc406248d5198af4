r"""Comparisons the book uses to check one computation against another, and the
checkers that tell a reader whether an exercise answer is right.

This module sits on top of the numerics: it may use every numerical route, but
the closed forms it checks against are never the ones a reader is asked to find.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from ._validation import count, positive_float
from .charts import CHARTS, check_chart, to_chart
from .divergences import kl_by_quadrature
from .fisher import fisher_from_kl_hessian
from .geometry import kl_ellipse


def fisher_discrepancy(estimate, F) -> float:
    r"""Largest entrywise error of ``estimate`` against ``F``, each entry on its natural scale.

    .. math:: \max_{i,j} \frac{|\hat F_{ij} - F_{ij}|}{\sqrt{F_{ii} F_{jj}}}

    Measuring entry :math:`(i, j)` against :math:`\sqrt{F_{ii}F_{jj}}` rather than
    :math:`|F_{ij}|` keeps the measure meaningful where an off-diagonal entry is 0, and
    makes it invariant to rescaling a coordinate.

    Parameters
    ----------
    estimate, F : array_like, shape (2, 2)
        A candidate and the reference Fisher matrix (positive diagonal).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If the shapes are not (2, 2), an entry is not finite, or ``F`` has a
        non-positive diagonal entry.

    Examples
    --------
    >>> fisher_discrepancy([[1.0, 0.1], [0.1, 4.0]], [[1.0, 0.0], [0.0, 4.0]])
    0.05
    """
    estimate, F = np.array(estimate, dtype=float), np.array(F, dtype=float)
    for name, value in (("estimate", estimate), ("F", F)):
        if value.shape != (2, 2) or not np.all(np.isfinite(value)):
            raise ValueError(f"{name} must be a finite array of shape (2, 2), got {value.tolist()}")
    diag = np.diag(F)
    if np.any(diag <= 0):
        raise ValueError(f"F must have a positive diagonal, got {diag.tolist()}")
    return float(np.max(np.abs(estimate - F) / np.sqrt(np.outer(diag, diag))))


#: The summary of a report on a function that still raises ``NotImplementedError``.
NOT_IMPLEMENTED = "the function is not implemented yet: replace `raise NotImplementedError` with your code"


@dataclass
class CheckReport:
    """Outcome of checking a reader's function: ``passed``, a one-line ``summary`` and ``details``.

    Truthy exactly when the check passed; shows as Markdown in a notebook. A function that is not
    written yet (it still raises ``NotImplementedError``) is reported as the reader's turn, not as
    a failure, so that an exercise does not open on what looks like an error.
    """

    passed: bool
    summary: str
    details: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.passed

    @property
    def your_turn(self) -> bool:
        """True when the function has not been written yet."""
        return not self.passed and self.summary == NOT_IMPLEMENTED

    def __str__(self) -> str:
        if self.your_turn:
            return "YOUR TURN: write the function, then run the check again"
        mark = "PASSED" if self.passed else "NOT YET"
        return "\n".join([f"{mark}: {self.summary}", *(f"  - {d}" for d in self.details)])

    def _repr_markdown_(self) -> str:
        if self.your_turn:
            return ("✎ **Your turn:** replace `raise NotImplementedError` with your code and run "
                    "the cell again; the check then tells you whether it is right.")
        mark = "✓ **Passed:**" if self.passed else "✗ **Not yet:**"  # glyphs every text font has
        return "\n".join([f"{mark} {self.summary}", "", *(f"* {d}" for d in self.details)])


def _random_points(chart: str, n_points: int, seed: int) -> list[np.ndarray]:
    """Points with sigma log-uniform in [0.1, 10] and mu uniform in [-3, 3], in ``chart``."""
    rng = np.random.default_rng(seed)
    sigma = 10.0 ** rng.uniform(-1.0, 1.0, n_points)
    mu = rng.uniform(-3.0, 3.0, n_points)
    return [to_chart([m, s], "mean_std", chart) for m, s in zip(mu, sigma)]


def _call(fn, *args):
    """Call a reader's function; return (value, problem) where problem explains a failure."""
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return np.asarray(fn(*[a.copy() if isinstance(a, np.ndarray) else a for a in args]), dtype=float), None
    except NotImplementedError:
        return None, NOT_IMPLEMENTED
    except Exception as exc:  # noqa: BLE001 -- any error in the reader's code is reported, not raised
        return None, f"calling it raised {type(exc).__name__}: {exc}"


def check_fisher(fn, chart: str, n_points: int = 10, seed: int = 0, rtol: float = 1e-6) -> CheckReport:
    r"""Check a reader's Fisher information ``fn(theta) -> (2, 2)`` in ``chart`` at random points.

    The reference is the numerical Hessian of the KL divergence
    (:func:`~natgrad_lib.fisher.fisher_from_kl_hessian`), confirmed by the negative
    expected Hessian (:func:`~natgrad_lib.fisher.fisher_from_neg_hessian`); the closed form
    is not used. Each entry is compared on its natural scale (:func:`fisher_discrepancy`).
    When an answer is off, the report names the first point and the entries that
    differ, and says whether the answer is the Fisher of another chart (a forgotten
    Jacobian) or is off by a constant factor.

    Parameters
    ----------
    fn : callable
        ``fn(theta)`` returning a 2x2 array, ``theta`` a float array of shape (2,) in ``chart``.
    chart : str
        One of :data:`~natgrad_lib.charts.CHARTS`.
    n_points : int
        Number of random points (sigma in [0.1, 10], mu in [-3, 3]), >= 1.
    seed : int
        Seed for the points, >= 0.
    rtol : float
        Largest accepted :func:`fisher_discrepancy`, > 0.

    Returns
    -------
    CheckReport
        Truthy if the function passed at every point.

    Raises
    ------
    ValueError
        If ``fn`` is not callable, on an unknown chart, or bad ``n_points``, ``seed``, ``rtol``.
        Errors *inside* ``fn`` are reported, not raised.

    Examples
    --------
    >>> check_fisher(lambda theta: np.diag([1.0, 2.0]) / theta[1] ** 2, "mean_std").passed
    True
    >>> print(check_fisher(lambda theta: np.eye(2), "mean_std", n_points=2).summary)
    wrong at 2 of 2 points (largest error 2.5e+00 of the entries' scale)
    """
    _check_args(fn, chart, n_points, seed, rtol)
    failures, worst, first = 0, 0.0, None
    points = _random_points(chart, n_points, seed)
    for theta in points:
        value, problem = _call(fn, theta)
        if problem:
            return CheckReport(False, problem, [f"first call: fn({_fmt(theta)})"])
        if value.shape != (2, 2):
            return CheckReport(False, f"fn must return a 2x2 array, got shape {value.shape}",
                               [f"at theta = {_fmt(theta)}"])
        if not np.all(np.isfinite(value)):
            return CheckReport(False, "fn returned NaN or inf", [f"at theta = {_fmt(theta)}: {_fmt(value)}"])
        reference = fisher_from_kl_hessian(theta, chart)
        error = fisher_discrepancy(value, reference)
        worst = max(worst, error)
        if error > rtol:
            failures += 1
            if first is None:
                first = (theta, value, reference)
    if not failures:
        return CheckReport(True, f"matches the numerical Fisher at all {n_points} random points "
                                 f"(largest error {worst:.1e} of the entries' scale)")
    theta, value, reference = first
    details = [f"at theta = {_fmt(theta)} ({chart}): you return {_fmt(value)}, "
               f"the Hessian of the KL gives {_fmt(reference)}"]
    for i, j in [(0, 0), (0, 1), (1, 1)]:
        scale = np.sqrt(reference[i, i] * reference[j, j])
        if abs(value[i, j] - reference[i, j]) > rtol * scale:
            details.append(f"entry F[{i}, {j}] is {value[i, j]:.6g}, expected {reference[i, j]:.6g}")
    if not np.allclose(value, value.T, rtol=1e-12, atol=0.0):
        details.append("your matrix is not symmetric; a Fisher information always is")
    details += _fisher_hints(value, theta, chart, rtol)
    return CheckReport(False, f"wrong at {failures} of {n_points} points "
                              f"(largest error {worst:.1e} of the entries' scale)", details)


def _fisher_hints(value, theta, chart, rtol) -> list[str]:
    hints = []
    std = to_chart(theta, chart, "mean_std")
    for other in CHARTS:
        if other != chart:
            reference = fisher_from_kl_hessian(to_chart(std, "mean_std", other), other)
            if fisher_discrepancy(value, reference) <= 1e3 * rtol:
                hints.append(f"hint: this is the Fisher in the {other!r} chart; in {chart!r} it "
                             "picks up the Jacobian of the change of coordinates, F_a = J^T F_b J")
    reference = fisher_from_kl_hessian(theta, chart)
    significant = np.abs(reference) > 1e-6 * np.abs(reference).max()  # skip structural zeros
    ratio = value[significant] / reference[significant]
    small_rest = np.all(np.abs(value[~significant]) <= 1e-6 * np.abs(reference).max())
    if small_rest and np.allclose(ratio, ratio[0], rtol=1e-4):
        hints.append(f"hint: your answer is {ratio[0]:.6g} times the right one")
    return hints


def check_kl(fn, chart: str, n_points: int = 10, seed: int = 0, rtol: float = 1e-6) -> CheckReport:
    r"""Check a reader's KL divergence ``fn(theta_p, theta_q) -> float`` in ``chart``.

    The reference is :math:`\int p \log(p/q)\,dx` by adaptive quadrature
    (:func:`~natgrad_lib.divergences.kl_by_quadrature`), not the closed form. Pairs of random points
    are drawn as in :func:`check_fisher`; the report says when the answer is
    :math:`D_{KL}(q\,\|\,p)` instead (swapped arguments) or has the wrong sign.

    Parameters
    ----------
    fn : callable
        ``fn(theta_p, theta_q)`` returning a float.
    chart : str
        One of :data:`~natgrad_lib.charts.CHARTS`.
    n_points : int
        Number of random pairs, >= 1.
    seed : int
        Seed for the points, >= 0.
    rtol : float
        Largest accepted relative error, > 0.

    Returns
    -------
    CheckReport

    Raises
    ------
    ValueError
        If ``fn`` is not callable, on an unknown chart, or bad ``n_points``, ``seed``, ``rtol``.

    Examples
    --------
    >>> import math
    >>> def kl(p, q):
    ...     return math.log(q[1] / p[1]) + (p[1] ** 2 + (p[0] - q[0]) ** 2) / (2 * q[1] ** 2) - 0.5
    >>> check_kl(kl, "mean_std").passed
    True
    """
    _check_args(fn, chart, n_points, seed, rtol)
    points = _random_points(chart, 2 * n_points, seed)
    failures, worst, details = 0, 0.0, []
    for theta_p, theta_q in zip(points[::2], points[1::2]):
        value, problem = _call(fn, theta_p, theta_q)
        if problem:
            return CheckReport(False, problem, [f"first call: fn({_fmt(theta_p)}, {_fmt(theta_q)})"])
        if value.shape != () or not np.isfinite(value):
            return CheckReport(False, f"fn must return one finite number, got {_fmt(value)}")
        reference = kl_by_quadrature(theta_p, theta_q, chart)
        error = abs(float(value) - reference) / reference
        worst = max(worst, error)
        if error > rtol:
            failures += 1
            if not details:
                details.append(f"at theta_p = {_fmt(theta_p)}, theta_q = {_fmt(theta_q)} ({chart}): "
                               f"you return {float(value):.10g}, the integral gives {reference:.10g}")
                swapped = kl_by_quadrature(theta_q, theta_p, chart)
                if abs(float(value) - swapped) <= rtol * swapped:
                    details.append("hint: that is KL(q || p); the first argument is the distribution "
                                   "the expectation is taken under")
                elif abs(float(value) + reference) <= rtol * reference:
                    details.append("hint: only the sign is wrong; KL is an expectation of log(p/q), not log(q/p)")
    if not failures:
        return CheckReport(True, f"matches the integral at all {n_points} random pairs "
                                 f"(largest relative error {worst:.1e})")
    return CheckReport(False, f"wrong at {failures} of {n_points} pairs (largest relative error {worst:.1e})",
                       details)


def _check_args(fn, chart, n_points, seed, rtol, n_name="n_points"):
    if not callable(fn):
        raise ValueError(f"fn must be a function, got {type(fn).__name__}")
    if chart is not None:
        check_chart(chart)
    count(n_points, n_name, 1)
    count(seed, "seed", 0)
    positive_float(rtol, "rtol")


def _fmt(value) -> str:
    return np.array2string(np.asarray(value, dtype=float), precision=6, suppress_small=False).replace("\n", "")


def check_natural_step(fn, n_cases: int = 10, seed: int = 0, rtol: float = 1e-3) -> CheckReport:
    r"""Check a reader's ``fn(grad, F, c) -> delta``: the best step inside the quadratic KL ball.

    The reference is found without the closed form: 200 000 points of the ellipse
    :math:`\tfrac12\delta^\top F\delta = c` (:func:`~natgrad_lib.geometry.kl_ellipse`) are
    swept for the smallest :math:`g^\top\delta`. Cases are random symmetric
    positive-definite ``F``, gradients ``grad`` and budgets ``c``.

    Parameters
    ----------
    fn : callable
        ``fn(grad, F, c)`` returning an array of shape (2,).
    n_cases : int
        Number of random cases, >= 1.
    seed : int
        Seed for the cases, >= 0.
    rtol : float
        Largest accepted error relative to the length of the reference step, > 0.

    Returns
    -------
    CheckReport

    Raises
    ------
    ValueError
        If ``fn`` is not callable or on bad ``n_cases``, ``seed``, ``rtol``.

    Examples
    --------
    >>> def step(g, F, c):
    ...     d = np.linalg.solve(F, g)
    ...     return -np.sqrt(2 * c / (g @ d)) * d
    >>> check_natural_step(step).passed
    True
    """
    _check_args(fn, None, n_cases, seed, rtol, n_name="n_cases")
    rng = np.random.default_rng(seed)
    worst, failures, details = 0.0, 0, []
    for _ in range(n_cases):
        A = rng.normal(size=(2, 2))
        F = A @ A.T + 0.2 * np.eye(2)
        g, c = rng.normal(size=2), float(10.0 ** rng.uniform(-3, 0))
        value, problem = _call(fn, g, F, c)
        if problem:
            return CheckReport(False, problem)
        if value.shape != (2,) or not np.all(np.isfinite(value)):
            return CheckReport(False, f"fn must return a finite array of shape (2,), got {_fmt(value)}")
        ring = kl_ellipse(F, c, n_points=200_000)
        best = ring[np.argmin(ring @ g)]
        error = float(np.linalg.norm(value - best) / np.linalg.norm(best))
        worst = max(worst, error)
        if error > rtol:
            failures += 1
            if not details:
                details.append(f"for g = {_fmt(g)}, c = {c:.4g}, F = {_fmt(F)}: you return {_fmt(value)}, "
                               f"the sweep of the ellipse finds {_fmt(best)}")
                if np.linalg.norm(value + best) <= rtol * np.linalg.norm(best):
                    details.append("hint: that is the step of steepest *ascent*; the sign is wrong")
                elif abs(0.5 * value @ F @ value - c) > rtol * c:
                    details.append(f"hint: your step has 1/2 delta^T F delta = {0.5 * value @ F @ value:.4g}, "
                                   f"not c = {c:.4g}: fix its length with the constraint")
    if not failures:
        return CheckReport(True, f"matches the best point of the KL ellipse in all {n_cases} cases "
                                 f"(largest relative error {worst:.1e})")
    return CheckReport(False, f"wrong in {failures} of {n_cases} cases (largest relative error {worst:.1e})",
                       details)


def check_logistic_fisher(fn, n_points: int = 5, seed: int = 0, rtol: float = 1e-8) -> CheckReport:
    r"""Check a reader's logistic-regression Fisher ``fn(theta, X) -> (d, d)`` at random points.

    The reference is :func:`~natgrad_lib.logistic.logistic_fisher`, which averages the outer
    product of the score over the two labels :math:`y \in \{0, 1\}` under the model (not the
    closed form :math:`X^\top \mathrm{diag}(p(1-p)) X / N` a reader is asked to write). Each
    case draws a design ``X`` (an intercept column and standard normal features, 3 to 4
    columns, 20 to 40 rows) and a parameter ``theta``; entries are compared on their natural
    scale, :math:`|\hat F_{ij} - F_{ij}| / \sqrt{F_{ii}F_{jj}}`. The report says when the
    answer is off by a constant factor (a forgotten :math:`1/N`, say) or is not symmetric.

    Parameters
    ----------
    fn : callable
        ``fn(theta, X)`` returning a (d, d) array; ``theta`` has shape (d,), ``X`` shape (N, d).
    n_points : int
        Number of random cases, >= 1.
    seed : int
        Seed for the cases, >= 0.
    rtol : float
        Largest accepted error on the entries' scale, > 0.

    Returns
    -------
    CheckReport
        Truthy if the function passed in every case.

    Raises
    ------
    ValueError
        If ``fn`` is not callable or on bad ``n_points``, ``seed``, ``rtol``.
        Errors *inside* ``fn`` are reported, not raised.

    Examples
    --------
    >>> from scipy.special import expit
    >>> def fisher(theta, X):
    ...     p = expit(X @ theta)
    ...     return X.T @ (X * (p * (1 - p))[:, None]) / len(X)
    >>> check_logistic_fisher(fisher).passed
    True
    >>> print(check_logistic_fisher(lambda theta, X: X.T @ X / len(X)).summary)
    wrong in 5 of 5 cases (largest error 9.3e+00 of the entries' scale)
    """
    from .logistic import logistic_fisher  # checks sits above the numerics it checks against

    _check_args(fn, None, n_points, seed, rtol)
    rng = np.random.default_rng(seed)
    failures, worst, first = 0, 0.0, None
    for _ in range(n_points):
        n, d = int(rng.integers(20, 41)), int(rng.integers(3, 5))
        X = np.column_stack([np.ones(n), rng.standard_normal((n, d - 1))])
        theta = rng.normal(0.0, 0.7, d)
        value, problem = _call(fn, theta, X)
        if problem:
            return CheckReport(False, problem, [f"first call: fn(theta={_fmt(theta)}, X of shape {X.shape})"])
        if value.shape != (d, d):
            return CheckReport(False, f"fn must return a ({d}, {d}) array for X of shape {X.shape}, "
                                      f"got shape {value.shape}", [f"at theta = {_fmt(theta)}"])
        if not np.all(np.isfinite(value)):
            return CheckReport(False, "fn returned NaN or inf", [f"at theta = {_fmt(theta)}"])
        reference = logistic_fisher(theta, X)
        scale = np.sqrt(np.outer(np.diag(reference), np.diag(reference)))
        error = float(np.max(np.abs(value - reference) / scale))
        worst = max(worst, error)
        if error > rtol:
            failures += 1
            if first is None:
                first = (theta, X, value, reference, scale)
    if not failures:
        return CheckReport(True, f"matches the model expectation of the score outer product in all "
                                 f"{n_points} random cases (largest error {worst:.1e} of the entries' scale)")
    theta, X, value, reference, scale = first
    i, j = np.unravel_index(np.argmax(np.abs(value - reference) / scale), value.shape)
    details = [f"at theta = {_fmt(theta)} with X of shape {X.shape}: entry F[{i}, {j}] is "
               f"{value[i, j]:.6g}, expected {reference[i, j]:.6g}"]
    if not np.allclose(value, value.T, rtol=1e-12, atol=0.0):
        details.append("your matrix is not symmetric; a Fisher information always is")
    ratio = value / reference
    if np.allclose(ratio, ratio[0, 0], rtol=1e-6):
        hint = f"hint: your answer is {ratio[0, 0]:.6g} times the right one"
        if np.isclose(ratio[0, 0], X.shape[0], rtol=1e-6):
            hint += "; the Fisher of the *mean* NLL carries a factor 1/N"
        details.append(hint)
    return CheckReport(False, f"wrong in {failures} of {n_points} cases "
                              f"(largest error {worst:.1e} of the entries' scale)", details)


def check_fisher_vector_product(fn, n_points: int = 5, seed: int = 0, rtol: float = 1e-8) -> CheckReport:
    r"""Check a reader's Fisher-vector product ``fn(theta, X, v) -> F v`` for the chapter's network.

    The reference is the exact Fisher :func:`natgrad_lib.network.fisher` formed densely; the
    check draws ``n_points`` random parameter vectors and directions on the spiral data and
    compares :math:`F v` entry by entry, relative to :math:`\|F v\|_\infty`.
    """
    from . import network

    X, _ = network.spiral_data(20, seed=seed)
    rng = np.random.default_rng(seed)
    for k in range(count(n_points, "n_points", 1)):
        theta = network.init_theta(network.SIZES, seed=seed + k) * 1.5
        v = rng.standard_normal(theta.size)
        got, problem = _call(fn, theta.copy(), X.copy(), v.copy())
        if problem:
            return CheckReport(False, problem)
        want = network.fisher(theta, X) @ v
        got = np.asarray(got, dtype=float)
        if got.shape != want.shape:
            return CheckReport(False, f"it returned shape {got.shape}; F v has shape {want.shape}")
        err = float(np.max(np.abs(got - want)) / np.max(np.abs(want)))
        if not err <= rtol:
            scale = float(got @ want / (want @ want))
            hint = [f"your answer is {scale:.3g} times F v: check the 1/n of the mean"] if abs(scale - 1) > 1e-3 else []
            return CheckReport(False, f"at test point {k} F v is off by {err:.1e} (relative)", hint)
    return CheckReport(True, f"F v agrees with the dense Fisher to {rtol:g} at {n_points} random points")

