r"""Two Gaussians and the Fisher-Rao geodesic between them: a kernel-free live figure.

Left, or on top on a narrow screen, the :math:`(\mu, \sigma)` half-plane with the two Gaussians
:math:`\mathcal N(\mu_1, \sigma_1^2)` and :math:`\mathcal N(\mu_2, \sigma_2^2)` as two points
that the reader drags (a click moves the nearer one), the Fisher-Rao geodesic between them
(:func:`natgrad_lib.fisher_rao.geodesic`) and, for contrast, the straight segment. Below, the two
densities on a common axis. A readout gives the Fisher-Rao distance :math:`d`, both KL
divergences and :math:`d^2/2`; as the points come together each KL divided by :math:`d^2/2`
tends to 1 (they differ at third order in :math:`d`). Four
sliders and a Reset button make it work by keyboard alone.

Python builds the document once, with the opening state computed by natgrad_lib; every change
afterwards runs ``js/geodesic_explorer.mjs`` in the browser, a port of
:func:`~natgrad_lib.fisher_rao.fisher_rao_distance`, :func:`~natgrad_lib.fisher_rao.geodesic` and
:func:`~natgrad_lib.divergences.kl_divergence` that the tests hold to 1e-12 relative. The page
embeds it as :class:`natgrad_lib.live.LiveExplorer` does (:func:`natgrad_lib.live.embed_html`):
BokehJS served by the book, a static image for print and for no JavaScript.
"""

from __future__ import annotations

import io
import math
import uuid
from pathlib import Path

import numpy as np

from .divergences import kl_divergence
from .fisher_rao import fisher_rao_distance, geodesic
from .live import WIDGET, display_live, embed_html

JS_MODULE = Path(__file__).with_name("js") / "geodesic_explorer.mjs"
"""The ES module with the browser's numerics and the Bokeh glue."""

RANGES = {"mu": (-3.0, 3.0), "sigma": (0.2, 3.0)}
"""The sliders' ranges of each point's mean and standard deviation."""
STEP = 0.05  # the sliders' step: one arrow key
N_GEODESIC = 101  # points of the drawn geodesic, at numpy.linspace(0, 1, N_GEODESIC)
DIGITS = 4  # decimals of the readout
X_DENSITY = (-8.0, 8.0)  # the densities' axis: mu +- 3 sigma of every point in range but the widest
N_DENSITY = 321
# Not the book's GD orange, natural-GD blue or KL green: colours of their own (Paul Tol's wine
# and a dark olive), told apart also by the marker and the dash of the density.
COLORS = {"point1": "#882255", "point2": "#7A7A1F", "geodesic": "#000000", "segment": "#8a8a8a"}
LABELS = {"point1": "p₁ = N(μ₁, σ₁²)", "point2": "p₂ = N(μ₂, σ₂²)", "geodesic": "Fisher-Rao geodesic",
          "segment": "straight segment"}
# the plane's view: every geodesic between points in range stays below sigma = 3.68
VIEW = {"x": (-3.4, 3.4), "y": (0.0, 3.8)}
# How the browser draws what moves (js/geodesic_explorer.mjs, draw), in CSS pixels; Bokeh draws
# the legends' entries in the same style. Dashes as Bokeh sends its named patterns to the browser.
STYLE = {
    "segment": {"color": COLORS["segment"], "width": 1.5, "dash": [6]},
    "geodesic": {"color": COLORS["geodesic"], "width": 2.5, "dash": []},
    "point1": {"color": COLORS["point1"], "size": 14, "line": "white", "line_width": 1.5},
    "point2": {"color": COLORS["point2"], "size": 13, "line": "white", "line_width": 1.5},
    "density1": {"color": COLORS["point1"], "width": 2.2, "dash": []},
    "density2": {"color": COLORS["point2"], "width": 2.2, "dash": [6]},
}
HEADROOM = 1.1  # the densities' axis ends 10 % above the higher peak


def density_top(theta1, theta2) -> float:
    """Top of the densities' axis: :data:`HEADROOM` times the higher peak, 1/(sqrt(2 pi) sigma).

    The browser sets the same (``densityTop`` in ``js/geodesic_explorer.mjs``).

    Examples
    --------
    >>> round(density_top((0.0, 1.0), (2.0, 0.5)), 6)
    0.877673
    """
    return HEADROOM / (math.sqrt(2.0 * math.pi) * min(theta1[1], theta2[1]))


def _check_point(theta, name):
    try:
        mu, sigma = (float(v) for v in theta)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a pair (mu, sigma) of numbers, got {theta!r}") from exc
    if any(isinstance(v, bool) for v in theta):
        raise ValueError(f"{name} must be a pair (mu, sigma) of numbers, got {theta!r}")
    (mlo, mhi), (slo, shi) = RANGES["mu"], RANGES["sigma"]
    if not (mlo <= mu <= mhi and slo <= sigma <= shi):  # also false for NaN
        raise ValueError(f"{name} must have mu in [{mlo:g}, {mhi:g}] and sigma in [{slo:g}, {shi:g}] "
                         f"(the sliders' ranges), got {theta!r}")
    return mu, sigma


class LiveGeodesic:
    r"""Two Gaussians and the Fisher-Rao geodesic between them, live in the browser without a kernel.

    Parameters
    ----------
    theta1, theta2 : tuple of float
        The opening points :math:`(\mu_1, \sigma_1)` and :math:`(\mu_2, \sigma_2)`, with
        :math:`\mu \in [-3, 3]` and :math:`\sigma \in [0.2, 3]` (:data:`RANGES`, the sliders').
    title : str
        The plane's title; a phone's width shows about 45 characters of it.
    alt : str
        Alt text of the static image that stands in for the app without JavaScript and in print.

    Raises
    ------
    ValueError
        If a point is not a pair of numbers in the sliders' ranges (the message names it), or
        ``title`` or ``alt`` is not a non-empty string.

    Notes
    -----
    In a chapter, the app is the last expression of a code cell, as ``chapters/explorer.ipynb``
    shows :class:`~natgrad_lib.live.LiveExplorer`: the book's page then embeds it and serves
    BokehJS, and JupyterLab runs it through ``jupyter_bokeh``. The cell needs no figure metadata
    (the static image carries ``alt``). The browser tests (``tests/test_book.py``,
    ``test_live_geodesic_*``) expect exactly one such app on ``chapters/gaussian_geometry.html``.

    Examples
    --------
    >>> app = LiveGeodesic((-1.0, 0.5), (1.5, 1.2))
    >>> len(app.models["geodesic"].data["x"]), app.models["geodesic"].data["x"][0]
    (101, -1.0)
    """

    def __init__(self, theta1=(-1.0, 0.6), theta2=(1.5, 1.5), *,
                 title: str = "Two Gaussians and their Fisher-Rao geodesic",
                 alt: str = "The (mu, sigma) half-plane with two Gaussians as points, the Fisher-Rao "
                            "geodesic between them arching above the straight segment, and their two "
                            "densities below"):
        self.theta1 = _check_point(theta1, "theta1")
        self.theta2 = _check_point(theta2, "theta2")
        for name, value in (("title", title), ("alt", alt)):
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{name} must be a non-empty string, got {value!r}")
        self.title, self.alt = title, alt
        self.uid = uuid.uuid4().hex[:12]
        self.layout, self.models = self._build()

    # -- what the figure shows, computed by natgrad_lib ------------------------------------------
    def quantities(self) -> dict:
        """The readout's values at the opening points: ``d``, ``kl12``, ``kl21`` and ``half`` (d²/2)."""
        d = fisher_rao_distance(self.theta1, self.theta2)
        return {"d": d, "kl12": kl_divergence(self.theta1, self.theta2, "mean_std"),
                "kl21": kl_divergence(self.theta2, self.theta1, "mean_std"), "half": 0.5 * d * d}

    def readout_html(self) -> str:
        """The readout as the browser writes it (``readout`` in ``js/geodesic_explorer.mjs``)."""
        q = {k: f"{v:.{DIGITS}f}" for k, v in self.quantities().items()}
        return (f'<span data-quantity="d" style="white-space: nowrap">Fisher-Rao distance d = <b>{q["d"]}</b></span><br>'
                f'<span data-quantity="kl12" style="white-space: nowrap">KL(p₁‖p₂) = <b>{q["kl12"]}</b></span> · '
                f'<span data-quantity="kl21" style="white-space: nowrap">KL(p₂‖p₁) = <b>{q["kl21"]}</b></span> · '
                f'<span data-quantity="half" style="white-space: nowrap">d²/2 = <b>{q["half"]}</b></span>')

    def _columns(self):
        (mu1, s1), (mu2, s2) = self.theta1, self.theta2
        t = np.linspace(0.0, 1.0, N_GEODESIC)
        g = geodesic(self.theta1, self.theta2, t)
        xs = np.linspace(*X_DENSITY, N_DENSITY)

        def pdf(mu, s):
            z = (xs - mu) / s
            return (1.0 / math.sqrt(2.0 * math.pi) / s * np.exp(-0.5 * z * z)).tolist()

        return {"geodesic": {"x": g[:, 0].tolist(), "y": g[:, 1].tolist(), "t": t.tolist()},
                "segment": {"x": [mu1, mu2], "y": [s1, s2]},
                "point1": {"x": [mu1], "y": [s1]}, "point2": {"x": [mu2], "y": [s2]},
                "density1": {"x": xs.tolist(), "y": pdf(mu1, s1)},
                "density2": {"x": xs.tolist(), "y": pdf(mu2, s2)}}

    # -- the Bokeh document ---------------------------------------------------------------------
    def _build(self):
        from bokeh import events
        from bokeh.layouts import column, row
        from bokeh.models import Button, ColumnDataSource, CustomJS, Div, Range1d, Slider
        from bokeh.plotting import figure

        from .live import FOCUS_CSS

        sources = {name: ColumnDataSource(data, name=name) for name, data in self._columns().items()}
        plane = figure(height=380, sizing_mode="stretch_width", min_width=300, max_width=720,
                       x_range=Range1d(*VIEW["x"]), y_range=Range1d(*VIEW["y"]), title=self.title,
                       tools="", toolbar_location=None, background_fill_color="white",
                       x_axis_label="mean μ", y_axis_label="standard deviation σ", name="plane")
        plane.title.text_font_size = "13px"
        densities = figure(height=230, sizing_mode="stretch_width", min_width=300, max_width=720,
                           x_range=Range1d(*X_DENSITY), y_range=Range1d(0.0, density_top(self.theta1, self.theta2)),
                           title="The two densities", tools="", toolbar_location=None,
                           background_fill_color="white", x_axis_label="x", y_axis_label="density",
                           name="densities")
        densities.title.text_font_size = "13px"

        # What moves is drawn by the browser's module on each plot's overlay canvas (draw in
        # js/geodesic_explorer.mjs), as natgrad_lib.live's explorer does: Bokeh's repaint of a
        # whole plot for every pointer move was most of the time from a drag to the drawn frame.
        # The sources stay the record of what is drawn. The legends show renderers without data
        # in the same style (one NaN point, which the plot does not show).
        still = ColumnDataSource({"x": [math.nan], "y": [math.nan]}, name="legend_stand_in")
        st = STYLE
        plane.line("x", "y", source=still, color=st["segment"]["color"], line_width=st["segment"]["width"],
                   line_dash=st["segment"]["dash"], legend_label=LABELS["segment"])
        plane.line("x", "y", source=still, color=st["geodesic"]["color"], line_width=st["geodesic"]["width"],
                   legend_label=LABELS["geodesic"])
        for name, marker in (("point1", "circle"), ("point2", "square")):
            plane.scatter("x", "y", source=still, marker=marker, size=st[name]["size"], fill_color=st[name]["color"],
                          line_color=st[name]["line"], line_width=st[name]["line_width"], legend_label=LABELS[name])
        for name, label in (("density1", "p₁(x)"), ("density2", "p₂(x)")):
            densities.line("x", "y", source=still, color=st[name]["color"], line_width=st[name]["width"],
                           line_dash=st[name]["dash"], legend_label=label)
        for p in (plane, densities):
            p.legend.location = "top_left"
            p.legend.label_text_font_size = "11px"
            p.legend.spacing = 0
            p.legend.padding = 4
            p.legend.margin = 6
            p.legend.background_fill_alpha = 0.85
        # the plane's legend below it, so that it never hides the points
        legend = plane.legend[0]
        plane.add_layout(legend, "below")
        legend.orientation = "horizontal"
        legend.ncols = 2
        legend.label_width = 120  # two columns within a phone's 390 px
        legend.border_line_alpha = 0

        (mlo, mhi), (slo, shi) = RANGES["mu"], RANGES["sigma"]
        (mu1, s1), (mu2, s2) = self.theta1, self.theta2

        def slider(name, title, low, high, value):
            return Slider(start=low, end=high, step=STEP, value=value, title=title, name=name, width=WIDGET,
                          format="0.00")

        controls = {"mu1": slider("mu1", "mean μ₁", mlo, mhi, mu1),
                    "sigma1": slider("sigma1", "standard deviation σ₁", slo, shi, s1),
                    "mu2": slider("mu2", "mean μ₂", mlo, mhi, mu2),
                    "sigma2": slider("sigma2", "standard deviation σ₂", slo, shi, s2),
                    "reset": Button(label="Reset", name="reset", width=90, stylesheets=[FOCUS_CSS])}
        readout = Div(text=self.readout_html(), name="readout", sizing_mode="stretch_width",
                      styles={"font-size": "14px", "padding": "4px 0"})
        callback = CustomJS.from_file(
            str(JS_MODULE), controls=controls, sources=sources, readout=readout, plot=plane,
            density_plot=densities, style=STYLE,
            defaults={"mu1": mu1, "sigma1": s1, "mu2": mu2, "sigma2": s2},
            config={"n_geodesic": N_GEODESIC, "digits": DIGITS, "headroom": HEADROOM})
        callback.name = "live_update"
        for name in ("mu1", "sigma1", "mu2", "sigma2"):
            controls[name].js_on_change("value", callback)
        controls["reset"].js_on_event(events.ButtonClick, callback)
        for event in (events.Tap, events.PanStart, events.Pan, events.PanEnd):
            plane.js_on_event(event, callback)

        wrap = [":host { flex-wrap: wrap; }"]  # on a narrow screen the second column wraps below
        note = Div(text="For nearby points KL / (d²/2) → 1: each KL differs from d²/2 only at third order in d.",
                   sizing_mode="stretch_width", styles={"font-size": "13px", "color": "#444"})
        panel = column(readout, note,
                       row(column(Div(text="<b>Point 1</b> (circle)"), controls["mu1"], controls["sigma1"]),
                           column(Div(text="<b>Point 2</b> (square)"), controls["mu2"], controls["sigma2"]),
                           stylesheets=wrap),
                       controls["reset"], sizing_mode="stretch_width")
        layout = column(plane, panel, densities, sizing_mode="stretch_width", name="live_geodesic")
        models = {**sources, **controls, "readout": readout, "plane": plane, "densities": densities}
        return layout, models

    # -- output -----------------------------------------------------------------------------------
    def static_png(self) -> bytes:
        """The opening state drawn by Matplotlib: the stand-in for print and for no JavaScript."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        fig = Figure(figsize=(6.2, 6.0), dpi=90, facecolor="white")
        FigureCanvasAgg(fig)
        ax, bx = fig.subplots(2, 1, gridspec_kw={"height_ratios": [1.6, 1]})
        fig.subplots_adjust(left=0.11, right=0.97, top=0.94, bottom=0.08, hspace=0.38)
        m = {k: v.data for k, v in self.models.items() if hasattr(v, "data")}
        ax.plot(m["segment"]["x"], m["segment"]["y"], color=COLORS["segment"], lw=1.5, ls="--",
                label=LABELS["segment"])
        ax.plot(m["geodesic"]["x"], m["geodesic"]["y"], color=COLORS["geodesic"], lw=2.2, label=LABELS["geodesic"])
        ax.plot(m["point1"]["x"], m["point1"]["y"], "o", ms=10, color=COLORS["point1"], mec="white",
                label=LABELS["point1"])
        ax.plot(m["point2"]["x"], m["point2"]["y"], "s", ms=9, color=COLORS["point2"], mec="white",
                label=LABELS["point2"])
        ax.set(xlim=VIEW["x"], ylim=VIEW["y"], xlabel="mean μ", ylabel="standard deviation σ")
        ax.set_title(self.title, fontsize="small")
        ax.legend(loc="upper left", fontsize="x-small", ncols=2)
        bx.plot(m["density1"]["x"], m["density1"]["y"], color=COLORS["point1"], lw=2, label="p₁(x)")
        bx.plot(m["density2"]["x"], m["density2"]["y"], color=COLORS["point2"], lw=2, ls="--", label="p₂(x)")
        bx.set(xlim=X_DENSITY, ylim=(0, None), xlabel="x", ylabel="density")
        q = self.quantities()
        bx.set_title(f"d = {q['d']:.{DIGITS}f}, KL(p₁‖p₂) = {q['kl12']:.{DIGITS}f}, "
                     f"KL(p₂‖p₁) = {q['kl21']:.{DIGITS}f}, d²/2 = {q['half']:.{DIGITS}f}", fontsize="small")
        bx.legend(loc="upper left", fontsize="x-small")
        out = io.BytesIO()
        fig.savefig(out, format="png")
        return out.getvalue()

    def html(self) -> str:
        """The figure as the HTML book embeds it: the app, its static stand-in and the loader."""
        return embed_html(self.layout, self.uid, self.static_png(), self.alt,
                          "The live figure needs JavaScript; the image shows its starting state.")

    def _ipython_display_(self):
        display_live(self.html(), "<natgrad_lib.live_geodesic.LiveGeodesic>")
