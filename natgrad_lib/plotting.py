r"""Figures of the book. Every function takes a Matplotlib ``ax``, draws on it and returns it.

Colours mean the same thing on every page: :data:`COLORS` gives one colour per
algorithm (gradient descent, natural gradient descent); :data:`CHART_STYLES`
gives one line style per chart, so "GD in mean_var" is always the GD colour with
the mean_var dash pattern. Nothing here touches Matplotlib's global ``rcParams``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .charts import CHARTS, check_chart, std_coordinates, to_chart, validate_theta
from .fisher import fisher_information
from .geometry import kl_ellipse
from .likelihood import _std_loss_and_grad, sufficient_statistics

# Okabe-Ito palette: distinguishable with the common colour-vision deficiencies.
COLORS = {"gd": "#D55E00", "ngd": "#0072B2", "mle": "#000000", "data": "#999999", "kl": "#009E73"}
"""Colour of each algorithm or object: ``gd``, ``ngd``, ``mle``, ``data``, ``kl`` (KL balls)."""

LABELS = {"gd": "gradient descent", "ngd": "natural gradient descent"}
"""Legend text of each algorithm."""

CHART_STYLES = {
    "mean_std": "-",
    "mean_var": "--",
    "mean_precision": ":",
    "mean_logstd": "-.",
    "natural": (0, (6, 2, 1, 2, 1, 2)),
}
"""Line style of each chart."""

CHART_LABELS = {
    "mean_std": r"$(\mu, \sigma)$",
    "mean_var": r"$(\mu, \sigma^2)$",
    "mean_precision": r"$(\mu, \tau)$",
    "mean_logstd": r"$(\mu, \log\sigma)$",
    "natural": r"$(\eta_1, \eta_2)$",
}
"""Mathematical name of each chart, for legends and titles."""


def new_figure(nrows: int = 1, ncols: int = 1, width: float = 6.4, height: float = 4.2, **kwargs):
    """A figure with a white background (readable in the book's dark mode), and its axes.

    Parameters
    ----------
    nrows, ncols : int
        Grid of axes, as in :func:`matplotlib.pyplot.subplots`.
    width, height : float
        Figure size in inches.
    **kwargs
        Passed on to :func:`matplotlib.pyplot.subplots`.

    Returns
    -------
    (matplotlib.figure.Figure, axes)

    Examples
    --------
    >>> fig, ax = new_figure()
    >>> fig.get_facecolor()
    (1.0, 1.0, 1.0, 1.0)
    >>> plt.close(fig)
    """
    kwargs.setdefault("layout", "constrained")
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), facecolor="white", **kwargs)
    for ax in np.atleast_1d(axes).ravel():
        ax.set_facecolor("white")
    return fig, axes


def nll_grid(data, mu_range, sigma_range, n: int = 160):
    r"""Mean negative log-likelihood on a grid of :math:`(\mu, \sigma)`, for contour plots.

    Parameters
    ----------
    data : array_like, shape (n_data,)
        Observations.
    mu_range, sigma_range : tuple of float
        ``(low, high)`` of each axis; ``sigma_range`` must be positive.
    n : int
        Points per axis.

    Returns
    -------
    (MU, SIGMA, L) : tuple of numpy.ndarray, each shape (n, n)

    Raises
    ------
    ValueError
        If ``sigma_range`` is not positive or ``data`` is invalid.
    """
    if not 0 < sigma_range[0] < sigma_range[1]:
        raise ValueError(f"sigma_range must satisfy 0 < low < high, got {sigma_range}")
    xbar, s2 = sufficient_statistics(data)
    MU, SIGMA = np.meshgrid(np.linspace(*mu_range, n), np.linspace(*sigma_range, n))
    return MU, SIGMA, _std_loss_and_grad(xbar, s2, MU, SIGMA)[0]


def nll_levels(data, L, levels: int):
    r"""Contour levels of the mean NLL: ``levels`` values on a log scale above its minimum.

    Spaced so that both the basin and the walls show. Returns the minimum :math:`L(\bar x, s)`
    and the levels, from :math:`10^{-3}` above it up to the largest value of the grid ``L``.

    Examples
    --------
    >>> lmin, lv = nll_levels([1.0, 3.0], np.array([2.0, 5.0]), 3)
    >>> len(lv), bool(lv[0] > lmin)
    (3, True)
    """
    xbar, s2 = sufficient_statistics(data)
    lmin = float(_std_loss_and_grad(xbar, s2, xbar, np.sqrt(s2))[0])
    return lmin, lmin + np.geomspace(1e-3, max(float(np.max(L)) - lmin, 1e-2), levels)


def plot_nll_contours(ax, data, mu_range, sigma_range, levels: int = 25, filled: bool = True):
    r"""Contours of the mean NLL in display coordinates :math:`(\mu, \sigma)`, with the MLE marked.

    Levels are spaced on a log scale above the minimum, so the basin and the walls both show.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    data : array_like
        Observations.
    mu_range, sigma_range : tuple of float
        Axis limits.
    levels : int
        Number of contour levels.
    filled : bool
        Filled contours (light grey scale) or lines.

    Returns
    -------
    matplotlib.axes.Axes
    """
    MU, SIGMA, L = nll_grid(data, mu_range, sigma_range)
    xbar, s2 = sufficient_statistics(data)
    lmin, lv = nll_levels(data, L, levels)
    if filled:
        # light near the minimum, darker up the walls, never dark enough to hide a path
        ax.contourf(MU, SIGMA, L, levels=np.concatenate([[lmin], lv]), cmap="Greys", alpha=0.35)
    ax.contour(MU, SIGMA, L, levels=lv, colors="0.45", linewidths=0.5)
    ax.plot([xbar], [np.sqrt(s2)], marker="*", ms=12, color=COLORS["mle"], ls="none", label="MLE")
    ax.set_xlim(mu_range)
    ax.set_ylim(sigma_range)
    ax.set_xlabel(r"mean $\mu$")
    ax.set_ylabel(r"standard deviation $\sigma$")
    return ax


def plot_path(ax, path, chart: str, kind: str, label: str | None = None, markers: bool = True, **kwargs):
    r"""Draw an optimiser's path, run in ``chart``, in display coordinates :math:`(\mu, \sigma)`.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    path : array_like, shape (k, 2)
        Iterates in ``chart`` coordinates (as returned by the optimisers).
    chart : str
        Chart the path was computed in; sets the line style.
    kind : {"gd", "ngd"}
        Algorithm; sets the colour.
    label : str, optional
        Legend entry; defaults to the algorithm and chart.
    markers : bool
        Mark every iterate.
    **kwargs
        Passed on to :meth:`~matplotlib.axes.Axes.plot`.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ValueError
        On an unknown ``kind`` or ``chart``.
    """
    if kind not in LABELS:
        raise ValueError(f"kind must be one of {sorted(LABELS)}, got {kind!r}")
    check_chart(chart)
    std = path_to_mean_std(path, chart)
    if label is None:
        label = f"{LABELS[kind]} in {CHART_LABELS[chart]}"
    kwargs.setdefault("lw", 1.8)
    ax.plot(std[:, 0], std[:, 1], color=COLORS[kind], ls=CHART_STYLES[chart], label=label,
            marker="o" if markers else None, ms=2.5, **kwargs)
    ax.plot(std[:1, 0], std[:1, 1], marker="s", color=COLORS[kind], ms=6, ls="none")
    return ax


def path_to_mean_std(path, chart: str) -> np.ndarray:
    """Map every row of a path from ``chart`` to ``mean_std`` coordinates."""
    return std_coordinates(path, chart)


def plot_kl_ball(ax, theta_std, c: float, chart: str = "mean_std", **kwargs):
    r"""Draw the quadratic KL ball :math:`\tfrac12\delta^\top F\delta = c` around a point.

    The ball is computed in ``chart`` (with that chart's Fisher) and drawn in
    :math:`(\mu, \sigma)`; to second order it is the same set in every chart.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    theta_std : array_like, shape (2,)
        Centre :math:`(\mu, \sigma)`.
    c : float
        Radius in nats.
    chart : str
        Chart in which the quadratic form is taken.
    **kwargs
        Passed on to :meth:`~matplotlib.axes.Axes.plot`.

    Returns
    -------
    matplotlib.axes.Axes
    """
    theta = to_chart(theta_std, "mean_std", chart)
    delta = kl_ellipse(fisher_information(theta, chart), c)
    ring = path_to_mean_std(theta + delta, chart) if chart != "mean_std" else theta + delta
    ring = np.vstack([ring, ring[:1]])
    kwargs.setdefault("color", COLORS["kl"])
    ax.plot(ring[:, 0], ring[:, 1], **kwargs)
    return ax


def plot_density(ax, theta_std, x=None, label: str | None = None, **kwargs):
    r"""Draw the density of :math:`\mathcal N(\mu, \sigma^2)` given as ``theta_std = (mu, sigma)``.

    .. math:: p(x) = \frac{1}{\sqrt{2\pi}\,\sigma} \exp\Big(-\frac{(x-\mu)^2}{2\sigma^2}\Big)

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    theta_std : array_like, shape (2,)
        :math:`(\mu, \sigma)` with :math:`\sigma > 0`.
    x : array_like, optional
        Where to evaluate the density; by default 400 points over :math:`\mu \pm 4\sigma`.
    label : str, optional
        Legend entry.
    **kwargs
        Passed on to :meth:`~matplotlib.axes.Axes.plot`.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ValueError
        If ``theta_std`` is not a finite :math:`(\mu, \sigma)` with :math:`\sigma > 0`.

    Examples
    --------
    >>> fig, ax = new_figure()
    >>> line = plot_density(ax, (0.0, 1.0)).lines[-1]
    >>> round(float(line.get_ydata().max()), 4)  # 1 / sqrt(2 pi)
    0.3989
    >>> plt.close(fig)
    """
    mu, sigma = validate_theta(theta_std, "mean_std", name="theta_std")
    x = np.linspace(mu - 4 * sigma, mu + 4 * sigma, 400) if x is None else np.asarray(x, dtype=float)
    density = np.exp(-0.5 * ((x - mu) / sigma) ** 2) / (np.sqrt(2 * np.pi) * sigma)
    ax.plot(x, density, label=label, **kwargs)
    return ax


def finish(ax, title: str, legend: bool = True, **legend_kwargs):
    """Set the title and, if asked, a legend with a white frame; return ``ax``."""
    ax.set_title(title)
    if legend:
        legend_kwargs.setdefault("fontsize", "small")
        legend_kwargs.setdefault("framealpha", 0.95)
        ax.legend(**legend_kwargs)
    return ax


__all__ = [
    "CHARTS",
    "CHART_LABELS",
    "CHART_STYLES",
    "COLORS",
    "LABELS",
    "finish",
    "new_figure",
    "nll_grid",
    "path_to_mean_std",
    "plot_density",
    "plot_kl_ball",
    "plot_nll_contours",
    "plot_path",
]
