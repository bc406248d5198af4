"""The explorer widget, driven like a reader would, and the static-HTML animation helpers.

Every test sets control values the way a reader does (``control.value = ...``, which fires
the ipywidgets observers) and checks what is *drawn*: the Line2D data, the cached
background, the text artist and the PNG sent to the ``ipywidgets.Image``.
"""

import io
import re
import warnings

import numpy as np
import pytest
from PIL import Image

import natgrad_lib as ng
from natgrad_lib import widgets as W
from natgrad_lib.charts import CHARTS
from natgrad_lib.plotting import COLORS, LABELS
from natgrad_lib.widgets import (
    TRUE_MU,
    TRUE_SIGMA,
    Explorer,
    divergence_message,
    explorer_data,
    race,
)

# small learning rate: natural GD is (to first order in lr) the same curve in every chart
SMALL = dict(lr=0.002, steps=200)


# ------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------
def drawn(ex, name):
    """(n, 2) array of what the line artist ``name`` currently draws."""
    line = ex._lines[name]
    return np.column_stack([np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)])


def decode(png):
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return np.asarray(image.convert("RGB")).astype(int)


def colour_pixels(png, hex_colour, tol=40):
    """Number of pixels of the PNG within ``tol`` (per channel) of ``hex_colour``."""
    rgb = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)])
    return int(np.all(np.abs(decode(png) - rgb) <= tol, axis=-1).sum())


def path_length(path):
    return float(np.linalg.norm(np.diff(path, axis=0), axis=1).sum())


def assert_lines_show_paths(ex):
    """The GD and natural-GD artists draw exactly the stored paths, up to the iteration slider."""
    k = ex.iteration.value
    for kind in ("gd", "ngd"):
        np.testing.assert_array_equal(drawn(ex, kind), ex.paths[kind][: k + 1])


def _count_calls(monkeypatch, owner, name):
    """Wrap owner.name so that each call is recorded (and still runs for real)."""
    calls = []
    original = getattr(owner, name)

    def counting(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, counting)
    return calls


@pytest.fixture
def render_count(monkeypatch):
    """Counts calls of Explorer._render_background."""
    return _count_calls(monkeypatch, Explorer, "_render_background")


@pytest.fixture
def encode_count(monkeypatch):
    """Counts PNG encodings (each one is a full image sent to the browser)."""
    return _count_calls(monkeypatch, W, "_encode_png")


# ------------------------------------------------------------------------------------------
# the explorer, control by control
# ------------------------------------------------------------------------------------------
def test_initial_state_is_drawn():
    ex = Explorer()
    steps = ex.controls["steps"].value
    assert ex.iteration.value == ex.iteration.max == ex.play.max == steps
    for kind in ("gd", "ngd"):
        assert ex.paths[kind].shape == (steps + 1, 2)
        np.testing.assert_allclose(ex.paths[kind][0], [ex.controls["mu0"].value, ex.controls["sigma0"].value])
    assert_lines_show_paths(ex)
    assert ex.png == ex.image.value and ex.image.format == "png"
    image = decode(ex.png)
    assert image.shape == (ex.height, ex.width, 3)
    # both algorithms are visible in the picture, in their own colours
    assert colour_pixels(ex.png, COLORS["gd"]) > 50
    assert colour_pixels(ex.png, COLORS["ngd"]) > 50
    assert ex.message == "" and not ex._text.get_visible()


def test_lr_changes_gd_line_and_png():
    ex = Explorer(lr=0.05, steps=60)
    gd_before, ngd_before, png_before = drawn(ex, "gd"), drawn(ex, "ngd"), ex.png
    ex.controls["lr"].value = 0.01
    gd_after = drawn(ex, "gd")
    assert gd_after.shape == gd_before.shape  # same number of steps
    assert not np.allclose(gd_after, gd_before)
    assert not np.allclose(drawn(ex, "ngd"), ngd_before)
    # same start, shorter way: a smaller learning rate covers less ground in 60 steps
    np.testing.assert_array_equal(gd_after[0], gd_before[0])
    assert path_length(gd_after) < path_length(gd_before)
    assert_lines_show_paths(ex)
    assert ex.png != png_before and ex.image.value == ex.png
    assert np.any(decode(ex.png) != decode(png_before))


def test_redraw_leaves_no_trace_of_the_previous_paths():
    """Blitting restores the whole background: going back to a value gives the same image."""
    ex = Explorer(lr=0.05, steps=60)
    png, mu0 = ex.png, ex.controls["mu0"].value
    ex.controls["lr"].value = 0.5
    ex.controls["mu0"].value = 3.0
    assert ex.png != png
    ex.controls["mu0"].value = mu0
    ex.controls["lr"].value = 0.05
    assert ex.png == png


def test_chart_changes_gd_much_more_than_natural_gd():
    ex = Explorer(chart="mean_std", **SMALL)
    gd_std, ngd_std = drawn(ex, "gd"), drawn(ex, "ngd")
    scale = path_length(ngd_std)
    for chart in CHARTS:
        if chart == "mean_std":
            continue
        ex.controls["chart"].value = chart
        gd, ngd = drawn(ex, "gd"), drawn(ex, "ngd")
        assert gd.shape == ngd.shape == gd_std.shape
        gd_gap = np.linalg.norm(gd - gd_std, axis=1).max()
        ngd_gap = np.linalg.norm(ngd - ngd_std, axis=1).max()
        assert gd_gap > 0.1 * scale, chart  # plain GD depends on the chart
        assert ngd_gap < 0.02 * scale, chart  # natural GD hardly does
        assert ngd_gap < 0.1 * gd_gap, chart


def test_steps_sets_path_length_and_iteration_range():
    ex = Explorer(lr=0.05, steps=60)
    for steps in (25, 1, 140):
        ex.controls["steps"].value = steps
        assert ex.iteration.max == ex.play.max == steps
        assert ex.iteration.value == ex.play.value == steps
        for kind in ("gd", "ngd"):
            assert len(ex.paths[kind]) == steps + 1
            assert len(ex._lines[kind].get_xdata()) == steps + 1
        assert_lines_show_paths(ex)


def test_iteration_slider_truncates_drawn_lines():
    ex = Explorer(lr=0.05, steps=60)
    paths = {k: v.copy() for k, v in ex.paths.items()}
    png_full = ex.png
    for k in (10, 0, 37):
        ex.iteration.value = k
        for kind in ("gd", "ngd"):
            assert len(ex._lines[kind].get_xdata()) == k + 1
            np.testing.assert_array_equal(ex.paths[kind], paths[kind])  # nothing recomputed
        assert_lines_show_paths(ex)
        assert ex.png != png_full
    ex.iteration.value = 0
    fewer = colour_pixels(ex.png, COLORS["gd"])
    ex.iteration.value = 60
    assert ex.png == png_full
    assert colour_pixels(ex.png, COLORS["gd"]) > fewer


def test_only_data_controls_rerender_background(render_count):
    ex = Explorer(lr=0.05, steps=60, n_data=200, seed=0)
    assert len(render_count) == 1
    data = ex.data
    background = np.asarray(ex._background).copy()
    for name, value in [("lr", 0.2), ("lr", 0.011), ("steps", 90), ("mu0", 1.0), ("sigma0", 2.0),
                        ("chart", "natural"), ("all_charts", True), ("kl_ball", True)]:
        png = ex.png
        ex.controls[name].value = value
        assert ex.png != png, name  # the change was drawn ...
        assert len(render_count) == 1, name  # ... without re-rendering the contours
    ex.iteration.value = 3
    assert len(render_count) == 1
    assert ex.data is data
    np.testing.assert_array_equal(np.asarray(ex._background), background)

    ex.controls["n_data"].value = 50
    assert len(render_count) == 2
    assert ex.data.shape == (50,)
    np.testing.assert_array_equal(ex.data, explorer_data(50, 0))
    ex.controls["seed"].value = 7
    assert len(render_count) == 3
    np.testing.assert_array_equal(ex.data, explorer_data(50, 7))
    # the cached background now shows the new data's contours and view
    assert np.any(np.asarray(ex._background) != background)
    (mu_lo, mu_hi), (s_lo, s_hi) = W._view_limits(ex.data)
    np.testing.assert_allclose(ex.ax.get_xlim(), (mu_lo, mu_hi))
    np.testing.assert_allclose(ex.ax.get_ylim(), (s_lo, s_hi))
    # the new line artists still draw the current paths, recomputed for the new data
    np.testing.assert_allclose(ex.paths["ngd"], race(ex.data, 1.0, 2.0, "natural", 0.011, 90)["ngd"])
    assert_lines_show_paths(ex)
    assert all(line.axes is ex.ax and line in ex.ax.lines for line in ex._lines.values())


def test_all_charts_overlay_agrees_for_small_lr_and_disappears():
    ex = Explorer(**SMALL)
    for chart in CHARTS:
        assert len(ex._lines[f"ngd_{chart}"].get_xdata()) == 0
    ex.controls["all_charts"].value = True
    assert set(ex.overlay) == set(CHARTS)
    reference = ex.overlay["mean_std"]
    scale = path_length(reference)
    for chart in CHARTS:
        line = drawn(ex, f"ngd_{chart}")
        assert line.shape == (SMALL["steps"] + 1, 2)
        np.testing.assert_array_equal(line, ex.overlay[chart])
        np.testing.assert_allclose(line[0], [ex.controls["mu0"].value, ex.controls["sigma0"].value])
        assert np.linalg.norm(line - reference, axis=1).max() < 0.02 * scale, chart
    # the main natural-GD line is the overlay of the selected chart
    np.testing.assert_allclose(ex.paths["ngd"], ex.overlay[ex.controls["chart"].value])

    ex.iteration.value = 50
    for chart in CHARTS:
        assert len(ex._lines[f"ngd_{chart}"].get_xdata()) == 51

    ex.controls["all_charts"].value = False
    assert ex.overlay == {}
    for chart in CHARTS:
        assert len(ex._lines[f"ngd_{chart}"].get_xdata()) == 0


def test_kl_ball_is_a_closed_ring_of_constant_kl_around_the_iterate():
    ex = Explorer(lr=0.05, steps=60)
    assert len(ex._lines["ball"].get_xdata()) == 0
    png = ex.png
    ex.controls["kl_ball"].value = True
    assert ex.png != png
    assert colour_pixels(ex.png, COLORS["kl"]) > 50
    for k in (60, 12, 0):
        ex.iteration.value = k
        ring = drawn(ex, "ball")
        centre = ex.paths["ngd"][k]
        assert len(ring) > 20
        np.testing.assert_array_equal(ring[0], ring[-1])  # closed
        d = ring[:-1] - centre
        F = ng.fisher_information(centre, "mean_std")
        np.testing.assert_allclose(0.5 * np.einsum("ni,ij,nj->n", d, F, d), ex.KL_RADIUS, rtol=1e-9)
        np.testing.assert_allclose(d.mean(axis=0), 0.0, atol=1e-12 + 1e-9 * np.abs(d).max())
        # it goes all the way round the centre
        angles = np.sort(np.arctan2(d[:, 1], d[:, 0]))
        assert np.diff(np.concatenate([angles, angles[:1] + 2 * np.pi])).max() < 0.5
    ex.controls["kl_ball"].value = False
    assert len(ex._lines["ball"].get_xdata()) == 0


def test_huge_learning_rate_shows_message_without_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ex = Explorer(lr=0.002, steps=60, chart="mean_std")
        png = ex.png
        ex.controls["kl_ball"].value = True
        ex.controls["all_charts"].value = True
        ex.controls["lr"].value = 10.0
        assert ex.controls["lr"].value == 10.0
        assert ex.message  # the default chart: natural GD leaves sigma > 0 at once
        for chart in CHARTS:
            ex.controls["chart"].value = chart
            assert ex.message == divergence_message(ex.paths, 60, ex.data)
            assert ex._text.get_visible() == bool(ex.message)
            assert ex._text.get_text() == ex.message
            if any(len(ex.paths[kind]) < 61 for kind in ("gd", "ngd")):
                assert ex.message, chart
                assert colour_pixels(ex.png, "#B00020") > 20, chart  # the message is in the picture
            for name in ex._lines:
                assert np.all(np.isfinite(drawn(ex, name))), (chart, name)
            assert all(np.all(np.isfinite(p)) for p in ex.overlay.values())
            for k in (0, 30, 60):  # scrubbing past the end of a diverged path is fine
                ex.iteration.value = k
                assert all(np.all(np.isfinite(drawn(ex, name))) for name in ex._lines)
        # back to a sane learning rate: the message goes away, nothing is left over
        ex.controls["chart"].value = "mean_std"
        ex.controls["lr"].value = 0.002
        ex.controls["kl_ball"].value = False
        ex.controls["all_charts"].value = False
        assert ex.message == "" and not ex._text.get_visible()
        assert ex.png == png


def test_huge_learning_rate_message_in_mean_var():
    # natural GD in (mu, sigma^2) with lr = 10 overshoots the mean ninefold at every step
    # (|mu - xbar| grows like 9^k, to ~1e57 after 60 steps) but never leaves sigma^2 > 0
    ex = Explorer(lr=10.0, steps=60, chart="mean_var")
    assert np.abs(ex.paths["ngd"]).max() > 1e30
    assert ex.message


@pytest.mark.parametrize(
    "kwargs",
    [dict(foo=1), dict(chart="polar"), dict(lr=0.0), dict(lr=-0.1), dict(lr=float("nan")), dict(lr=True),
     dict(lr="0.1"), dict(width=10), dict(height=2.5), dict(mu0=float("nan"))],
    ids=lambda kw: ",".join(f"{k}={v!r}" for k, v in kw.items()),
)
def test_invalid_constructor_arguments_raise(kwargs):
    with pytest.raises(ValueError):
        Explorer(**kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [dict(sigma0=-1.0), dict(sigma0=0.0), dict(n_data=1), dict(seed=-1), dict(steps=2.5), dict(steps=0)],
    ids=lambda kw: ",".join(f"{k}={v!r}" for k, v in kw.items()),
)
def test_out_of_domain_constructor_arguments_raise(kwargs):
    # sigma0 <= 0 is not a Gaussian, explorer_data itself rejects n_data < 2 and seed < 0,
    # and steps must be an integer >= 1: none of these should turn into another value silently
    with pytest.raises(ValueError):
        Explorer(**kwargs)


def test_each_control_change_encodes_one_png(encode_count):
    ex = Explorer(lr=0.05, steps=60)
    for name, value in [("lr", 0.1), ("steps", 30), ("chart", "mean_var"), ("mu0", 0.5)]:
        encode_count.clear()
        ex.controls[name].value = value
        assert len(encode_count) == 1, name


# ------------------------------------------------------------------------------------------
# race, divergence_message, explorer_data
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("chart", CHARTS)
def test_race_shapes_and_common_start(chart):
    data = explorer_data(100, 3)
    mu0, sigma0 = -1.0, 0.7
    paths = race(data, mu0, sigma0, chart, 0.01, 40)
    assert set(paths) == {"gd", "ngd"}
    for kind in ("gd", "ngd"):
        assert paths[kind].shape == (41, 2)
        assert np.all(np.isfinite(paths[kind])) and np.all(paths[kind][:, 1] > 0)
        np.testing.assert_allclose(paths[kind][0], [mu0, sigma0], rtol=1e-12)
    np.testing.assert_array_equal(paths["gd"][0], paths["ngd"][0])
    # display coordinates of the optimisers' chart paths
    theta0 = ng.to_chart([mu0, sigma0], "mean_std", chart)
    np.testing.assert_allclose(
        paths["ngd"][:, 1], W.path_to_mean_std(ng.natural_gradient_descent(data, theta0, chart, 0.01, 40), chart)[:, 1]
    )
    # both descend the loss
    loss = [ng.mean_nll(data, p[-1], "mean_std") for p in paths.values()]
    assert max(loss) < ng.mean_nll(data, [mu0, sigma0], "mean_std")


def test_race_diverging_paths_are_finite_and_short():
    paths = race(explorer_data(100, 3), -2.0, 0.6, "mean_precision", 10.0, 50)
    for kind in ("gd", "ngd"):
        assert 1 <= len(paths[kind]) <= 51 and np.all(np.isfinite(paths[kind]))
    assert min(len(p) for p in paths.values()) < 51


def test_race_rejects_invalid_input():
    data = explorer_data(10, 0)
    for args in [(0.0, 1.0, "polar", 0.1, 5), (0.0, -1.0, "mean_std", 0.1, 5), (0.0, 1.0, "mean_std", 0.0, 5),
                 (0.0, 1.0, "mean_std", 0.1, -1)]:
        with pytest.raises(ValueError):
            race(data, *args)


def test_divergence_message():
    full = {"gd": np.zeros((11, 2)), "ngd": np.zeros((11, 2))}
    assert divergence_message(full, 10) == ""
    one = divergence_message({"gd": np.zeros((11, 2)), "ngd": np.zeros((4, 2))}, 10)
    assert one.count("\n") == 0
    assert LABELS["ngd"] in one and not one.startswith(LABELS["gd"])
    assert re.search(r"\b3\b", one) and re.search(r"\b10\b", one)
    both = divergence_message({"gd": np.zeros((1, 2)), "ngd": np.zeros((7, 2))}, 10)
    lines = both.split("\n")
    assert len(lines) == 2
    assert lines[0].startswith(LABELS["gd"]) and re.search(r"\b0\b", lines[0])
    assert lines[1].startswith(LABELS["ngd"]) and re.search(r"\b6\b", lines[1])


def test_explorer_data_is_seeded_and_reproducible():
    a = explorer_data(300, 5)
    assert a.shape == (300,) and np.all(np.isfinite(a))
    np.testing.assert_array_equal(a, explorer_data(300, 5))
    assert not np.array_equal(a, explorer_data(300, 6))
    # the first draws do not depend on how many are drawn
    np.testing.assert_array_equal(explorer_data(10, 5), a[:10])
    big = explorer_data(40_000, 1)
    assert abs(big.mean() - TRUE_MU) < 5 * TRUE_SIGMA / np.sqrt(big.size)
    assert abs(big.std() / TRUE_SIGMA - 1) < 5 / np.sqrt(2 * big.size)
    for n, seed in [(1, 0), (0, 0), (10, -1), (2.5, 0), (10, 1.5)]:
        with pytest.raises(ValueError):
            explorer_data(n, seed)
