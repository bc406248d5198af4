"""Speed of the kernel-free explorers in the browser, as the reader feels it and inside.

Opens the built pages (``_build/html``; run ``make book`` first) in headless Debian Chromium.

**Key or drag to drawn plot** (``key_to_frame.py`` says how a sample is taken). On both pages
with a live explorer (the explorer chapter and the KL ball of the Taylor chapter), at CPU
slowdowns 1x, 4x and 6x (Chrome's ``Emulation.setCPUThrottlingRate``): key presses on the
learning-rate slider's handle (alternately right and left), and pointer moves of a drag of the
start across the plot. Targets: median <= 17 ms (one frame) at 1x, <= 33 ms at 4x, <= 50 ms at
6x, and p90 <= 1.5 x the median.

**Update inside the page.** On the explorer chapter, with the steps set to 400, at least 200
programmatic slider moves, alternating the learning rate and the start mu0 over values on their
sliders' grids. Each move is timed with ``performance.now()`` from setting the slider's value,
which runs the explorer's module (both 400-step paths recomputed, the sources replaced, the
paths drawn), to the end of a synchronous repaint of the whole plot (``PlotView.repaint()``).

The last two lines are exactly
``static explorer update: median A ms, p90 B ms, N moves`` and
``live explorer key-to-frame: 1x median A ms; 4x median B ms, p90 C ms; 6x median D ms``
(key presses on the explorer chapter).

    .venv/bin/python benchmarks/bench_live_explorer.py [samples per page, rate and input: 40]
"""

from __future__ import annotations

import statistics
import sys

from key_to_frame import ARGS, HTML, PAGES, drag_samples, key_samples, open_explorer, percentile, serve, summary

PAGE = PAGES["explorer"]
N_MOVES = 240
RATES = (1, 4, 6)

# Times N slider moves in the page; returns the per-move milliseconds and the number of repaints.
TIME_MOVES = """async (n) => {
  const doc = Bokeh.documents[0];
  const get = (name) => doc.get_model_by_name(name);
  const plot = get('plot');
  const find = (v) => v.model === plot ? v : (v.child_views ?? []).map(find).find(Boolean);
  const view = [...Bokeh.index.roots].map(find).find(Boolean);
  let repaints = 0;
  view.repainted.connect(() => { repaints += 1; });
  const frame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));
  const lr = get('log_lr'), mu0 = get('mu0');
  const times = [];
  for (let i = 0; i < n; i++) {
    const slider = i % 2 === 0 ? lr : mu0;
    // values on the slider's grid, never the current one: lr in [1e-3, 0.3], mu0 in [-3, 4]
    const value = i % 2 === 0 ? -3 + 0.05 * ((i * 7) % 50) : -3 + 0.05 * ((i * 11) % 140);
    const next = value === slider.value ? value + 0.05 : value;
    const t0 = performance.now();
    slider.value = next;
    view.repaint();
    times.push(performance.now() - t0);
    await frame(); await frame();
  }
  return {times, repaints, steps: get('start').data.steps[0], points: get('gd').data.a.length};
}"""


def felt(browser, url, n):
    """Key-to-frame samples: {(page, input, rate): summary}."""
    out = {}
    for name, page_path in PAGES.items():
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page, cdp = open_explorer(context, url, page_path)
        key_samples(page, 6)  # warm-up, untimed: Bokeh compiles the module at the first change
        for rate in RATES:
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
            out[name, "keys", rate] = summary(key_samples(page, n))
            out[name, "drag", rate] = summary(drag_samples(page, n))
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
        context.close()
    return out


def inside(browser, url):
    """The update timed inside the page, as before: (per-move times, overlay times, result)."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{url}/{PAGE}", wait_until="load")
    page.wait_for_selector(".natgrad-live-ready", timeout=20000)
    page.locator(".natgrad-live").scroll_into_view_if_needed()
    page.evaluate("() => { Bokeh.documents[0].get_model_by_name('steps').value = 400; }")
    page.evaluate(TIME_MOVES, 20)  # warm-up, untimed
    overlay = page.evaluate(TIME_MOVES.replace("const times = [];",
                                               "get('overlay').active = [0]; const times = [];"), 60)
    page.evaluate("() => { Bokeh.documents[0].get_model_by_name('overlay').active = []; }")
    result = page.evaluate(TIME_MOVES, N_MOVES)
    page.close()
    return overlay, result


def main():
    from playwright.sync_api import sync_playwright

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    page_file = HTML / PAGE
    if not page_file.is_file():
        sys.exit(f"{page_file} is missing: run `make book` first")
    bokehjs = sorted((HTML / "_static" / "bokeh").glob("*.js"))
    print(f"explorer page: {page_file.stat().st_size / 1e6:.2f} MB; BokehJS served locally: "
          + ", ".join(f"{p.name} {p.stat().st_size / 1e6:.2f} MB" for p in bokehjs))
    server, url = serve(HTML)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            felt_ms = felt(browser, url, n)
            overlay, result = inside(browser, url)
            browser.close()
    finally:
        server.shutdown()
    print(f"key or drag to drawn plot, {n} samples each (ms):")
    for (name, kind, rate), s in felt_ms.items():
        print(f"  {name:8s} {kind}  {rate}x: median {s['median']:5.1f}, p90 {s['p90']:5.1f}, max {s['max']:5.1f}"
              f" (p90/median {s['p90'] / s['median']:.2f}); frames drawn per input {s['bursts']:g}")
    times = result["times"]
    assert result["steps"] == 400 and result["repaints"] >= len(times), result
    print(f"paths of {result['steps']} steps ({result['points']} points in the last GD path); "
          f"{result['repaints']} repaints for {len(times)} moves")
    print(f"with the five natural-GD overlays on: median {statistics.median(overlay['times']):.2f} ms "
          f"over {len(overlay['times'])} moves")
    print(f"static explorer update: median {statistics.median(times):.2f} ms, "
          f"p90 {percentile(times, 0.9):.2f} ms, {len(times)} moves")
    k = {rate: felt_ms["explorer", "keys", rate] for rate in RATES}
    print(f"live explorer key-to-frame: 1x median {k[1]['median']:.1f} ms; 4x median {k[4]['median']:.1f} ms, "
          f"p90 {k[4]['p90']:.1f} ms; 6x median {k[6]['median']:.1f} ms")


if __name__ == "__main__":
    main()
