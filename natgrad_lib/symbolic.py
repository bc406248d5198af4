r"""SymPy plumbing for the derivation chapters.

The derivations themselves stay in the chapters, where the reader sees them; this
module only provides the shared symbols, the Gaussian density, the charts as
symbolic maps, an exact Gaussian expectation for polynomials, and
:func:`assert_equal`, which ends every derivation so that each build proves it.
"""

from __future__ import annotations

import sympy as sp

from .charts import check_chart

x = sp.Symbol("x", real=True)
mu = sp.Symbol("mu", real=True)
sigma = sp.Symbol("sigma", positive=True)


def gaussian_logpdf(x, mu, sigma):
    r""":math:`\log p(x\mid\mu,\sigma) = -\log\sigma - \tfrac12\log 2\pi - (x-\mu)^2/(2\sigma^2)`.

    Examples
    --------
    >>> sp.simplify(gaussian_logpdf(x, 0, 1) + x**2 / 2 + sp.log(2 * sp.pi) / 2)
    0
    """
    return -sp.log(sigma) - sp.log(2 * sp.pi) / 2 - (x - mu) ** 2 / (2 * sigma**2)


def gaussian_pdf(x, mu, sigma):
    r""":math:`p(x\mid\mu,\sigma) = \exp(-(x-\mu)^2/(2\sigma^2)) / (\sigma\sqrt{2\pi})`.

    Examples
    --------
    >>> sp.integrate(gaussian_pdf(x, mu, sigma), (x, -sp.oo, sp.oo))
    1
    """
    return sp.exp(-((x - mu) ** 2) / (2 * sigma**2)) / (sigma * sp.sqrt(2 * sp.pi))


def gaussian_expectation(expr, x, mu, sigma):
    r"""Exact :math:`\mathbb E_{x\sim\mathcal N(\mu,\sigma^2)}[\mathrm{expr}]` for ``expr`` polynomial in ``x``.

    Substitutes :math:`x = \mu + \sigma z` and replaces :math:`z^k` by the standard
    normal moments (:math:`0` for odd :math:`k`, :math:`(k-1)!!` for even :math:`k`),
    which is exact and much faster than symbolic integration.

    Raises
    ------
    ValueError
        If ``expr`` is not a polynomial in ``x``.

    Examples
    --------
    >>> gaussian_expectation((x - mu) ** 4, x, mu, sigma)
    3*sigma**4
    """
    z = sp.Dummy("z", real=True)
    shifted = sp.expand(sp.sympify(expr).subs(x, mu + sigma * z))
    try:
        poly = sp.Poly(shifted, z)
    except sp.PolynomialError as exc:
        raise ValueError(f"expr must be a polynomial in {x}, got {expr}") from exc
    total = 0
    for (k,), coeff in poly.terms():
        if k % 2 == 0:
            total += coeff * sp.factorial2(k - 1)
    return sp.simplify(total)


_CHART_SYMBOLS = {
    "mean_std": ("mu", "sigma", {"positive": True}),
    "mean_var": ("mu", "v", {"positive": True}),
    "mean_precision": ("mu", "tau", {"positive": True}),
    "mean_logstd": ("mu", "omega", {"real": True}),  # omega = log sigma
    "natural": ("eta1", "eta2", {"negative": True}),
}


def chart_symbols(chart: str):
    r"""The two coordinate symbols of ``chart``, with the chart's domain as assumptions.

    Examples
    --------
    >>> chart_symbols("natural")
    (eta1, eta2)
    """
    check_chart(chart)
    first, second, assumptions = _CHART_SYMBOLS[chart]
    return sp.Symbol(first, real=True), sp.Symbol(second, **assumptions)


def chart_to_mean_std(chart: str):
    r"""``(theta, (mu_expr, sigma_expr))``: the chart's symbols and :math:`(\mu, \sigma)` in terms of them.

    Examples
    --------
    >>> chart_to_mean_std("mean_precision")
    ((mu, tau), (mu, 1/sqrt(tau)))
    """
    t1, t2 = chart_symbols(chart)
    maps = {
        "mean_std": (t1, t2),
        "mean_var": (t1, sp.sqrt(t2)),
        "mean_precision": (t1, 1 / sp.sqrt(t2)),
        "mean_logstd": (t1, sp.exp(t2)),
        "natural": (-t1 / (2 * t2), 1 / sp.sqrt(-2 * t2)),
    }
    return (t1, t2), maps[chart]


def fisher_matrix(chart: str):
    r"""Symbolic Fisher information :math:`-\mathbb E[\nabla^2_\theta \log p(x\mid\theta)]` in ``chart``.

    Returns
    -------
    (theta, F) : tuple
        The chart's symbols and a 2x2 :class:`sympy.Matrix` in terms of them.

    Examples
    --------
    >>> fisher_matrix("mean_var")[1]
    Matrix([
    [1/v,          0],
    [  0, 1/(2*v**2)]])
    """
    theta, (m, s) = chart_to_mean_std(chart)
    logp = gaussian_logpdf(x, m, s)
    hessian = sp.hessian(logp, theta)
    F = (-hessian).applyfunc(lambda e: gaussian_expectation(e, x, m, s))
    return theta, sp.simplify(F)


def assert_equal(lhs, rhs, what: str = "identity") -> bool:
    r"""Assert that two SymPy expressions (or matrices) are equal; return ``True``.

    Ends each derivation in the book: ``simplify(lhs - rhs)`` must be zero, else an
    ``AssertionError`` shows what is left over, and the build fails.

    Examples
    --------
    >>> assert_equal(sp.sin(x) ** 2 + sp.cos(x) ** 2, 1)
    True
    """
    difference = sp.simplify(sp.sympify(lhs) - sp.sympify(rhs))
    is_zero = difference.is_zero_matrix if isinstance(difference, sp.MatrixBase) else difference == 0
    if not is_zero:
        raise AssertionError(f"{what} does not hold: lhs - rhs simplifies to {difference}")
    return True
