"""What a reader feels of a live explorer: the time from a key press or a drag to the drawn plot.

Shared by ``bench_live_explorer.py`` (which prints the numbers) and ``profile_live_explorer.py``
(which says where the time goes). Both open the built page in Debian's Chromium.

How one sample is measured, in the page (:data:`INSTRUMENT`):

* A capturing listener on ``window`` keeps the ``timeStamp`` of the ``keydown`` (or
  ``pointermove``): the moment the browser created the event, on the clock of
  ``performance.now()``, so any time the event waits in the queue is counted.
* ``CanvasRenderingContext2D.prototype.stroke`` is wrapped to timestamp every stroke. Strokes that
  run in one task are one burst: the first stroke opens a burst and posts a message to a
  ``MessageChannel``; the burst closes when that message is handled, after the task.
* The sample is the end of the first burst after the event minus the event's time: the paths
  have been drawn on their canvas. The compositor shows them at the next display refresh, which
  no page can hurry.

The next input is sent once the burst has closed and three more animation frames have passed,
so that a second repaint of the same input would be counted (``bursts``) and not bleed into the
next sample. CPU slowdown is Chrome's ``Emulation.setCPUThrottlingRate`` (4x stands for a
mid-range phone, 6x for a low-end one).
"""

from __future__ import annotations

import functools
import http.server
import statistics
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
# The two pages with a live explorer, and the slider the keys move on each.
PAGES = {"explorer": "chapters/explorer.html", "taylor": "chapters/taylor.html"}

INSTRUMENT = """() => {
  if (window.natgradFelt) return;
  const rec = window.natgradFelt = {input: null, bursts: []};
  const proto = CanvasRenderingContext2D.prototype, stroke = proto.stroke;
  const channel = new MessageChannel();
  let open = null;
  channel.port1.onmessage = () => { open.closed = true; open = null; };
  proto.stroke = function (...args) {
    const out = stroke.apply(this, args);
    const t = performance.now();
    if (open === null) {
      open = {start: t, end: t, strokes: 0, closed: false};
      rec.bursts.push(open);
      channel.port2.postMessage(0);
    }
    open.end = t;
    open.strokes += 1;
    return out;
  };
  const mark = (e) => { rec.input = {type: e.type, t: e.timeStamp}; rec.bursts = []; };
  window.addEventListener('keydown', mark, {capture: true});
  window.addEventListener('pointermove', mark, {capture: true});
}"""

# The first burst after the input has closed: [latency, strokes, bursts so far].
FIRST_FRAME = """() => {
  const rec = window.natgradFelt, b = rec.bursts.filter((x) => x.start >= rec.input.t);
  return b.length && b[0].closed ? [b[0].end - rec.input.t, b[0].strokes, b.length] : null;
}"""

# Resolves after n animation frames: lets a second repaint of the same input land before the next.
FRAMES = """(n) => new Promise((resolve) => {
  const step = () => (--n <= 0 ? resolve() : requestAnimationFrame(step));
  requestAnimationFrame(step);
})"""

# Page coordinates of a point (mu, sigma) of the plot, from Bokeh's frame and ranges.
TO_PAGE = """([mu, sigma]) => {
  const plot = Bokeh.documents[0].get_model_by_name('plot');
  const find = (v) => v.model === plot ? v : (v.child_views ?? []).map(find).find(Boolean);
  const view = [...Bokeh.index.roots].map(find).find(Boolean);
  const rect = view.canvas_view.el.getBoundingClientRect();
  const f = view.frame.bbox, xr = plot.x_range, yr = plot.y_range;
  return [rect.left + f.left + (mu - xr.start) / (xr.end - xr.start) * f.width,
          rect.top + f.top + (yr.end - sigma) / (yr.end - yr.start) * f.height];
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


def open_explorer(context, url, page_path):
    """The page at ``page_path`` of a new page in ``context``, its explorer embedded, in view and
    instrumented; and a CDP session to the page."""
    page = context.new_page()
    page.goto(f"{url}/{page_path}", wait_until="load")
    page.wait_for_selector(".natgrad-live-ready", timeout=30000)
    page.locator(".natgrad-live").scroll_into_view_if_needed()
    page.evaluate(INSTRUMENT)
    return page, page.context.new_cdp_session(page)


def _sample(page):
    """Wait for the first frame after the input, then for two more frames; the frame's numbers."""
    handle = page.wait_for_function(FIRST_FRAME, timeout=60000)
    latency, strokes, _ = handle.json_value()
    page.evaluate(FRAMES, 3)
    bursts = page.evaluate(FIRST_FRAME)[2]
    return latency, strokes, bursts


# The value of the learning-rate slider's model (log10 of alpha).
LOG_LR = "() => Bokeh.documents[0].get_model_by_name('log_lr').value"


def key_samples(page, n):
    """``n`` key presses on the learning-rate slider's handle, alternately right and left."""
    page.get_by_role("slider", name="learning rate α").focus()
    out = []
    for i in range(n):
        before = page.evaluate(LOG_LR)
        page.keyboard.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
        out.append(_sample(page))
        assert page.evaluate(LOG_LR) != before, "the key did not move the slider"
    return out


def drag_samples(page, n, start=(0.0, 1.0), end=(-2.0, 0.5)):
    """A drag of the start over the plot in ``n`` pointer moves: one sample per move."""
    x0, y0 = page.evaluate(TO_PAGE, list(start))
    x1, y1 = page.evaluate(TO_PAGE, list(end))
    page.mouse.move(x0, y0)
    page.mouse.down()
    # untimed: Bokeh starts a pan only once the pointer has moved a few pixels
    page.mouse.move(x0 + 12, y0)
    _sample(page)
    out = []
    for i in range(1, n + 1):
        page.mouse.move(x0 + (x1 - x0) * i / n, y0 + (y1 - y0) * i / n)
        out.append(_sample(page))
    page.mouse.up()
    return out


def summary(samples):
    times = [s[0] for s in samples]
    return {"median": statistics.median(times), "p90": percentile(times, 0.9), "max": max(times),
            "n": len(times), "bursts": statistics.median(s[2] for s in samples)}
