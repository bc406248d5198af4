"""Keep remote loaders off the book's pages.

Jupyter Book 1 always loads sphinx-thebe, even with ``launch_buttons.thebe: false``.
sphinx-thebe then puts an inline script declaring ``const THEBE_JS_URL`` (a CDN address)
on every page, registered twice per build so that browsers log "Identifier 'THEBE_JS_URL'
has already been declared", plus its loader ``sphinx-thebe.js``. The book does not offer
thebe (the chapters run offline in Jupyter instead), so both are dropped from each page.
"""

from __future__ import annotations


def drop_thebe(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    context["script_files"] = [
        script for script in scripts
        if "THEBE_JS_URL" not in (getattr(script, "attributes", {}).get("body") or "")
        and "sphinx-thebe.js" not in str(script)
    ]


def setup(app):
    app.connect("html-page-context", drop_thebe, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
