"""The kernel-free explorer: its JavaScript dynamics against natgrad_lib, and its Python builder.

The JavaScript half runs under Node's test runner (``tests/js/live_explorer.test.mjs``) on
values this test computes with natgrad_lib now: a grid of chart x learning rate x start x
steps, including runs that leave the domain early. The trajectories must agree to 1e-10
relative and stop at the same step; the divergence messages must be the same text.
The page itself is driven in Chromium by ``tests/test_book.py``.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from ngtestkit import require_or_skip

import natgrad_lib as ng
from natgrad_lib import charts, live
from natgrad_lib.widgets import divergence_message, explorer_data, race

ROOT = Path(__file__).resolve().parent.parent
RTOL = 1e-10
LRS = (1e-3, 0.02, 0.3, 1.0, 1.9, 4.0, 10.0)
STARTS = ((-1.0, 0.5), (4.5, 3.0), (2.5, 0.15), (-6.0, 4.0))
STEPS = (1, 37, 400)


@contextlib.contextmanager
def _exp_rounded(direction):
    """natgrad_lib's (mu, log sigma) chart with exp(b) rounded one ulp towards ``direction``."""
    original = charts._TO_STD["mean_logstd"]
    charts._TO_STD["mean_logstd"] = lambda a, b: (a, math.nextafter(original(a, b)[1], direction))
    try:
        yield
    finally:
        charts._TO_STD["mean_logstd"] = original


def _path_columns(path, run, chart):
    """The path, and whether it is chaotic: whether it amplifies the last bit of exp beyond RTOL.

    Only the (mu, log sigma) chart calls a function that is not correctly rounded (exp) in its
    step; V8's Math.exp and the C library's exp differ in the last bit for about one argument in
    ten. natgrad_lib's own run with exp rounded one ulp up, or down, shows whether the run
    amplifies such a difference.
    """
    chaotic = False
    if chart == "mean_logstd":
        for direction in (math.inf, -math.inf):
            with _exp_rounded(direction):
                other = run()
            n = min(len(path), len(other))
            d = other[:n] - path[:n]  # hypot: the paths of diverging runs reach 1e200
            departs = np.hypot(d[:, 0], d[:, 1]) / np.hypot(path[:n, 0], path[:n, 1])
            chaotic |= bool(len(other) != len(path) or departs.max() > RTOL)
    return {"a": path[:, 0].tolist(), "b": path[:, 1].tolist(), "chaotic": chaotic}


def _cases(data):
    xbar, s2 = ng.sufficient_statistics(data)
    runs = []
    for chart, lr, (mu0, sigma0), steps in itertools.product(ng.CHARTS, LRS, STARTS, STEPS):
        theta0 = ng.to_chart([mu0, sigma0], "mean_std", chart)
        columns = {}
        for kind, optimizer in (("gd", ng.gradient_descent), ("ngd", ng.natural_gradient_descent)):
            def run(optimizer=optimizer, theta0=theta0, chart=chart, lr=lr, steps=steps):
                return optimizer(data, theta0, chart, lr, steps)
            columns[kind] = _path_columns(run(), run, chart)
        overlay = {c: ng.natural_gradient_descent(data, ng.to_chart([mu0, sigma0], "mean_std", c), c, lr, steps)
                   for c in ng.CHARTS}
        columns["overlay_message"] = live.overlay_message(overlay, steps)
        runs.append({"chart": chart, "lr": lr, "mu0": mu0, "sigma0": sigma0, "steps": steps, **columns,
                     "message": divergence_message(race(data, mu0, sigma0, chart, lr, steps), steps, data)})
    balls = []
    for mu, sigma, c in ((0.0, 1.0, 0.05), (2.0, 0.3, 0.5), (-3.0, 4.0, 1e-3)):
        ring = np.array([mu, sigma]) + ng.kl_ellipse(ng.fisher_information([mu, sigma], "mean_std"), c, 64)
        ring = np.vstack([ring, ring[:1]])
        balls.append({"mu": mu, "sigma": sigma, "c": c, "x": ring[:, 0].tolist(), "y": ring[:, 1].tolist()})
    early = sum(len(r[k]["a"]) < r["steps"] + 1 for r in runs for k in ("gd", "ngd"))
    return {"xbar": xbar, "s2": s2, "rtol": RTOL, "runs": runs, "balls": balls, "min_early": early,
            "chart_names": live.CHART_NAMES}


def test_javascript_dynamics_equal_natgrad_lib(tmp_path):
    node = shutil.which("node")
    if node is None:  # as the browser tests do with Chromium: skipped locally, required in CI
        require_or_skip("Node.js is not installed (apt-get install -y nodejs)",
                        required="Node.js is required for the JavaScript tests (apt-get install -y nodejs)")
    cases = _cases(explorer_data(200, 0))
    # the grid must hold runs that stop early, or 'stop at the same step' tests nothing, and
    # the runs let off the 1e-10 for chaos must stay a small minority
    assert cases["min_early"] >= 40, cases["min_early"]
    n_chaotic = sum(r[k]["chaotic"] for r in cases["runs"] for k in ("gd", "ngd"))
    assert n_chaotic <= 0.1 * 2 * len(cases["runs"]), n_chaotic
    path = tmp_path / "cases.json"
    path.write_text(json.dumps(cases))
    result = subprocess.run([node, "--test", "--test-reporter=spec", str(ROOT / "tests/js/live_explorer.test.mjs")],
                            env={"NATGRAD_JS_CASES": str(path), "PATH": "/usr/bin:/bin"},
                            capture_output=True, text=True, timeout=120)
    print(result.stdout[-3000:])
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "worst relative difference" in result.stdout


def test_explorer_starts_with_natgrad_lib_paths():
    data = explorer_data(200, 0)
    app = live.LiveExplorer(data, -1.0, 0.5, "natural", 0.02, 50, all_charts=True)
    theta0 = ng.to_chart([-1.0, 0.5], "mean_std", "natural")
    expected = ng.natural_gradient_descent(data, theta0, "natural", 0.02, 50)
    got = np.column_stack([app.models["ngd"].data["a"], app.models["ngd"].data["b"]])
    np.testing.assert_array_equal(got, expected)
    for chart in ng.CHARTS:
        start = ng.to_chart([-1.0, 0.5], "mean_std", chart)
        path = ng.natural_gradient_descent(data, start, chart, 0.02, 50)
        mu_sigma = ng.charts.std_coordinates(path, chart)
        np.testing.assert_allclose(app.models[f"ngd_{chart}"].data["x"], mu_sigma[:, 0], rtol=0, atol=0)


def test_explorer_html_is_offline_and_has_a_static_stand_in():
    app = live.LiveExplorer(explorer_data(50, 1), 0.0, 1.0, "mean_std", 0.1, 10)
    page = app.html()
    assert "https://" not in page and "http://" not in page
    assert page.count('class="natgrad-live-static"') == 1 and 'alt="' in page
    assert "data:image/png;base64," in page


@pytest.mark.parametrize("kwargs, message", [
    (dict(chart="mean_sd"), "chart must be one of"),
    (dict(lr=0.0), "lr must be"),
    (dict(lr=20.0), r"lr must lie in \[0.0001, 10\]"),
    (dict(steps=0), "steps must be"),
    (dict(steps=401), r"steps must lie in \[1, 400\]"),
    (dict(mu0=7.0), r"mu0 must lie in \[-6, 6\]"),
    (dict(sigma0=0.0), r"sigma0 must lie in \[0.1, 4\]"),
    (dict(kl_ball="yes"), "kl_ball must be True or False"),
])
def test_bad_settings_raise(kwargs, message):
    settings = dict(mu0=-1.0, sigma0=0.5, chart="mean_var", lr=0.02, steps=10) | kwargs
    with pytest.raises(ValueError, match=message):
        live.LiveExplorer([0.0, 1.0, 2.0], **settings)


def test_opening_kl_ball_is_the_librarys_around_the_last_iterate():
    data = explorer_data(200, 0)
    app = live.LiveExplorer(data, -1.5, 0.3, "mean_std", 0.05, 40, kl_ball=True)
    x, y = (np.array(app.models["ball"].data[k]) for k in ("x", "y"))
    centre = np.array([app.models["ngd"].data["x"][-1], app.models["ngd"].data["y"][-1]])
    assert (x[0], y[0]) == (x[-1], y[-1])  # closed
    F = ng.fisher_information(centre, "mean_std")
    d = np.column_stack([x, y]) - centre
    np.testing.assert_allclose(0.5 * np.einsum("ni,ij,nj->n", d, F, d), live.KL_RADIUS, rtol=1e-12)
    off = live.LiveExplorer(data, -1.5, 0.3, "mean_std", 0.05, 40)
    assert off.models["ball"].data["x"] == []
