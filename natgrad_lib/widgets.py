r"""The explorer: gradient descent and natural gradient descent racing on a Gaussian likelihood.

:class:`Explorer` is a live ipywidgets app for a Jupyter kernel. It keeps one persistent
figure, renders the contour background once per data set, and on every change recomputes only
the trajectories, draws them over the cached background (blitting) and sends a PNG to an
``ipywidgets.Image``. The HTML book's explorer, which needs no kernel, is :mod:`natgrad_lib.live`.

Widgets sit on top of everything else; nothing in the numerics imports this module.
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ._validation import count, positive_float
from .charts import CHARTS, check_chart, to_chart
from .fisher import fisher_information
from .geometry import kl_ellipse
from .likelihood import _std_loss_and_grad, sufficient_statistics
from .optimizers import gradient_descent, natural_gradient_descent
from .plotting import CHART_LABELS, CHART_STYLES, COLORS, LABELS, path_to_mean_std, plot_nll_contours

TRUE_MU, TRUE_SIGMA = 2.0, 1.5
"""The Gaussian the explorer's data are drawn from."""


def explorer_data(n_data: int, seed: int) -> np.ndarray:
    r"""The explorer's data set: ``n_data`` draws from :math:`\mathcal N(2, 1.5^2)` with ``seed``.

    Raises
    ------
    ValueError
        If ``n_data < 2`` or ``seed < 0``.

    Examples
    --------
    >>> explorer_data(3, seed=0).shape
    (3,)
    """
    n_data = count(n_data, "n_data", 2)
    seed = count(seed, "seed", 0)
    return np.random.default_rng(seed).normal(TRUE_MU, TRUE_SIGMA, n_data)


def race(data, mu0: float, sigma0: float, chart: str, lr: float, steps: int):
    r"""GD and natural GD from the same start :math:`\mathcal N(\mu_0, \sigma_0^2)`, run in ``chart``.

    Returns
    -------
    dict
        ``{"gd": path, "ngd": path}``, each of shape (k, 2) in display coordinates
        :math:`(\mu, \sigma)`, ``k <= steps + 1`` (shorter when the run left the domain).

    Raises
    ------
    ValueError
        On invalid data, start, chart, ``lr`` or ``steps``.

    Examples
    --------
    >>> paths = race([0.0, 1.0, 2.0], 0.0, 1.0, "mean_var", lr=0.1, steps=5)
    >>> paths["gd"].shape, paths["ngd"].shape
    ((6, 2), (6, 2))
    """
    theta0 = to_chart([mu0, sigma0], "mean_std", chart)
    return {
        "gd": path_to_mean_std(gradient_descent(data, theta0, chart, lr, steps), chart),
        "ngd": path_to_mean_std(natural_gradient_descent(data, theta0, chart, lr, steps), chart),
    }


def divergence_message(paths, steps: int, data=None) -> str:
    """A short message for each run that diverged, else ``""``.

    A run diverged when it stopped early (its next step would have left the chart's
    domain or overflowed) or, given ``data``, when it ended with a higher loss than it
    started with: a finite run whose iterates run away is diverging too.
    """
    notes = []
    if data is not None:
        xbar, s2 = sufficient_statistics(data)
    for kind in ("gd", "ngd"):
        path = paths[kind]
        done = len(path) - 1
        if done < steps:
            notes.append(f"{LABELS[kind]} stopped after {done} of {steps} steps: its next step would leave "
                         "the chart's domain or overflow; lower the learning rate")
        elif data is not None:
            with np.errstate(all="ignore"):
                first, last = _std_loss_and_grad(xbar, s2, path[[0, -1], 0], path[[0, -1], 1])[0]
            if not last <= first:  # also catches an overflowed (inf or nan) loss
                notes.append(f"{LABELS[kind]} is diverging: its loss grew over {steps} steps; "
                             "lower the learning rate")
    return "\n".join(notes)


def kl_ring(centre, c: float, n_points: int = 64) -> np.ndarray:
    r"""The KL ball :math:`\tfrac12\delta^\top F\delta = c` around ``centre`` in :math:`(\mu, \sigma)`, closed.

    ``n_points + 1`` rows: :func:`~natgrad_lib.geometry.kl_ellipse` with the Fisher of the
    chart ``mean_std`` at ``centre``, shifted there, and its first point repeated at the end
    so that a line through the rows closes the ellipse.

    Examples
    --------
    >>> ring = kl_ring([0.0, 1.0], 0.5, n_points=4)
    >>> ring.shape, bool(np.all(ring[0] == ring[-1]))
    ((5, 2), True)
    """
    centre = np.asarray(centre, dtype=float)
    ring = centre + kl_ellipse(fisher_information(centre, "mean_std"), c, n_points)
    return np.vstack([ring, ring[:1]])


def _view_limits(data):
    xbar, s2 = sufficient_statistics(data)
    s = np.sqrt(s2)
    return (xbar - 4.0 * s, xbar + 2.5 * s), (0.05 * s, 2.6 * s)


class Explorer:
    r"""Live explorer of GD (colour ``COLORS["gd"]``) and natural GD (``COLORS["ngd"]``).

    Controls: learning rate (log slider), steps, start :math:`\mu_0` and
    :math:`\sigma_0`, chart, data size and seed, a Play control that animates the
    iterations, a toggle that overlays the natural-GD paths of all five charts,
    and a toggle that draws the KL ball :math:`\tfrac12\delta^\top F\delta = c`
    around the current natural-GD iterate. A run that diverges shows a message
    in the figure and its path up to that point.

    The figure is persistent; the contour background is rendered once per data
    set and cached, and an update only recomputes and redraws the paths
    (blitting) before encoding the PNG that the ``ipywidgets.Image`` shows.

    Parameters
    ----------
    width, height : int
        Size of the figure in pixels.
    **values
        Initial control values: ``lr``, ``steps``, ``mu0``, ``sigma0``, ``chart``,
        ``n_data``, ``seed``, ``all_charts``, ``kl_ball``.

    Examples
    --------
    >>> ex = Explorer(lr=0.05, steps=40)
    >>> ex.controls["chart"].value = "natural"          # as a reader would
    >>> ex.paths["ngd"].shape[1]
    2
    """

    KL_RADIUS = 0.05  # nats; large enough to see at the explorer's scale

    def __init__(self, width: int = 800, height: int = 500, **values):
        import ipywidgets as w

        self.width, self.height = count(width, "width", 100), count(height, "height", 100)
        defaults = dict(lr=0.05, steps=60, mu0=-1.0, sigma0=0.8, chart="mean_std", n_data=200, seed=0,
                        all_charts=False, kl_ball=False)
        unknown = set(values) - set(defaults)
        if unknown:
            raise ValueError(f"unknown control(s) {sorted(unknown)}; allowed: {sorted(defaults)}")
        defaults.update(values)
        _check_initial_values(defaults)
        style = {"description_width": "7em"}
        layout = w.Layout(width="330px")
        self.controls = {
            "lr": w.FloatLogSlider(value=defaults["lr"], base=10, min=np.log10(_RANGES["lr"][0]),
                                   max=np.log10(_RANGES["lr"][1]), step=0.05,
                                   description="learning rate", readout_format=".2g", style=style, layout=layout),
            "steps": w.IntSlider(value=defaults["steps"], min=_RANGES["steps"][0], max=_RANGES["steps"][1], description="steps",
                                 style=style, layout=layout),
            "mu0": w.FloatSlider(value=defaults["mu0"], min=_RANGES["mu0"][0], max=_RANGES["mu0"][1], step=0.1, description="start μ₀",
                                 style=style, layout=layout),
            "sigma0": w.FloatSlider(value=defaults["sigma0"], min=_RANGES["sigma0"][0], max=_RANGES["sigma0"][1], step=0.05,
                                    description="start σ₀", style=style, layout=layout),
            "chart": w.Dropdown(options=[(f"{c}", c) for c in CHARTS], value=defaults["chart"],
                                description="chart", style=style, layout=layout),
            "n_data": w.IntSlider(value=defaults["n_data"], min=_RANGES["n_data"][0], max=_RANGES["n_data"][1], step=1, description="data size",
                                  style=style, layout=layout),
            "seed": w.IntSlider(value=defaults["seed"], min=_RANGES["seed"][0], max=_RANGES["seed"][1], description="data seed",
                                style=style, layout=layout),
            "all_charts": w.Checkbox(value=defaults["all_charts"], description="natural GD in all five charts",
                                     indent=False, layout=layout),
            "kl_ball": w.Checkbox(value=defaults["kl_ball"], description="KL ball around natural GD",
                                  indent=False, layout=layout),
        }
        self.iteration = w.IntSlider(value=defaults["steps"], min=0, max=defaults["steps"], description="iteration",
                                     style=style, layout=layout)
        self.play = w.Play(value=defaults["steps"], min=0, max=defaults["steps"], interval=60,
                           description="play")
        w.jslink((self.play, "value"), (self.iteration, "value"))
        # the image scales down with its box, never beyond its natural size
        self.image = w.Image(format="png", layout=w.Layout(width="100%", max_width=f"{self.width}px",
                                                            height="auto", margin="0"))

        self.fig = Figure(figsize=(self.width / 100, self.height / 100), dpi=100, facecolor="white")
        self.canvas = FigureCanvasAgg(self.fig)
        self.ax = self.fig.add_axes([0.08, 0.1, 0.6, 0.82])
        self._lines = {}
        self._updating = False
        self._data_key = None
        self._background = None
        self.data = None
        self.paths = {}
        self.message = ""
        self.png = b""

        for name, control in self.controls.items():
            control.observe(self._on_change, names="value")
        self.iteration.observe(self._on_iteration, names="value")
        self.update()

    # -- layout ----------------------------------------------------------------------
    def widget(self):
        """The assembled app: controls beside the figure, or above it when the notebook is narrow.

        The two boxes wrap (CSS flex-wrap): the column of controls keeps its width and the figure
        takes the rest of the row, between 480 px and its natural width, scaling down with it. In a
        notebook narrower than both, the figure moves below the controls. Nothing overlaps.
        """
        import ipywidgets as w

        c = self.controls
        controls = w.VBox([c["lr"], c["steps"], c["chart"], c["mu0"], c["sigma0"], c["n_data"], c["seed"],
                           c["all_charts"], c["kl_ball"], self.play, self.iteration],
                          layout=w.Layout(flex="0 0 auto", width="340px"))
        figure = w.Box([self.image], layout=w.Layout(flex="1 1 480px", min_width="0",
                                                     max_width=f"{self.width}px"))
        return w.Box([controls, figure], layout=w.Layout(display="flex", flex_flow="row wrap",
                                                         align_items="flex-start", width="100%"))

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget())

    # -- drawing ---------------------------------------------------------------------
    def _render_background(self):
        """Contours, labels, legend: everything that changes only with the data."""
        ax = self.ax
        ax.clear()
        mu_range, sigma_range = _view_limits(self.data)
        plot_nll_contours(ax, self.data, mu_range, sigma_range, levels=30)
        ax.set_title("Fitting N(μ, σ²): GD vs natural GD")
        handles = [
            Line2D([], [], color=COLORS["gd"], lw=2, label=LABELS["gd"]),
            Line2D([], [], color=COLORS["ngd"], lw=2, label=LABELS["ngd"]),
            Line2D([], [], color=COLORS["mle"], marker="*", ls="none", ms=10, label="MLE"),
            Line2D([], [], color=COLORS["kl"], lw=1.5, label="KL ball ½δᵀFδ = c"),
        ] + [Line2D([], [], color="0.3", ls=CHART_STYLES[c], label=f"chart {CHART_LABELS[c]}") for c in CHARTS]
        self.fig.legends.clear()
        self.fig.legend(handles=handles, loc="center right", fontsize="small", framealpha=0.95)
        # the animated artists are drawn by blitting only, never in the cached background
        self._lines = {
            "gd": ax.plot([], [], color=COLORS["gd"], lw=2, marker="o", ms=2.5, animated=True)[0],
            "ngd": ax.plot([], [], color=COLORS["ngd"], lw=2, marker="o", ms=2.5, animated=True)[0],
            "ball": ax.plot([], [], color=COLORS["kl"], lw=1.5, animated=True)[0],
            **{f"ngd_{c}": ax.plot([], [], color=COLORS["ngd"], lw=1.2, ls=CHART_STYLES[c], alpha=0.8,
                                   animated=True)[0] for c in CHARTS},
        }
        self._text = ax.text(0.02, 0.02, "", transform=ax.transAxes, fontsize="small", color="#B00020",
                             va="bottom", animated=True,
                             bbox=dict(facecolor="white", edgecolor="#B00020", alpha=0.9))
        self.canvas.draw()
        self._background = self.canvas.copy_from_bbox(self.fig.bbox)

    def _on_change(self, change):
        self.update()

    def _on_iteration(self, change):
        if not self._updating:
            self._blit()

    def update(self):
        """Recompute what the controls changed and redraw (what every control change calls)."""
        v = {name: control.value for name, control in self.controls.items()}
        key = (v["n_data"], v["seed"])
        if key != self._data_key:
            self.data = explorer_data(v["n_data"], v["seed"])
            self._data_key = key
            self._render_background()
        self.paths = race(self.data, v["mu0"], v["sigma0"], v["chart"], v["lr"], v["steps"])
        self.overlay = {}
        if v["all_charts"]:
            for chart in CHARTS:
                theta0 = to_chart([v["mu0"], v["sigma0"]], "mean_std", chart)
                path = natural_gradient_descent(self.data, theta0, chart, v["lr"], v["steps"])
                self.overlay[chart] = path_to_mean_std(path, chart)
        self.message = divergence_message(self.paths, v["steps"], self.data)
        self._updating = True  # moving the iteration slider here must not blit a second time
        try:
            self.iteration.max = self.play.max = v["steps"]
            self.iteration.value = self.play.value = v["steps"]
        finally:
            self._updating = False
        self._blit()

    def _blit(self):
        k = self.iteration.value
        lines = self._lines
        for kind in ("gd", "ngd"):
            path = self.paths[kind][: k + 1]
            lines[kind].set_data(path[:, 0], path[:, 1])
        for chart in CHARTS:
            path = self.overlay.get(chart, np.empty((0, 2)))[: k + 1]
            lines[f"ngd_{chart}"].set_data(path[:, 0], path[:, 1])
        ring = np.empty((0, 2))
        if self.controls["kl_ball"].value:
            ring = kl_ring(self.paths["ngd"][min(k, len(self.paths["ngd"]) - 1)], self.KL_RADIUS)
        lines["ball"].set_data(ring[:, 0], ring[:, 1])
        self._text.set_text(self.message)
        self._text.set_visible(bool(self.message))

        self.canvas.restore_region(self._background)
        for artist in [*lines.values(), self._text]:
            self.ax.draw_artist(artist)
        self.png = _encode_png(self.canvas)
        self.image.value = self.png


# Ranges of the sliders; initial values outside them would be clamped silently, so they are refused.
_RANGES = {"lr": (1e-4, 10.0), "steps": (1, 400), "mu0": (-6.0, 6.0), "sigma0": (0.1, 4.0),
           "n_data": (2, 5000), "seed": (0, 99)}


def _check_initial_values(values):
    check_chart(values["chart"])
    positive_float(values["lr"], "lr")
    count(values["steps"], "steps", 1)
    count(values["n_data"], "n_data", 2)
    count(values["seed"], "seed", 0)
    for name in ("mu0", "sigma0"):
        value = values[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
            raise ValueError(f"{name} must be a finite number, got {value!r}")
    for name, (low, high) in _RANGES.items():
        if not low <= values[name] <= high:
            raise ValueError(f"{name} must lie in [{low:g}, {high:g}] (the slider's range), got {values[name]!r}")
    for name in ("all_charts", "kl_ball"):
        if not isinstance(values[name], bool):
            raise ValueError(f"{name} must be True or False, got {values[name]!r}")


def _encode_png(canvas) -> bytes:
    """The canvas as PNG, at a low compression level: speed matters more than bytes here."""
    from PIL import Image

    width, height = canvas.get_width_height()
    # the figure is opaque: dropping alpha makes the PNG a quarter smaller and faster to encode
    image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1).convert("RGB")
    out = io.BytesIO()
    image.save(out, format="png", compress_level=1)
    return out.getvalue()
