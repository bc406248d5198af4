"""Refresh the book's own static files on every build.

When no page is out of date, Sphinx stops before its write phase ("no targets are out of
date") and so never copies ``html_static_path`` again: an edit to ``natgrad.css`` alone would
not reach ``_build/html/_static`` until some chapter changed. After each successful HTML build
this copies every file of ``html_static_path`` whose content differs from the built copy.
"""

from __future__ import annotations

import filecmp
import shutil
from pathlib import Path


def refresh_static(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static"
    for entry in app.config.html_static_path:
        root = Path(app.confdir) / entry
        for source in (p for p in root.rglob("*") if p.is_file()):
            built = target / source.relative_to(root)
            if not built.exists() or not filecmp.cmp(source, built, shallow=False):
                built.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, built)


def setup(app):
    app.connect("build-finished", refresh_static)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
