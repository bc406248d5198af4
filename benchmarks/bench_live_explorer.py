"""Speed of the kernel-free explorer in the browser: one update = recompute both paths and redraw.

Opens the built explorer page (``_build/html/chapters/explorer.html``; run ``make book`` first)
in headless Debian Chromium, sets the steps to 400, and then makes at least 200 programmatic
slider moves, alternating the learning rate and the start mu0 over values on their sliders'
grids. Each move is timed in the page with ``performance.now()``:

* from setting the slider's value, which runs the explorer's module (both 400-step paths
  recomputed, the sources replaced, the iteration slider and messages updated),
* to the end of a synchronous repaint of the plot (``PlotView.repaint()``), which draws the
  contours, the paths and the legend on the canvas. (Bokeh otherwise paints on its next
  animation frame; between two timed moves the page is given two frames, untimed.)

Also prints the page's size and BokehJS's, and the median with all five natural-GD overlays on.
Target on a 2-core machine: median <= 4 ms. The last line is exactly
``static explorer update: median A ms, p90 B ms, N moves``.

    .venv/bin/python benchmarks/bench_live_explorer.py
"""

from __future__ import annotations

import functools
import http.server
import statistics
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"
PAGE = "chapters/explorer.html"
N_MOVES = 240
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

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


def serve(folder):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main():
    from playwright.sync_api import sync_playwright

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
            browser.close()
    finally:
        server.shutdown()
    times = result["times"]
    assert result["steps"] == 400 and result["repaints"] >= len(times), result
    print(f"paths of {result['steps']} steps ({result['points']} points in the last GD path); "
          f"{result['repaints']} repaints for {len(times)} moves")
    print(f"with the five natural-GD overlays on: median {statistics.median(overlay['times']):.2f} ms "
          f"over {len(overlay['times'])} moves")
    print(f"static explorer update: median {statistics.median(times):.2f} ms, "
          f"p90 {percentile(times, 0.9):.2f} ms, {len(times)} moves")


if __name__ == "__main__":
    main()
