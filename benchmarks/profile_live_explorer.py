"""Where the time from a key press to the drawn plot goes: a CPU profile of the explorer page.

Opens the built explorer page (``make book`` first) in Debian's Chromium with BokehJS's readable
build in place of the minified one (both ship in the ``bokeh`` wheel), slows the CPU down (4x
by default), and records V8's sampling profiler over key presses on the learning-rate slider
(``key_to_frame.py``). Prints the key-to-frame numbers and the functions with the most time,
inclusive of what they call: Bokeh's repaint, its layout check, the explorer's own module
(``update``, ``recompute``, ``drawMoving``), the slider's key handling.

The samples include what the measuring costs (Playwright's queries run between presses, not
during them); the profiler slows the page down by about a third.

    .venv/bin/python benchmarks/profile_live_explorer.py [rate] [page: explorer or taylor]
"""

from __future__ import annotations

import collections
import sys
from pathlib import Path

from key_to_frame import ARGS, HTML, PAGES, key_samples, open_explorer, serve, summary

TOP = 40


def profile(rate: float, name: str):
    from playwright.sync_api import sync_playwright

    import bokeh

    js = Path(bokeh.__file__).parent / "server" / "static" / "js"
    server, url = serve(HTML)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            for bundle in ("bokeh", "bokeh-widgets"):  # readable names in the profile
                context.route(f"**/{bundle}.min.js*", lambda route, request, bundle=bundle: route.fulfill(
                    path=str(js / f"{bundle}.js"), content_type="text/javascript"))
            page, cdp = open_explorer(context, url, PAGES[name])
            key_samples(page, 6)  # warm-up
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
            cdp.send("Profiler.enable")
            cdp.send("Profiler.setSamplingInterval", {"interval": 100})
            cdp.send("Profiler.start")
            samples = key_samples(page, 16)
            result = cdp.send("Profiler.stop")["profile"]
            browser.close()
    finally:
        server.shutdown()
    return samples, result


def inclusive(result) -> collections.Counter:
    """Milliseconds of samples in each page-script function or below it (once per sample).

    A function is named ``name file:line``. Frames without a script URL (V8's own entries and the
    scripts Playwright evaluates between presses) are left out.
    """
    nodes = {n["id"]: n for n in result["nodes"]}
    parent = {c: n["id"] for n in result["nodes"] for c in n.get("children", [])}
    total = collections.Counter()
    for sample, dt in zip(result["samples"], result["timeDeltas"]):
        seen, node = set(), sample
        while node is not None:
            frame = nodes[node]["callFrame"]
            where = frame["url"].rsplit("/", 1)[-1].split("?")[0]
            key = f"{frame['functionName'] or '(anonymous)'} {where}:{frame['lineNumber'] + 1}"
            if where and key not in seen:
                total[key] += dt / 1000
                seen.add(key)
            node = parent.get(node)
    return total


def main():
    rate = float(sys.argv[1]) if len(sys.argv) > 1 else 4.0
    name = sys.argv[2] if len(sys.argv) > 2 else "explorer"
    if not (HTML / PAGES[name]).is_file():
        sys.exit(f"{HTML / PAGES[name]} is missing: run `make book` first")
    samples, result = profile(rate, name)
    s = summary(samples)
    print(f"{name}, {rate:g}x CPU slowdown, profiler on: key to drawn plot median {s['median']:.1f} ms, "
          f"p90 {s['p90']:.1f} ms over {s['n']} presses")
    print(f"inclusive time over the {s['n']} presses (ms), page scripts only, top {TOP}:")
    for key, ms in inclusive(result).most_common(TOP):
        print(f"{ms:9.1f}  {key}")

if __name__ == "__main__":
    main()
