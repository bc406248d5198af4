"""Speed of one explorer update, as a reader's kernel runs it, against redrawing from scratch.

An update is one control change: setting ``control.value`` on a
:class:`natgrad_lib.widgets.Explorer` fires its observer, which recomputes both
trajectories, blits them over the cached contour background and encodes the PNG sent
to the ``ipywidgets.Image``. The naive version does what a plain ``@interact`` cell with
the inline backend does on every change: a fresh 800x500 px figure, the contours
recomputed (``plot_nll_contours``, same ``levels=30``), both trajectories recomputed and
plotted, and the PNG encoded with ``fig.savefig(BytesIO, format="png")``.

Both run side by side, in the same process, over the same sequence of control values
(learning rate, steps, start mu0 and sigma0, and the chart cycling through all five);
each update is timed with ``time.perf_counter`` and medians are reported.
Targets on a 2-core machine: explorer <= 25 ms per update, speedup >= 4x.

    .venv/bin/python benchmarks/bench_explorer.py
"""

from __future__ import annotations

import io
import itertools
import time

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from natgrad_lib.charts import CHARTS  # noqa: E402
from natgrad_lib.plotting import COLORS, LABELS, plot_nll_contours  # noqa: E402
from natgrad_lib.widgets import Explorer, _view_limits, divergence_message, explorer_data, race  # noqa: E402

N_UPDATES = 60  # timed updates (12 of each control)
N_WARMUP = 5  # untimed updates first (caches, first-call imports)
WIDTH, HEIGHT = 800, 500  # pixels, the Explorer's default


def value_sequence(n, seed=0):
    """(control, value) pairs cycling lr, steps, mu0, sigma0, chart; every value differs from the last."""
    rng = np.random.default_rng(seed)
    charts = itertools.cycle(CHARTS[1:] + CHARTS[:1])  # starts away from the initial "mean_std"
    current = dict(lr=0.05, steps=60, mu0=-2.0, sigma0=0.6)
    draw = {
        # on the sliders' grids, in the range where the paths mostly stay on screen
        "lr": lambda: float(10.0 ** (np.round(rng.uniform(-3.0, -0.5) / 0.05) * 0.05)),
        "steps": lambda: int(rng.integers(20, 401)),
        "mu0": lambda: round(float(rng.uniform(-3.5, 5.0)), 1),  # inside the view
        "sigma0": lambda: round(float(rng.uniform(0.2, 3.0)) / 0.05) * 0.05,
    }
    out = []
    for name in itertools.islice(itertools.cycle(["lr", "steps", "mu0", "sigma0", "chart"]), n):
        if name == "chart":
            out.append((name, next(charts)))
            continue
        value = draw[name]()
        while value == current[name]:
            value = draw[name]()
        current[name] = value
        out.append((name, value))
    return out


def naive_update(data, v):
    """Everything from scratch, as ``@interact`` + ``%matplotlib inline`` would do it. Returns the PNG."""
    fig = plt.figure(figsize=(WIDTH / 100, HEIGHT / 100), dpi=100, facecolor="white")
    try:
        ax = fig.add_axes([0.08, 0.1, 0.6, 0.82])
        mu_range, sigma_range = _view_limits(data)
        plot_nll_contours(ax, data, mu_range, sigma_range, levels=30)
        paths = race(data, v["mu0"], v["sigma0"], v["chart"], v["lr"], v["steps"])
        for kind in ("gd", "ngd"):
            ax.plot(paths[kind][:, 0], paths[kind][:, 1], color=COLORS[kind], lw=2, marker="o", ms=2.5,
                    label=LABELS[kind])
        handles = [Line2D([], [], color=COLORS[k], lw=2, label=LABELS[k]) for k in ("gd", "ngd")]
        fig.legend(handles=handles, loc="center right", fontsize="small", framealpha=0.95)
        ax.set_title("Fitting N(μ, σ²): GD vs natural GD")
        message = divergence_message(paths, v["steps"])
        if message:
            ax.text(0.02, 0.02, message, transform=ax.transAxes, fontsize="small", color="#B00020")
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(fig)


def main():
    explorer = Explorer(width=WIDTH, height=HEIGHT)
    state = {name: control.value for name, control in explorer.controls.items()}
    data = explorer_data(state["n_data"], state["seed"])
    np.testing.assert_array_equal(data, explorer.data)

    sequence = value_sequence(N_WARMUP + N_UPDATES)
    times = {"explorer": [], "naive": []}
    names = []
    for i, (name, value) in enumerate(sequence):
        png_before = explorer.png
        start = time.perf_counter()
        explorer.controls[name].value = value
        t_explorer = time.perf_counter() - start
        # a new PNG object means the observer ran and encoded a frame
        assert explorer.png is not png_before, f"update {i} ({name}={value!r}) did not redraw"

        state[name] = value
        start = time.perf_counter()
        png = naive_update(data, state)
        t_naive = time.perf_counter() - start
        assert png.startswith(b"\x89PNG")

        if i >= N_WARMUP:
            times["explorer"].append(t_explorer)
            times["naive"].append(t_naive)
            names.append(name)

    ms = {k: 1000.0 * np.array(v) for k, v in times.items()}
    names = np.array(names)
    print(f"{N_UPDATES} updates ({N_WARMUP} untimed warm-up), {WIDTH}x{HEIGHT} px, Agg, "
          f"{len(data)} data points; median ms per update")
    print(f"{'control':<8} {'n':>3} {'explorer':>9} {'naive':>8} {'speedup':>8}")
    for name in ["lr", "steps", "mu0", "sigma0", "chart"]:
        sel = names == name
        a, b = np.median(ms["explorer"][sel]), np.median(ms["naive"][sel])
        print(f"{name:<8} {sel.sum():>3} {a:>9.1f} {b:>8.1f} {b / a:>7.1f}x")
    a, b = np.median(ms["explorer"]), np.median(ms["naive"])
    print(f"{'all':<8} {len(names):>3} {a:>9.1f} {b:>8.1f} {b / a:>7.1f}x")
    print(f"explorer p90 {np.percentile(ms['explorer'], 90):.1f} ms, PNG {len(explorer.png) / 1024:.0f} KiB "
          f"(naive {len(png) / 1024:.0f} KiB)")
    print(f"explorer update: median {a:.1f} ms, naive {b:.1f} ms, speedup {b / a:.1f} x")


if __name__ == "__main__":
    main()
