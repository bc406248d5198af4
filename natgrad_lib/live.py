r"""The kernel-free explorer: a Bokeh app whose dynamics run in the reader's browser.

The race of :mod:`natgrad_lib.widgets` without a Python kernel. Python builds, once, what does
not change while the reader plays: the contours of the mean NLL, the controls and the initial
paths (from :mod:`natgrad_lib.optimizers`). Every change afterwards (a slider, the chart, a click
or a drag on the plot) runs ``js/live_explorer.mjs`` in the browser, a line-by-line port of
:func:`~natgrad_lib.optimizers.gradient_descent` and
:func:`~natgrad_lib.optimizers.natural_gradient_descent` that the tests hold to 1e-10.

Where it shows:

* **The HTML book.** The page embeds the Bokeh document; BokehJS is served from the book's own
  ``_static/bokeh`` folder (``_ext/static_assets.py`` copies :func:`bokehjs_files` there and adds
  them to the pages that hold an explorer). No request leaves the site.
* **JupyterLab.** A first output hands BokehJS to ``jupyter_bokeh``'s loader (in the HTML book
  that output is empty and dropped); the second is the same embed as in the book.
* **Print and no JavaScript.** A static image of the initial race sits in the figure and shows
  until BokehJS has drawn the app, and again in print.

Sits on top of everything else, like :mod:`natgrad_lib.widgets`.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import uuid
from pathlib import Path

import numpy as np

from ._validation import count, positive_float
from .charts import CHARTS, check_chart, to_chart
from .likelihood import sufficient_statistics
from .optimizers import gradient_descent, natural_gradient_descent
from .plotting import COLORS, LABELS, nll_grid, nll_levels, path_to_mean_std
from .widgets import _RANGES, Explorer, _view_limits, divergence_message, kl_ring

JS_MODULE = Path(__file__).with_name("js") / "live_explorer.mjs"
"""The ES module with the browser's dynamics and the Bokeh glue."""

CHART_NAMES = {
    "mean_std": "(μ, σ)",
    "mean_var": "(μ, σ²)",
    "mean_precision": "(μ, τ)",
    "mean_logstd": "(μ, log σ)",
    "natural": "(η₁, η₂)",
}
"""Plain-text name of each chart, as the explorer's buttons show it."""

RANGES = {name: _RANGES[name] for name in ("lr", "steps", "mu0", "sigma0")}
"""The sliders' ranges, those of :class:`natgrad_lib.widgets.Explorer`: both explorers offer the same runs."""
KL_RADIUS = Explorer.KL_RADIUS
WIDGET = 320  # px, one column of controls
# Bokeh's own focus ring on buttons is a 1 px dotted light grey: too faint to see where the
# keyboard is. Widgets render in a shadow root, so the rule goes in through `stylesheets`.
FOCUS_CSS = ".bk-btn:focus-visible { outline: 2px solid #0072B2; outline-offset: 1px; }"
LOAD_MIME = "application/vnd.bokehjs_load.v0+json"  # jupyter_bokeh's loader in JupyterLab
# Bokeh's named dash patterns as it sends them to the browser, where the module draws them too
CHART_DASH = {"mean_std": [], "mean_var": [6], "mean_precision": [2, 4], "mean_logstd": [2, 4, 6, 4],
              "natural": [6, 2, 1, 2, 1, 2]}
# How the browser draws what moves (js/live_explorer.mjs, drawMoving); Bokeh draws the legend's
# entries in the same style. Widths and radii in CSS pixels.
STYLE = {
    "gd": {"color": COLORS["gd"], "width": 2.2, "dot": 1.75},
    "ngd": {"color": COLORS["ngd"], "width": 2.2, "dot": 1.75},
    "overlay": {"color": COLORS["ngd"], "width": 1.3, "alpha": 0.85, "dash": CHART_DASH},
    "ball": {"color": COLORS["kl"], "width": 1.8},
    "start": {"radius": 5, "fill": "white", "line": "black", "width": 2},
}


def bokehjs_files() -> list[Path]:
    """BokehJS's core and widgets bundles, from the installed ``bokeh`` wheel (served locally).

    Examples
    --------
    >>> [p.name for p in bokehjs_files()]
    ['bokeh.min.js', 'bokeh-widgets.min.js']
    """
    import bokeh

    folder = Path(bokeh.__file__).parent / "server" / "static" / "js"
    return [folder / "bokeh.min.js", folder / "bokeh-widgets.min.js"]


def _columns(path: np.ndarray, chart: str) -> dict:
    std = path_to_mean_std(path, chart) if len(path) else np.empty((0, 2))
    return {"x": std[:, 0].tolist(), "y": std[:, 1].tolist(),
            "a": path[:, 0].tolist(), "b": path[:, 1].tolist()}


def _check_settings(mu0, sigma0, chart, lr, steps):
    check_chart(chart)
    lr = positive_float(lr, "lr")
    steps = count(steps, "steps", 1)
    for name, value in (("lr", lr), ("steps", steps), ("mu0", mu0), ("sigma0", sigma0)):
        low, high = RANGES[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            raise ValueError(f"{name} must lie in [{low:g}, {high:g}] (the slider's range), got {value!r}")
    return float(mu0), float(sigma0), chart, lr, steps


def overlay_message(overlay: dict, steps: int) -> str:
    """The line naming the charts whose natural-GD overlay stopped early, else ``""``.

    ``overlay`` maps each chart to its path (empty when the overlay is off). The browser writes
    the same line (``overlayMessage`` in ``js/live_explorer.mjs``).

    Examples
    --------
    >>> overlay_message({"natural": np.zeros((1, 2)), "mean_std": np.zeros((11, 2))}, 10)
    "natural GD stopped early in (η₁, η₂): its next step would leave that chart's domain"
    """
    stopped = [CHART_NAMES[c] for c in CHARTS if 0 < len(overlay.get(c, ())) < steps + 1]
    if not stopped:
        return ""
    return f"natural GD stopped early in {', '.join(stopped)}: its next step would leave that chart's domain"


class LiveExplorer:
    r"""GD (colour ``COLORS["gd"]``) and natural GD (``COLORS["ngd"]``) racing, recomputed in the browser.

    Controls: learning rate :math:`\alpha` (log scale), steps, chart, start :math:`(\mu_0,
    \sigma_0)` by sliders or by clicking or dragging on the plot, natural GD in all five charts,
    the KL ball :math:`\tfrac12\delta^\top F\delta = c` around the natural-GD iterate, Play, an
    iteration scrubber and Reset. A run that leaves the chart's domain or whose loss grows shows
    a message.

    Parameters
    ----------
    data : array_like
        Observations; only :math:`(\bar x, s^2)` reach the browser.
    mu0, sigma0 : float
        Start :math:`\mathcal N(\mu_0, \sigma_0^2)`, in the sliders' ranges (:data:`RANGES`).
    chart : str
        One of :data:`~natgrad_lib.charts.CHARTS`.
    lr : float
        Learning rate, in ``RANGES["lr"]``.
    steps : int
        Iterations, in ``RANGES["steps"]``.
    all_charts, kl_ball : bool
        Initial state of the two overlays.
    title : str
        The plot's title.
    alt : str
        Alt text of the static image that stands in for the app without JavaScript and in print.

    Raises
    ------
    ValueError
        On invalid data, an unknown chart or a setting outside its slider's range.

    Examples
    --------
    >>> app = LiveExplorer([0.0, 1.0, 3.0], mu0=-1.0, sigma0=0.5, chart="mean_var", lr=0.05, steps=20)
    >>> app.models["gd"].data["a"][0], len(app.models["ngd"].data["a"])
    (-1.0, 21)
    """

    def __init__(self, data, mu0: float, sigma0: float, chart: str, lr: float, steps: int, *,
                 all_charts: bool = False, kl_ball: bool = False,
                 title: str = "Fitting N(μ, σ²): GD against natural GD",
                 alt: str = "Gradient descent and natural gradient descent from the same start "
                            "over the contours of the mean negative log-likelihood"):
        for name, value in (("all_charts", all_charts), ("kl_ball", kl_ball)):
            if not isinstance(value, bool):
                raise ValueError(f"{name} must be True or False, got {value!r}")
        self.settings = dict(zip(("mu0", "sigma0", "chart", "lr", "steps"),
                                 _check_settings(mu0, sigma0, chart, lr, steps)))
        self.settings.update(all_charts=all_charts, kl_ball=kl_ball)
        self.xbar, self.s2 = sufficient_statistics(data)
        self.data = np.asarray(data, dtype=float)
        self.title, self.alt = title, alt
        self.uid = uuid.uuid4().hex[:12]
        self.layout, self.models = self._build()

    # -- the Bokeh document ---------------------------------------------------------------
    def _build(self):
        from bokeh import events
        from bokeh.layouts import column, row
        from bokeh.models import (Button, CheckboxGroup, ColumnDataSource, CustomJS, CustomJSTickFormatter,
                                  Div, LegendItem, RadioButtonGroup, Range1d, Slider, Toggle)
        from bokeh.plotting import figure

        s = self.settings
        mu_range, sigma_range = _view_limits(self.data)
        p = figure(height=400, sizing_mode="stretch_width", min_width=300, max_width=720,
                   x_range=Range1d(*mu_range), y_range=Range1d(*sigma_range), title=self.title,
                   tools="", toolbar_location=None, background_fill_color="white",
                   x_axis_label="mean μ", y_axis_label="standard deviation σ", name="plot")
        p.title.text_font_size = "13px"

        # contours of the mean NLL, computed here: levels on a log scale above the minimum, as
        # natgrad_lib.plotting.plot_nll_contours draws them
        MU, SIGMA, L = nll_grid(self.data, mu_range, sigma_range, n=120)
        levels = nll_levels(self.data, L, 16)[1]
        p.contour(MU, SIGMA, L, levels=levels.tolist(), line_color="#8a8a8a", line_width=0.7)
        p.scatter([self.xbar], [math.sqrt(self.s2)], marker="star", size=16, color=COLORS["mle"],
                  legend_label="MLE")

        theta0 = to_chart([s["mu0"], s["sigma0"]], "mean_std", s["chart"])
        gd = gradient_descent(self.data, theta0, s["chart"], s["lr"], s["steps"])
        ngd = natural_gradient_descent(self.data, theta0, s["chart"], s["lr"], s["steps"])
        sources = {"gd": ColumnDataSource(_columns(gd, s["chart"]), name="gd"),
                   "ngd": ColumnDataSource(_columns(ngd, s["chart"]), name="ngd")}
        overlay = {}
        for chart in CHARTS:
            path = np.empty((0, 2))
            if s["all_charts"]:
                start = to_chart([s["mu0"], s["sigma0"]], "mean_std", chart)
                path = natural_gradient_descent(self.data, start, chart, s["lr"], s["steps"])
            overlay[chart] = path
            sources[f"ngd_{chart}"] = ColumnDataSource(_columns(path, chart), name=f"ngd_{chart}")
        ring_data = {"x": [], "y": []}
        if s["kl_ball"]:  # around the last natural-GD iterate, as the browser draws it (closed)
            ring = kl_ring([sources["ngd"].data["x"][-1], sources["ngd"].data["y"][-1]], KL_RADIUS)
            ring_data = {"x": ring[:, 0].tolist(), "y": ring[:, 1].tolist()}
        sources["ball"] = ColumnDataSource(ring_data, name="ball")
        # the settings the paths were computed with, as the page keeps them
        sources["start"] = ColumnDataSource({"x": [s["mu0"]], "y": [s["sigma0"]], "lr": [s["lr"]],
                                             "steps": [s["steps"]], "chart": [s["chart"]]}, name="start")

        # What moves is drawn by the browser's module on Bokeh's overlay canvas (drawMoving in
        # js/live_explorer.mjs), not by Bokeh's renderers: their redraw was most of the time from a
        # key press to the drawn plot. The legend's entries show renderers without data in the
        # same style; entries of renderers whose data moved would also be rebuilt by Bokeh at
        # every change (its legend follows `items` transitively, data included). One point, NaN,
        # which the plot does not show: Bokeh styles a legend entry by the renderer's first point.
        still = ColumnDataSource({"x": [math.nan], "y": [math.nan]}, name="legend_stand_in")

        def entry(label, *renderers, visible=True):
            return LegendItem(label=label, renderers=list(renderers), visible=visible)

        def dots(s):
            return p.scatter("x", "y", source=still, fill_color=s["color"], line_color=None, size=2 * s["dot"])

        def line(s, **dash):
            return p.line("x", "y", source=still, color=s["color"], line_width=s["width"],
                          alpha=s.get("alpha", 1.0), **dash)

        overlay_items = [entry(f"natural GD in {CHART_NAMES[chart]}", line(STYLE["overlay"], line_dash=CHART_DASH[chart]),
                               visible=s["all_charts"]) for chart in CHARTS]
        ball_item = entry(f"KL ball ½δᵀFδ = {KL_RADIUS:g}", line(STYLE["ball"]), visible=s["kl_ball"])
        st = STYLE["start"]
        start = p.scatter("x", "y", source=still, marker="circle", size=2 * st["radius"], fill_color=st["fill"],
                          line_color=st["line"], line_width=st["width"])
        items = [entry(LABELS[kind], line(STYLE[kind]), dots(STYLE[kind])) for kind in ("gd", "ngd")]
        items += overlay_items + [ball_item, entry("start (click or drag)", start)]
        # below the plot, so that it never hides a path; the overlays' entries show with them
        legend = p.legend[0]
        legend.items = legend.items + items
        p.add_layout(legend, "below")
        legend.orientation = "horizontal"
        legend.ncols = 2  # two columns fit a phone's width
        legend.label_width = 150  # room for the longest label, so no text runs into the next glyph
        legend.label_text_font_size = "11px"
        legend.spacing = 2
        legend.padding = 2
        legend.margin = 4
        legend.border_line_alpha = 0

        lr_low, lr_high = (math.log10(v) for v in RANGES["lr"])
        fmt = CustomJSTickFormatter(code="return (10 ** tick).toPrecision(3);")
        controls = {
            "log_lr": Slider(start=lr_low, end=lr_high, step=0.05, value=math.log10(s["lr"]),
                             title="learning rate α", format=fmt, name="log_lr", width=WIDGET),
            "steps": Slider(start=RANGES["steps"][0], end=RANGES["steps"][1], step=1, value=s["steps"],
                            title="steps", name="steps", width=WIDGET),
            "mu0": Slider(start=RANGES["mu0"][0], end=RANGES["mu0"][1], step=0.05, value=s["mu0"],
                          title="start μ₀", name="mu0", width=WIDGET),
            "sigma0": Slider(start=RANGES["sigma0"][0], end=RANGES["sigma0"][1], step=0.05,
                             value=s["sigma0"], title="start σ₀", name="sigma0", width=WIDGET),
            "chart": RadioButtonGroup(labels=[CHART_NAMES[c] for c in CHARTS],
                                      active=CHARTS.index(s["chart"]), name="chart", sizing_mode="stretch_width",
                                      max_width=2 * WIDGET, stylesheets=[FOCUS_CSS]),
            "overlay": CheckboxGroup(labels=["natural GD in all five charts", "KL ball around natural GD"],
                                     active=[i for i, on in enumerate((s["all_charts"], s["kl_ball"])) if on],
                                     name="overlay"),
            "play": Toggle(label="▶ Play", active=False, name="play", width=90, stylesheets=[FOCUS_CSS]),
            "iteration": Slider(start=0, end=s["steps"], step=1, value=s["steps"], title="iteration",
                                name="iteration", width=WIDGET),
            "reset": Button(label="Reset", name="reset", width=90, stylesheets=[FOCUS_CSS]),
        }
        race_paths = {"gd": path_to_mean_std(gd, s["chart"]), "ngd": path_to_mean_std(ngd, s["chart"])}
        text = "\n".join(m for m in (divergence_message(race_paths, s["steps"], self.data),
                                      overlay_message(overlay, s["steps"])) if m)
        # under the plot, where it is seen while a slider moves
        message = Div(text=text, visible=bool(text), name="message", sizing_mode="stretch_width",
                      styles={"color": "#B00020", "border": "1px solid #B00020", "padding": "4px 8px",
                              "background": "white", "white-space": "pre-line"})
        counter = Div(text=f"iteration {s['steps']} of {s['steps']}", name="counter")
        defaults = {"log_lr": controls["log_lr"].value, "steps": s["steps"], "chart": controls["chart"].active,
                    "mu0": s["mu0"], "sigma0": s["sigma0"], "overlay": list(controls["overlay"].active)}
        legend_items = {"overlay": overlay_items, "ball": [ball_item]}
        callback = CustomJS.from_file(
            str(JS_MODULE), controls=controls, sources=sources, message=message, counter=counter, plot=p,
            style=STYLE,
            legend_items=legend_items, chart_names=CHART_NAMES,
            defaults=defaults, stats={"xbar": self.xbar, "s2": self.s2, "kl_radius": KL_RADIUS})
        callback.name = "live_update"
        for name in ("log_lr", "steps", "mu0", "sigma0", "iteration"):
            controls[name].js_on_change("value", callback)
        controls["chart"].js_on_change("active", callback)
        controls["overlay"].js_on_change("active", callback)
        controls["play"].js_on_change("active", callback)
        controls["reset"].js_on_event(events.ButtonClick, callback)
        for event in (events.Tap, events.PanStart, events.Pan):
            p.js_on_event(event, callback)

        # two columns of controls under the plot; on a narrow screen the second wraps below
        wrap = [":host { flex-wrap: wrap; }"]
        panel = column(
            message, Div(text="<b>Chart both optimisers run in</b>"), controls["chart"],
            row(column(controls["log_lr"], controls["steps"], controls["iteration"],
                       row(controls["play"], controls["reset"]), counter),
                column(controls["mu0"], controls["sigma0"], controls["overlay"]),
                stylesheets=wrap))
        layout = column(p, panel, sizing_mode="stretch_width", name="live_explorer")
        models = {**sources, **controls, "message": message, "counter": counter, "plot": p}
        return layout, models

    # -- output -----------------------------------------------------------------------------
    def static_png(self) -> bytes:
        """The initial race drawn by Matplotlib: the stand-in for print and for no JavaScript."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        from .plotting import CHART_STYLES, plot_nll_contours

        fig = Figure(figsize=(6.2, 4.2), dpi=90, facecolor="white")
        FigureCanvasAgg(fig)
        ax = fig.add_axes([0.11, 0.12, 0.86, 0.8])
        mu_range, sigma_range = _view_limits(self.data)
        plot_nll_contours(ax, self.data, mu_range, sigma_range, levels=16)
        for kind in ("gd", "ngd"):
            src = self.models[kind].data
            ax.plot(src["x"], src["y"], color=COLORS[kind], lw=2, marker="o", ms=2, label=LABELS[kind])
        for chart in CHARTS:
            src = self.models[f"ngd_{chart}"].data
            if src["x"]:
                ax.plot(src["x"], src["y"], color=COLORS["ngd"], lw=1, ls=CHART_STYLES[chart],
                        label=f"natural GD in {CHART_NAMES[chart]}")
        ball = self.models["ball"].data
        if ball["x"]:
            ax.plot(ball["x"], ball["y"], color=COLORS["kl"], lw=1.5, label=f"KL ball ½δᵀFδ = {KL_RADIUS:g}")
        ax.plot([self.settings["mu0"]], [self.settings["sigma0"]], "o", mfc="white", mec="black", mew=1.5,
                label="start")
        ax.legend(loc="upper left", fontsize="x-small")
        ax.set_title(self.title, fontsize="small")
        out = io.BytesIO()
        fig.savefig(out, format="png")
        return out.getvalue()

    def html(self) -> str:
        """The figure as the HTML book embeds it: the app, its static stand-in and the loader."""
        return embed_html(self.layout, self.uid, self.static_png(), self.alt,
                          "The live explorer needs JavaScript; the image shows its starting state.")

    def _ipython_display_(self):
        display_live(self.html(), "<natgrad_lib.live.LiveExplorer>")


def embed_html(layout, uid: str, png: bytes, alt: str, noscript: str) -> str:
    """A kernel-free Bokeh app as the HTML book embeds it: the app, its static stand-in, the loader.

    Shared by :class:`LiveExplorer` and :class:`natgrad_lib.live_geodesic.LiveGeodesic`. The box
    has ``class="natgrad-live"`` (``_ext/bokeh_assets.py`` serves BokehJS to the pages holding
    one); the image ``png`` (alt text ``alt``) shows until the app has drawn, and again in print.
    Once BokehJS has embedded ``layout``, the model named ``live_update`` (the app's CustomJS)
    runs once with the event ``draw``, the slider handles get their titles as accessible names,
    and the box gets the class ``natgrad-live-ready``.

    Parameters
    ----------
    layout : bokeh.models.LayoutDOM
        The app's root, holding a CustomJS named ``live_update``.
    uid : str
        A token unique in the page (letters and digits), for the elements' ids.
    png : bytes
        The static stand-in.
    alt, noscript : str
        The image's alt text, and the sentence shown without JavaScript (plain text, escaped here).
    """
    from bokeh.embed import json_item

    item = json.dumps(json_item(layout, f"natgrad-live-{uid}"))
    image = base64.b64encode(png).decode()
    alt = html.escape(alt, quote=True)
    noscript = html.escape(noscript, quote=False)
    return f"""<div class="natgrad-live" id="natgrad-live-box-{uid}">
<style>
.natgrad-live > .natgrad-live-static {{ display: block; max-width: 100%; height: auto; }}
.natgrad-live.natgrad-live-ready > .natgrad-live-static {{ display: none; }}
@media print {{
  .natgrad-live > .natgrad-live-app {{ display: none !important; }}
  .natgrad-live > .natgrad-live-static {{ display: block !important; }}
}}
</style>
<div class="natgrad-live-app" id="natgrad-live-{uid}"></div>
<img class="natgrad-live-static" src="data:image/png;base64,{image}" alt="{alt}">
<noscript><p>{noscript}</p></noscript>
<script type="application/json" id="natgrad-live-item-{uid}">{item}</script>
<script>
(function () {{
  var box = document.getElementById("natgrad-live-box-{uid}");
  var tries = 0;
  // Bokeh's slider handle (role="slider") has no accessible name: give it its title's text
  function labelSliders(root) {{
    (function walk(node) {{
      node.querySelectorAll("*").forEach(function (el) {{
        if (el.shadowRoot) walk(el.shadowRoot);
      }});
      var title = node.querySelector && node.querySelector(".bk-slider-title");
      node.querySelectorAll && node.querySelectorAll("[role=slider]").forEach(function (handle) {{
        if (!title || handle.hasAttribute("aria-label")) return;
        var name = title.textContent.split(":")[0].trim();
        handle.setAttribute("aria-label", name);
        if (name.indexOf("learning rate") === 0) {{
          // the slider moves log10(alpha); a screen reader should hear alpha itself
          var say = function () {{
            var alpha = Math.pow(10, parseFloat(handle.getAttribute("aria-valuenow")));
            handle.setAttribute("aria-valuetext", "alpha = " + alpha.toPrecision(3));
          }};
          say();
          new MutationObserver(say).observe(handle, {{attributes: true, attributeFilter: ["aria-valuenow"]}});
        }}
      }});
    }})(root);
  }}
  function embed() {{
    if (!(window.Bokeh && window.Bokeh.embed && window.Bokeh.Widgets)) {{
      if (++tries < 400) {{ setTimeout(embed, 25); return; }}
      box.classList.add("natgrad-live-failed");
      return;
    }}
    var item = JSON.parse(document.getElementById("natgrad-live-item-{uid}").textContent);
    window.Bokeh.embed.embed_item(item).then(function () {{
      // the app's module draws a first time now, then at every change
      var doc = window.Bokeh.index.get_by_id(item.root_id).model.document;
      return doc.get_model_by_name("live_update").execute({{event_name: "draw"}});
    }}).then(function () {{
      labelSliders(box);
      box.classList.add("natgrad-live-ready");
    }});
  }}
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", embed);
  else embed();
}})();
</script>
</div>"""


def display_live(page_html: str, plain: str) -> None:
    """Show an app made by :func:`embed_html` in Jupyter: BokehJS for JupyterLab first, then the app.

    JupyterLab: jupyter_bokeh runs the first output's BokehJS. The HTML book has no renderer for
    the loader's mime type and takes the empty HTML instead, which it drops
    (:class:`BookMimeRenderer`): the book serves BokehJS from ``_static/bokeh`` once per page.
    """
    from IPython.display import display

    code = "\n".join(p.read_text(encoding="utf-8") for p in bokehjs_files())
    display({LOAD_MIME: code, "text/html": ""}, raw=True)
    display({"text/html": page_html, "text/plain": plain}, raw=True)


class BookMimeRenderer:
    """MyST-NB plugin (entry point ``myst_nb.mime_renderers``): the loader output renders to nothing.

    The first output of :meth:`LiveExplorer._ipython_display_` carries BokehJS for
    ``jupyter_bokeh`` in JupyterLab. MyST-NB knows no renderer for that mime type and would warn
    (``mystnb.unknown_mime_type``, an error under ``-W``); the book serves BokehJS from
    ``_static/bokeh`` instead, so the output is accepted and dropped, and the output's empty
    ``text/html`` is what the page gets.
    """

    mime_priority_overrides = ()

    @staticmethod
    def handle_mime(renderer, data, inline):
        return [] if data.mime_type == LOAD_MIME else None

