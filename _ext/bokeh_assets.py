"""Serve BokehJS from the book itself, on the pages that hold a kernel-free explorer.

``natgrad_lib.live.LiveExplorer`` and ``natgrad_lib.live_geodesic.LiveGeodesic`` embed a Bokeh
document in a cell's HTML output (``natgrad_lib.live.embed_html``) and leave the loading of
BokehJS to the page. Bokeh's own Sphinx directive would load it from a CDN; this
copies the two bundles of the installed ``bokeh`` wheel (core and widgets, about 1.65 MB) to
``_static/bokeh/`` once per build and adds them to exactly the pages whose body holds an
explorer, so the other pages stay as light as before and no request leaves the site.
"""

from __future__ import annotations

import filecmp
import shutil
from pathlib import Path

MARKER = 'class="natgrad-live"'
FOLDER = "bokeh"


def _files():
    from natgrad_lib.live import bokehjs_files

    return bokehjs_files()


def add_bokehjs(app, pagename, templatename, context, doctree) -> None:
    if MARKER in context.get("body", ""):
        for path in _files():
            # called from html-page-context, Sphinx adds the script to this page only
            app.add_js_file(f"{FOLDER}/{path.name}", priority=400)


def copy_bokehjs(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / FOLDER
    target.mkdir(parents=True, exist_ok=True)
    for path in _files():
        built = target / path.name
        if not built.exists() or not filecmp.cmp(path, built, shallow=False):
            shutil.copyfile(path, built)


def setup(app):
    app.connect("html-page-context", add_bokehjs)
    app.connect("build-finished", copy_bokehjs)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
