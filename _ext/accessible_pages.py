"""Small repairs to the HTML that Sphinx writes, for assistive technology.

All of them are made to the HTML as written, so that a page is accessible as served: a repair
made by a script in the browser races the theme's own scripts and whatever reads the page
(a screen reader, or axe-core in the tests), and once lost that race in CI.

In every page once it is written (``build-finished``), since the theme's templates (header,
sidebars, domain index) are rendered after ``html-page-context``:

* Accessible names that match what a reader sees (WCAG 2.5.3, axe-core
  "label-content-name-mismatch"). A speech-input user who says what they see must reach the
  control, so where a control shows text, that text is its name; an icon-only control keeps its
  label.

  - pydata-sphinx-theme's colour-mode button (``components/theme-switcher.html``) is labelled
    "Color mode", but its three icons carry ``title`` attributes ("Light", "Dark", "System
    Settings"; added by pydata-sphinx-theme PR #1924) that count as its text. The theme's
    Font Awesome script then replaces each ``<i>`` by an ``<svg>`` with a ``<title>`` (and
    ``aria-labelledby``) made from that attribute, at a moment of its own choosing. Without the
    attribute it makes an ``aria-hidden`` svg instead. The icons are decoration: their titles go,
    they get ``aria-hidden``, and the button's tooltip (``data-bs-title``) stays.
  - the theme's search buttons (``components/search-button-field.html``: "Search Ctrl+K",
    labelled "Search"). The ``aria-label`` goes where the button shows text; Bootstrap's
    tooltip, which moves ``title`` aside at run time, adds an ``aria-label`` only to a button
    without text, so it does not bring it back. The icon-only search button keeps its label.
  - MyST-NB's folded code cells, ``<summary aria-label="Toggle hidden content">`` around the
    visible "Show code cell source" (``myst_nb/sphinx_.py``, ``visit_HideCellInput``).

* The domain index of sphinx-proof (``prf-prf.html``, Sphinx's ``domainindex.html`` template)
  lays its entries out in a table without header cells: axe-core "td-has-header" (critical).
  It is a layout table (a group line, then the entry's link and kind), so it gets
  ``role="presentation"`` and is read as the text it holds.

* The redirect that sphinx-external-toc writes at the site root when the root document is not
  ``index`` is a bare ``<meta http-equiv="Refresh">`` line: no language, no title (axe-core
  "html-has-lang", "document-title", both serious), and nothing to follow for a reader whose
  browser does not refresh. It becomes a small HTML document with a title and a link.
"""

from __future__ import annotations

import html as _html
import re
from pathlib import Path

# --- repairs of the written HTML (each one idempotent: an unchanged page is repaired again) ---

_TAG = re.compile(r"<[^>]*>")
_THEME_SWITCH = re.compile(r'(<button\b[^>]*\btheme-switch-button\b[^>]*>)(.*?)(</button>)', re.S)
_ICON = re.compile(r"<i\b[^>]*>")
_TITLE = re.compile(r'\s+title="[^"]*"')
_SEARCH_BUTTON = re.compile(r'(<button\b[^>]*\bsearch-button__button\b[^>]*>)(.*?)(</button>)', re.S)
_SUMMARY = re.compile(r'(<summary\b[^>]*>)(.*?)(</summary>)', re.S)
_ARIA_LABEL = re.compile(r'\s+aria-label="[^"]*"')
_INDEX_TABLE = '<table class="indextable modindextable">'
_BARE_REDIRECT = re.compile(r'\s*<meta http-equiv="Refresh" content="0; url=([^"]+)" />\s*')

REDIRECT_PAGE = """<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta http-equiv="Refresh" content="0; url={url}">
<link rel="canonical" href="{url}">
<title>{title}</title>
</head>
<body>
<main>
<p><a href="{url}">{title}</a></p>
</main>
</body>
</html>
"""


def _shows_text(inner: str) -> bool:
    """Whether markup holds text (the visible text of a control: tags stripped)."""
    return bool(_html.unescape(_TAG.sub("", inner)).strip())


def _decorative_icons(match: re.Match) -> str:
    def icon(tag: re.Match) -> str:
        tag = _TITLE.sub("", tag.group(0))
        if "aria-hidden=" not in tag:
            tag = tag[:-1] + ' aria-hidden="true">'
        return tag

    start, inner, end = match.groups()
    return start + _ICON.sub(icon, inner) + end


def _name_from_text(match: re.Match) -> str:
    start, inner, end = match.groups()
    if _shows_text(inner):
        start = _ARIA_LABEL.sub("", start)
    return start + inner + end


def _folded_cell_summary(match: re.Match) -> str:
    if 'aria-label="Toggle hidden content"' not in match.group(1):
        return match.group(0)
    return _name_from_text(match)


def repair_page(text: str) -> str:
    """The repairs of a written page (see the module's docstring)."""
    text = _THEME_SWITCH.sub(_decorative_icons, text)
    text = _SEARCH_BUTTON.sub(_name_from_text, text)
    text = _SUMMARY.sub(_folded_cell_summary, text)
    return text.replace(_INDEX_TABLE, _INDEX_TABLE[:-1] + ' role="presentation">')


def repair_redirect(app, path: Path) -> None:
    match = _BARE_REDIRECT.fullmatch(path.read_text(encoding="utf-8"))
    if match:
        url = _html.escape(match.group(1))
        page = REDIRECT_PAGE.format(lang=app.config.language or "en", url=url,
                                    title=_html.escape(app.config.html_title or app.config.project))
        path.write_text(page, encoding="utf-8")


def repair_written_pages(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    for path in outdir.rglob("*.html"):
        if "_static" in path.relative_to(outdir).parts:
            continue  # the theme's Jinja macro files and the copies of MathJax/Bokeh, not pages
        text = path.read_text(encoding="utf-8")
        repaired = repair_page(text)
        if repaired != text:
            path.write_text(repaired, encoding="utf-8")
    if (outdir / "index.html").is_file():
        repair_redirect(app, outdir / "index.html")


def setup(app):
    # after sphinx-external-toc's ensure_index_file (priority 500), which writes the redirect
    app.connect("build-finished", repair_written_pages, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
