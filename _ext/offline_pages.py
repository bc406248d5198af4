"""Keep remote loaders off the book's pages.

Jupyter Book 1 always loads sphinx-thebe, even with ``launch_buttons.thebe: false``.
sphinx-thebe then puts an inline script declaring ``const THEBE_JS_URL`` (a CDN address)
on every page, registered twice per build so that browsers log "Identifier 'THEBE_JS_URL'
has already been declared", plus its loader ``sphinx-thebe.js``. The book does not offer
thebe (the chapters run offline in Jupyter instead), so both are dropped from each page.

The explorer chapter runs a live ipywidgets cell (its output hidden) when the book is built, and
the kernel's widget state is saved into the notebook; myst-nb then embeds that state (about
140 KB of JSON) in the page. With ``nb_ipywidgets_js`` empty no widget manager is loaded to
read it, so it is dropped as well; the page shows static animations instead.
"""

from __future__ import annotations

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def _dead(script, widgets_off: bool) -> bool:
    attributes = getattr(script, "attributes", {})
    return (
        "THEBE_JS_URL" in (attributes.get("body") or "")
        or "sphinx-thebe.js" in str(script)
        or (widgets_off and attributes.get("type") == WIDGET_STATE)
    )


def drop_remote_loaders(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    widgets_off = not app.config.nb_ipywidgets_js
    context["script_files"] = [s for s in scripts if not _dead(s, widgets_off)]


def setup(app):
    app.connect("html-page-context", drop_remote_loaders, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
