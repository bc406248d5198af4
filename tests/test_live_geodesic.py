"""The live geodesic figure: its JavaScript numerics against natgrad_lib, and its Python builder.

The JavaScript half runs under Node's test runner (``tests/js/geodesic_explorer.test.mjs``) on
values this test computes with natgrad_lib now: a grid of pairs of Gaussians, including equal
points, nearly equal ones and pairs with equal means. The Fisher-Rao distance, both KL
divergences and the geodesic's points must agree to 1e-12 relative. The page itself is driven in
Chromium by ``tests/test_book.py`` (``test_live_geodesic_*``).
"""

from __future__ import annotations

import itertools
import json
import math
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from ngtestkit import require_or_skip

from natgrad_lib import live_geodesic
from natgrad_lib.divergences import kl_divergence
from natgrad_lib.fisher_rao import fisher_rao_distance, geodesic

ROOT = Path(__file__).resolve().parent.parent
RTOL = 1e-12
POINTS = [(-3.0, 0.2), (-1.0, 0.6), (0.0, 1.0), (0.37, 2.5), (1.5, 1.5), (3.0, 3.0), (2.0, 0.25)]


def _pairs():
    pairs = list(itertools.product(POINTS, POINTS))  # equal points on the diagonal; equal means
    pairs += [((0.0, 1.0), (0.0, 2.0)), ((-2.0, 0.3), (-2.0, 2.9)), ((1.0, 1.0), (1.0, 1.0 + 1e-9))]
    for eps in (1e-3, 1e-6, 1e-9, 1e-12):  # nearly equal, in every direction
        for p in ((0.5, 1.2), (-2.5, 0.2), (3.0, 3.0)):
            pairs += [(p, (p[0] + eps, p[1])), (p, (p[0], p[1] * (1 + eps))), (p, (p[0] - eps, p[1] - eps * p[1]))]
    return pairs


def _cases():
    t = np.linspace(0.0, 1.0, live_geodesic.N_GEODESIC)
    pairs = []
    for p, q in _pairs():
        g = geodesic(p, q, t)
        pairs.append({"mu1": p[0], "s1": p[1], "mu2": q[0], "s2": q[1], "d": fisher_rao_distance(p, q),
                      "kl12": kl_divergence(p, q, "mean_std"), "kl21": kl_divergence(q, p, "mean_std"),
                      "geodesic": {"t": t.tolist(), "mu": g[:, 0].tolist(), "sigma": g[:, 1].tolist()}})
    x = np.linspace(-8.0, 8.0, 41)
    densities = [{"mu": mu, "sigma": s, "x": x.tolist(),
                  "y": (np.exp(-0.5 * ((x - mu) / s) ** 2) / (s * math.sqrt(2 * math.pi))).tolist()}
                 for mu, s in ((0.0, 1.0), (-2.0, 0.2), (3.0, 3.0))]
    readouts = []
    for p, q in (((-1.0, 0.6), (1.5, 1.5)), ((0.0, 1.0), (0.0, 1.0)), ((2.0, 0.25), (-3.0, 3.0))):
        app = live_geodesic.LiveGeodesic(p, q)
        readouts.append({"mu1": p[0], "s1": p[1], "mu2": q[0], "s2": q[1], "digits": live_geodesic.DIGITS,
                         "html": app.readout_html()})
    tops = [{"s1": s1, "s2": s2, "headroom": live_geodesic.HEADROOM,
             "top": live_geodesic.density_top((0.0, s1), (1.0, s2))} for s1, s2 in ((1.0, 0.5), (0.2, 3.0), (2.5, 2.5))]
    return {"rtol": RTOL, "pairs": pairs, "densities": densities, "readouts": readouts, "tops": tops}


def test_javascript_numerics_equal_natgrad_lib(tmp_path):
    node = shutil.which("node")
    if node is None:  # as the browser tests do with Chromium: skipped locally, required in CI
        require_or_skip("Node.js is not installed (apt-get install -y nodejs)",
                        required="Node.js is required for the JavaScript tests (apt-get install -y nodejs)")
    path = tmp_path / "cases.json"
    path.write_text(json.dumps(_cases()))
    result = subprocess.run([node, "--test", "--test-reporter=spec",
                             str(ROOT / "tests/js/geodesic_explorer.test.mjs")],
                            env={"NATGRAD_JS_CASES": str(path), "PATH": "/usr/bin:/bin"},
                            capture_output=True, text=True, timeout=120)
    print(result.stdout[-3000:])
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "worst relative difference JS vs natgrad_lib" in result.stdout
    assert "worst relative difference of geodesic points" in result.stdout


def test_opening_sources_are_natgrad_libs():
    p, q = (-1.25, 0.4), (2.0, 1.7)
    app = live_geodesic.LiveGeodesic(p, q)
    m = app.models
    t = np.linspace(0.0, 1.0, live_geodesic.N_GEODESIC)
    expected = geodesic(p, q, t)
    got = np.column_stack([m["geodesic"].data["x"], m["geodesic"].data["y"]])
    np.testing.assert_array_equal(got, expected)
    assert m["point1"].data == {"x": [p[0]], "y": [p[1]]} and m["point2"].data == {"x": [q[0]], "y": [q[1]]}
    assert m["segment"].data == {"x": [p[0], q[0]], "y": [p[1], q[1]]}
    assert [m[k].value for k in ("mu1", "sigma1", "mu2", "sigma2")] == [*p, *q]
    # the densities are these points': their mass on the axis is what lies within it
    for name, (mu, s) in (("density1", p), ("density2", q)):
        inside = math.erf((8.0 - mu) / (s * math.sqrt(2))) / 2 + math.erf((8.0 + mu) / (s * math.sqrt(2))) / 2
        assert np.trapezoid(m[name].data["y"], m[name].data["x"]) == pytest.approx(inside, abs=1e-5)
    q_ = app.quantities()
    assert q_["d"] == fisher_rao_distance(p, q) and q_["half"] == 0.5 * q_["d"] ** 2
    assert q_["kl12"] == kl_divergence(p, q, "mean_std") and q_["kl21"] == kl_divergence(q, p, "mean_std")
    assert f"d = <b>{q_['d']:.4f}</b>" in m["readout"].text
    # the densities' axis holds both peaks, with the headroom the browser keeps
    peak = max(max(m["density1"].data["y"]), max(m["density2"].data["y"]))
    top = app.models["densities"].y_range.end
    assert top == live_geodesic.density_top(p, q) and peak < top <= live_geodesic.HEADROOM * peak * (1 + 1e-3)


def test_html_is_offline_and_has_a_static_stand_in():
    app = live_geodesic.LiveGeodesic((0.0, 1.0), (1.0, 2.0), alt="Two points & a geodesic")
    page = app.html()
    assert "https://" not in page and "http://" not in page
    assert page.count('class="natgrad-live"') == 1 and page.count('class="natgrad-live-static"') == 1
    assert 'alt="Two points &amp; a geodesic"' in page
    assert "data:image/png;base64," in page and '"live_update"' in page
    png = app.static_png()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000


def test_the_module_is_shipped_beside_the_explorers():
    assert live_geodesic.JS_MODULE.is_file() and live_geodesic.JS_MODULE.suffix == ".mjs"
    assert live_geodesic.JS_MODULE.parent.name == "js"


@pytest.mark.parametrize("kwargs, message", [
    (dict(theta1=(0.0, 0.1)), r"theta1 must have mu in \[-3, 3\] and sigma in \[0.2, 3\]"),
    (dict(theta1=(-3.5, 1.0)), r"theta1 must have mu in \[-3, 3\]"),
    (dict(theta2=(0.0, math.nan)), r"theta2 must have mu in \[-3, 3\] and sigma in \[0.2, 3\]"),
    (dict(theta2=(0.0, 3.01)), r"theta2 must have mu"),
    (dict(theta2=(1.0, 2.0, 3.0)), r"theta2 must be a pair \(mu, sigma\)"),
    (dict(theta1="ab"), r"theta1 must be a pair \(mu, sigma\)"),
    (dict(theta1=(True, 1.0)), r"theta1 must be a pair \(mu, sigma\)"),
    (dict(theta1=None), r"theta1 must be a pair \(mu, sigma\)"),
    (dict(title=""), "title must be a non-empty string"),
    (dict(alt=3), "alt must be a non-empty string"),
])
def test_bad_settings_raise(kwargs, message):
    settings = dict(theta1=(-1.0, 0.5), theta2=(1.0, 1.0)) | kwargs
    with pytest.raises(ValueError, match=message):
        live_geodesic.LiveGeodesic(**settings)


def test_the_ends_of_the_ranges_are_accepted():
    app = live_geodesic.LiveGeodesic((-3.0, 0.2), (3, 3))
    assert app.theta1 == (-3.0, 0.2) and app.theta2 == (3.0, 3.0)
    # the view holds every geodesic between points in range: the highest, between the top corners
    top = geodesic((-3.0, 3.0), (3.0, 3.0), np.linspace(0, 1, 1001))[:, 1].max()
    assert top < live_geodesic.VIEW["y"][1]
