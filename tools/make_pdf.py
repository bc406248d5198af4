"""The print edition: the built HTML book as one document, printed by Chromium into one PDF.

Jupyter Book's ``pdfhtml`` builder downloads its own browser and its ``singlehtml`` builder
cannot write MyST-NB's folded code cells, so this prints the pages of ``make book`` instead,
with Debian's Chromium through Playwright. Printing each page alone and joining the PDFs loses
every link: Chromium writes a link as the URL of the page it was served from, and the joined
file has none of the named destinations the in-page links point to. So the pages become one:

* :func:`print_document` joins the main column of every page, in the order of ``_toc.yml``,
  into one HTML document with a title page and a table of contents. Every ``id`` gets its
  page's name as a prefix and every link into the book becomes a link to such an ``id``, so
  a cross-reference, a citation or a chapter link is a jump inside the PDF; a link out of the
  book keeps its public URL; a link to a file of the site (the PDF itself) keeps its text only.
* :func:`print_pdf` opens it once in Chromium, lets MathJax set every equation, prints it
  tagged, with the page number at the foot of every page, reads back on which page every
  chapter and section landed, writes those numbers into the contents and prints again, until
  the numbers it wrote are the pages the PDF has;
* :func:`finish` corrects where Chromium says its link targets are, packs the PDF into object
  streams and gives it the book's metadata and bookmarks (chapters, their sections nested).

Exercise solutions print open, since the document loads no toggle script; folded code prints
as one line that says where to read it; the live explorer prints as its static picture (its
own print style); figures print at ``FIGURE_DPI``; boxes print without the theme's drop
shadows, which Chromium would rasterise into large images.

    .venv/bin/python tools/make_pdf.py [_build/html]

writes ``_build/pdf/natural-gradient-and-fisher.pdf`` and copies it next to the HTML book,
where the landing page links to it.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import functools
import http.server
import io
import re
import shutil
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import booktoc  # noqa: E402

NAME = "natural-gradient-and-fisher.pdf"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
# Where the joined document is served from: a page in the site's root, so that a root-relative
# URL of the site (/_images/..., /_static/...) loads as it does for the pages themselves.
DOCUMENT = "print-edition.html"
# The base against which the pages' relative URLs are resolved while they are joined.
SITE = "http://book.invalid/"
# id attributes and the attributes that name one.
ID_REFS = ("for", "aria-labelledby", "aria-describedby", "aria-controls", "headers")
# Passes of print and renumber before giving up: the numbers have a fixed width, so the first
# renumbering already leaves the layout as it was.
MAX_PASSES = 4
# The theme's 16 px text prints at 12 pt; at this scale it prints at 9.6 pt, as a book sets it.
SCALE = 0.8
# Figures print at this resolution (pixels per inch), or finer where the column is narrower.
FIGURE_DPI = 150
# Points of page a link shows above its target.
HEADROOM = 6
MARGIN = {"top": "16mm", "bottom": "18mm", "left": "16mm", "right": "16mm"}
FOOTER = ('<div style="width:100%;text-align:center;font-size:9pt;color:#333;'
          'font-family:Georgia,\'DejaVu Serif\',serif;"><span class="pageNumber"></span></div>')

# The print edition's own styles, after the theme's.
PRINT_CSS = """
@page { size: A4; }
html, body { background: #fff; }
body { margin: 0; }
/* The theme lays its main column out as a flex row beside the sidebars; on paper it is the page. */
main.bd-main, main.bd-main > .bd-content { display: block !important; width: auto; max-width: none;
  margin: 0; padding: 0; }
main.bd-main article.bd-article { display: block; width: auto; max-width: none; padding: 0; }
/* The theme hides a page's first h1 in print (it prints the title in its own header); here the
   chapter's h1 is the chapter's title. */
main.bd-main .bd-content .bd-article.print-chapter h1 { display: block; }
/* Chromium rasterises a box shadow into an image per box: ten megabytes over the book. The
   theme's shadows are !important; the :not(#id) outranks their classes. */
html { --pst-color-shadow: transparent; }
body *:not(#no-such-id), body *:not(#no-such-id)::before, body *:not(#no-such-id)::after {
  box-shadow: none !important; text-shadow: none !important; }
.print-chapter, .print-contents { break-before: page; }
/* The theme keeps a code block on one page (div.highlight); its cell's box must move with it,
   or an empty box is left at the foot of the page before. A figure keeps its caption. */
div.cell_input, div.cell_output, figure, div.math { break-inside: avoid; }
/* A heading of two lines is not split between pages (the theme only keeps it with what follows). */
h1, h2, h3, h4 { break-inside: avoid; }
/* A section and its heading start on the same page. Chromium may break between the top of a
   section and the top margin of its heading, or after an empty label just above the heading:
   the section's link target then sits at the foot of one page and its heading on the next. The
   heading's top margin becomes the section's padding, which moves with the section. */
.bd-content section:has(> :is(h2, h3, h4)) { padding-top: 1.5rem; }
.bd-content section > :is(h2, h3, h4) { margin-top: 0; }
.bd-content section > span[id]:empty + :is(h2, h3, h4) { break-before: avoid; }
/* ...unless the block is tall (print_pdf marks it, see TALL). */
.bd-content .print-may-break, .bd-content .print-may-break :is(div.highlight, div[class*=highlight-],
  div.literal-block-wrapper, pre, table) { break-inside: auto !important; }
/* A line of code or output wraps at the edge of the page instead of being cut off there. */
.bd-content pre { white-space: pre-wrap; overflow-wrap: anywhere; overflow: visible; }
.print-folded { font-size: 0.8rem; font-style: italic; color: #555; margin: 0.3rem 0 0.6rem; }
.print-title-page { height: 240mm; display: flex; flex-direction: column; justify-content: center;
  text-align: center; }
.print-title-page h1 { font-size: 2.6rem; margin-bottom: 1rem; }
.print-title-page .print-author { font-size: 1.2rem; }
.print-title-page .print-edition { margin-top: 3rem; color: #444; }
.print-contents h1 { margin-bottom: 1.5rem; }
.print-contents ol { list-style: none; padding-left: 0; margin: 0; }
.print-contents ol ol { padding-left: 1.8rem; margin-bottom: 0.5rem; }
.print-contents .print-part { font-weight: 700; margin: 1.2rem 0 0.4rem; break-after: avoid; }
.print-contents li { break-inside: avoid; }
.print-contents a { display: flex; align-items: baseline; color: inherit; text-decoration: none; }
.print-contents li.print-toc-chapter > a { font-weight: 600; margin-top: 0.45rem; }
.print-contents .print-toc-title { flex: 0 1 auto; }
.print-contents .print-toc-leader { flex: 1 1 auto; border-bottom: 1px dotted #777; margin: 0 0.4rem;
  min-width: 1rem; }
.print-contents .print-toc-page { flex: 0 0 auto; min-width: 2.2em; text-align: right;
  font-variant-numeric: tabular-nums; }
"""

# What stands where the HTML folds a cell's code behind a button.
FOLDED = "Folded code, not printed: see the HTML book or the notebook."
# A block the theme keeps on one page (a code cell, a table, a figure, a box such as an
# exercise's solution) may break across pages
# once it is taller than this fraction of the page's text area; otherwise it leaves the rest of
# the page blank, and a heading just above it alone at the foot of the page.
TALL = 1 / 3
MARK_TALL_BLOCKS = """limit => {
  let n = 0;
  for (const el of document.querySelectorAll(
      'div.cell_input, div.cell_output, div.highlight, table, figure, div.math, div.admonition')) {
    if (el.getBoundingClientRect().height > limit) { el.classList.add('print-may-break'); n++; }
  }
  return n;
}"""

WAIT_MATHJAX = "() => window.MathJax && MathJax.startup && MathJax.startup.promise"


class PrintError(RuntimeError):
    """The built HTML cannot be printed faithfully (a dangling link, a page missing)."""


@dataclass
class Entry:
    """One line of the table of contents: a chapter (level 1) or one of its sections (level 2)."""

    title: str
    target: str
    level: int


@dataclass
class Part:
    caption: str | None
    entries: list[Entry] = field(default_factory=list)


def toc_pages(root: Path = ROOT) -> list[str]:
    """The book's pages in reading order, as paths of the built HTML."""
    return [f"{name}.html" for name in booktoc.toc_files(root)]


def toc_parts(root: Path = ROOT) -> list[tuple[str | None, list[str]]]:
    """(part caption, pages) in reading order; the root page forms a part without caption."""
    return [(caption, [f"{name}.html" for name in names]) for caption, names in booktoc.toc_parts(root)]


def page_key(path: str) -> str:
    """The prefix of every id that comes from the page at ``path`` ("chapters/taylor.html" -> "taylor")."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", path.removesuffix(".html").removeprefix("chapters/"))


def _heading_text(heading) -> str:
    """A heading's words with its number ("5.1. The question"), without the pilcrow link."""
    parts = [s for s in heading.strings if s.parent.name != "a" or "headerlink" not in s.parent.get("class", [])]
    return " ".join("".join(parts).split())


# TeX in a heading, as plain text for a bookmark (a PDF outline holds no mathematics).
_TEX_TEXT = {r"\mu": "μ", r"\sigma": "σ", r"\theta": "θ", r"\tau": "τ", r"\eta": "η", r"\lambda": "λ",
             r"\alpha": "α", r"\delta": "δ", r"\nabla": "∇", "^2": "²", "^{2}": "²", "^{-1}": "⁻¹",
             r"\top": "ᵀ", r"\,": " ", r"\log": "log ", r"\gamma": "γ", r"\pi": "π", r"\rho": "ρ",
             r"\omega": "ω", r"\Sigma": "Σ"}


def bookmark_title(title: str) -> str:
    """``title`` with its inline TeX written as text: "two in \\((\\mu, \\sigma^2)\\)" -> "two in (μ, σ²)".

    Raises
    ------
    PrintError
        If a TeX command is left that the table does not know: a bookmark must not show TeX.
    """
    def plain(match: re.Match) -> str:
        tex = match.group(1)
        for command, text in sorted(_TEX_TEXT.items(), key=lambda kv: -len(kv[0])):
            tex = tex.replace(command, text)
        if "\\" in tex or "^" in tex or "_" in tex or "{" in tex:
            raise PrintError(f"no plain text for the TeX {match.group(1)!r} in the heading {title!r}")
        return tex

    return re.sub(r"\\\((.*?)\\\)", plain, title)


def _config(root: Path) -> dict:
    return yaml.safe_load((Path(root) / "_config.yml").read_text(encoding="utf-8"))


def print_document(html: Path, root: Path = ROOT) -> tuple[str, list[Part]]:
    """The whole book as one HTML document, and its table of contents.

    Parameters
    ----------
    html : Path
        The built HTML book (``_build/html``).
    root : Path
        The repository, for ``_toc.yml`` and ``_config.yml``.

    Returns
    -------
    (str, list of Part)
        The document, to be served at ``/print-edition.html`` of the site, and its contents
        (whose page numbers :func:`print_pdf` writes into the printed page).

    Raises
    ------
    PrintError
        If a page of ``_toc.yml`` was not built, or a link into the book names a page or a
        place on a page that the document does not hold.
    """
    from bs4 import BeautifulSoup

    config = _config(root)
    parts = toc_parts(root)
    pages = [p for _, ps in parts for p in ps]
    keys = {p: page_key(p) for p in pages}
    if len(set(keys.values())) != len(keys):
        raise PrintError(f"two pages share an id prefix: {sorted(keys.values())}")
    missing = [p for p in pages if not (html / p).is_file()]
    if missing:
        raise PrintError(f"pages of _toc.yml not in {html}: {missing}; run `make book`")

    first = BeautifulSoup((html / pages[0]).read_text(encoding="utf-8"), "html.parser")
    out = BeautifulSoup("<!DOCTYPE html><html><head></head><body></body></html>", "html.parser")
    out.html.attrs = {"lang": first.html.get("lang", "en"), "data-theme": "light", "data-mode": "light"}
    head = out.head
    head.append(out.new_tag("meta", charset="utf-8"))
    title = out.new_tag("title")
    title.string = config["title"]
    head.append(title)
    for tag in first.head.find_all(["link", "style", "script"]):
        if tag.name == "link" and "stylesheet" in tag.get("rel", []):
            head.append(out.new_tag("link", rel="stylesheet", href=_site_path(urljoin(SITE + pages[0], tag["href"]))))
        elif tag.name == "style":
            head.append(copy.copy(tag))
        elif tag.name == "script" and "MathJax" in (tag.string or "") and "window.MathJax" in tag.string:
            head.append(copy.copy(tag))
        elif tag.name == "script" and "mathjax" in tag.get("src", ""):
            head.append(out.new_tag("script", defer="defer",
                                    src=_site_path(urljoin(SITE + pages[0], tag["src"]))))
    style = out.new_tag("style")
    style.string = PRINT_CSS
    head.append(style)

    body = out.body
    main = out.new_tag("main", attrs={"class": "bd-main"})
    content = out.new_tag("div", attrs={"class": "bd-content"})
    main.append(content)
    body.append(main)
    content.append(_title_page(out, config))
    toc_nav = out.new_tag("nav", attrs={"class": "print-contents", "aria-labelledby": "print-contents-title"})
    content.append(toc_nav)

    chapters, toc = [], []
    for caption, part_pages in parts:
        part = Part(caption)
        for path in part_pages:
            article = BeautifulSoup((html / path).read_text(encoding="utf-8"), "html.parser").select_one(
                "article.bd-article")
            if article is None:
                raise PrintError(f"{path} has no article")
            key = keys[path]
            _strip(article)
            _rebase(article, key, path, html)
            h1 = article.find("h1")
            if h1 is None:
                raise PrintError(f"{path} has no title")
            if path == pages[0]:
                # The landing page's title is the book's, which the title page already shows.
                h1.clear()
                h1.string = "About this book"
            chapter = out.new_tag("article", attrs={"class": "bd-article print-chapter", "id": key})
            chapter.extend(list(article.contents))
            chapters.append((path, chapter))
            part.entries.append(Entry(_heading_text(h1), key, 1))
            top = h1.find_parent("section")
            for section in (top.find_all("section", recursive=False) if top else []):
                h2 = section.find("h2", recursive=False)
                if h2 is not None and section.get("id"):
                    part.entries.append(Entry(_heading_text(h2), section["id"], 2))
        toc.append(part)

    ids = set(keys.values())
    for _, chapter in chapters:
        ids |= {tag["id"] for tag in chapter.find_all(id=True)}
    for path, chapter in chapters:
        _relink(chapter, path, keys, ids)
        content.append(chapter)
    _fill_contents(out, toc_nav, toc)
    return str(out), toc


def _rebase(article, key: str, path: str, html: Path) -> None:
    """Make the main column of the page at ``path`` a part of the joined document.

    Its ids get the prefix ``key--`` (and so do the attributes that name an id), its images
    load from the site's root and print at ``FIGURE_DPI``.
    """
    for tag in article.find_all(id=True):
        tag["id"] = f"{key}--{tag['id']}"
    for attr in ID_REFS:
        for tag in article.find_all(attrs={attr: True}):
            value = tag[attr]
            ids = value if isinstance(value, list) else value.split()
            tag[attr] = " ".join(f"{key}--{i}" for i in ids)
    for tag in article.find_all(src=True):
        if not tag["src"].startswith("data:"):
            tag["src"] = _site_path(urljoin(SITE + path, tag["src"]))
    for img in article.find_all("img"):
        _size_for_print(img, html)
    for figure in article.find_all("figure"):
        # Chromium tags <figure> as a Figure with no alternative text around the image's own
        # Figure (which has the alt text) and the Caption; as a group it is a Div.
        figure["role"] = "group"


def _site_path(url: str) -> str:
    """A URL of the site as a root-relative path; any other URL as it is."""
    if url.startswith(SITE):
        return "/" + url[len(SITE):]
    return url


def _size_for_print(img, html: Path) -> None:
    """Give ``img`` the printed width at which its pixels are ``FIGURE_DPI`` per inch.

    A CSS pixel prints at ``SCALE``/96 inch; at its natural size a figure drawn at 100 dpi
    would print at 120 ppi, soft on paper. The column's width caps it (finer still).
    """
    from PIL import Image

    src = img["src"]
    if src.startswith("data:"):
        data = io.BytesIO(base64.b64decode(src.split(",", 1)[1]))
    else:
        data = html / src.lstrip("/")
    with Image.open(data) as image:
        width = image.width
    img["style"] = (f"width: {width * 96 / (FIGURE_DPI * SCALE):.1f}px; max-width: 100%; height: auto; "
                    + img.get("style", ""))


def _strip(article) -> None:
    """Remove what has no meaning on paper: scripts, permalinks, copy buttons.

    Folded code (a cell's source behind "Show code cell source") is not printed; a short
    line in its place says where to find it, since a button cannot be pressed on paper.
    """
    from bs4 import BeautifulSoup

    for tag in article.find_all("script"):
        tag.decompose()
    for tag in article.select("a.headerlink, button.copybtn"):
        tag.decompose()
    for details in article.select("details.hide"):
        note = BeautifulSoup("", "html.parser").new_tag("p", attrs={"class": "print-folded"})
        note.string = FOLDED
        details.replace_with(note)


def _relink(chapter, path: str, keys: dict[str, str], ids: set[str]) -> None:
    for a in chapter.find_all("a", href=True):
        url = urlsplit(urljoin(SITE + path, a["href"]))
        if f"{url.scheme}://{url.netloc}/" != SITE:
            if url.scheme not in ("http", "https", "mailto"):
                raise PrintError(f"{path}: a link to {a['href']!r} cannot be followed from paper")
            if url.hostname in ("localhost", "127.0.0.1", "::1"):
                raise PrintError(f"{path}: a link to a loopback address: {a['href']!r}")
            continue
        target = url.path.lstrip("/")
        if target in keys:
            anchor = keys[target] + (f"--{url.fragment}" if url.fragment else "")
            if anchor not in ids:
                raise PrintError(f"{path}: the link {a['href']!r} names no place in the book")
            a["href"] = f"#{anchor}"
        else:
            # A file of the site (the PDF itself): on paper it is words, not a link.
            a.unwrap()


def _title_page(out, config: dict):
    page = out.new_tag("section", attrs={"class": "print-title-page"})
    h1 = out.new_tag("h1")
    h1.string = config["title"]
    page.append(h1)
    author = out.new_tag("p", attrs={"class": "print-author"})
    author.string = config.get("author", "")
    page.append(author)
    edition = out.new_tag("p", attrs={"class": "print-edition"})
    edition.string = ("The print edition of the interactive book: every chapter, figure, theorem and "
                      "exercise with its solution; the live explorer as a picture.")
    page.append(edition)
    url = (config.get("repository") or {}).get("url")
    if url:
        link = out.new_tag("p", attrs={"class": "print-edition"})
        a = out.new_tag("a", href=url)
        a.string = url
        link.append(a)
        page.append(link)
    return page


def _fill_contents(out, nav, toc: list[Part]) -> None:
    h1 = out.new_tag("h1", id="print-contents-title")
    h1.string = "Contents"
    nav.append(h1)
    for part in toc:
        if part.caption:
            caption = out.new_tag("p", attrs={"class": "print-part"})
            caption.string = part.caption
            nav.append(caption)
        chapters = out.new_tag("ol")
        nav.append(chapters)
        sections = None
        for entry in part.entries:
            li = out.new_tag("li", attrs={"class": f"print-toc-{'chapter' if entry.level == 1 else 'section'}"})
            a = out.new_tag("a", href=f"#{entry.target}")
            title = out.new_tag("span", attrs={"class": "print-toc-title"})
            title.string = entry.title
            a.append(title)
            a.append(out.new_tag("span", attrs={"class": "print-toc-leader", "aria-hidden": "true"}))
            # the page number, written by print_pdf once the book has been printed
            a.append(out.new_tag("span", attrs={"class": "print-toc-page", "data-target": entry.target}))
            li.append(a)
            if entry.level == 1:
                chapters.append(li)
                sections = out.new_tag("ol")
                li.append(sections)
            else:
                sections.append(li)
        for empty in chapters.find_all("ol"):
            if not empty.contents:
                empty.decompose()


class _Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args, document: bytes, **kwargs):
        self.document = document
        super().__init__(*args, **kwargs)

    def do_GET(self):
        if self.path.split("?")[0] == f"/{DOCUMENT}":
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(self.document)))
            self.end_headers()
            self.wfile.write(self.document)
        else:
            super().do_GET()

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(html: Path, document: str):
    """Serve the built site at ``html`` and the joined document on a free loopback port."""
    handler = functools.partial(_Handler, document=document.encode("utf-8"), directory=str(html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _mm(side: str) -> float:
    """The margin of ``MARGIN`` on ``side`` in millimetres ("16mm" -> 16.0)."""
    return float(MARGIN[side].removesuffix("mm"))


def _text_area_px() -> tuple[float, float]:
    """Width and height of an A4 page's text area in CSS pixels as laid out for print (at ``SCALE``)."""
    width = (210 - _mm("left") - _mm("right")) / 25.4 * 96
    height = (297 - _mm("top") - _mm("bottom")) / 25.4 * 96
    return width / SCALE, height / SCALE


def _destinations(doc) -> dict[str, tuple[int, float]]:
    """Every named destination of the pikepdf document ``doc``: its page (0-based) and its top, corrected.

    Chromium 156 writes the top of a destination (``/XYZ left top zoom``) as if the page had
    no top margin and the print were not scaled: the written distance from the page's top edge
    is (true distance - top margin) / scale, so a link lands below its target, by up to a
    fifth of the page (measured on the 125 section headings of the book: within 0.6 pt).
    Reported for headless Chrome in chrome-php/chrome#651; this correction goes when Chromium
    writes page coordinates (tests/test_pdf.py checks where the links land, heading by heading).
    An element whose box begins in the last millimetres of a page and continues on the next
    (its top margin, say) gets a destination in the bottom margin, where nothing is printed:
    it then points to the top of the next page, where its content is. Every destination is
    ``HEADROOM`` above its target, so that a heading does not touch the top of the window.
    """
    import pikepdf

    index = {page.objgen: i for i, page in enumerate(doc.pages)}
    top_margin, bottom_margin = (_mm(side) * 72 / 25.4 for side in ("top", "bottom"))
    out = {}
    for name, dest in doc.Root.Dests.items():
        dest = dest.get("/D") if isinstance(dest, pikepdf.Dictionary) else dest
        page = index[dest[0].objgen]
        height = float(doc.pages[page].mediabox[3])
        top = height - (top_margin + SCALE * (height - float(dest[3])))
        if top < bottom_margin and page + 1 < len(doc.pages):
            page, top = page + 1, height - top_margin
        top = min(top + HEADROOM, height)
        out[name.lstrip("/")] = (page, top)
    return out


def destination_pages(pdf: bytes) -> dict[str, int]:
    """Every named destination of ``pdf`` (as Chromium wrote it) and the page (1-based) its target is on."""
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as doc:
        return {name: page + 1 for name, (page, _) in _destinations(doc).items()}


def finish(pdf: bytes, toc: list[Part], root: Path = ROOT) -> bytes:
    """Write Chromium's PDF again, compact, with the book's metadata and outline.

    Every named destination is corrected (:func:`_destinations`). The bookmarks are the
    contents': the title page, the contents, every chapter with its sections nested, each
    pointing to the named destination its heading has in the PDF.
    Chromium's own outline (``outline=True``) is not used: it loses the spaces where a heading
    wraps ("the naturalgradient") and writes some headings twice.

    Chromium writes each of the tagged PDF's ~30,000 structure elements as an object of its
    own; qpdf (through pikepdf) packs them into compressed object streams, which more than
    halves the file and changes no page. The document information and the XMP metadata get
    the title, the author and the language (the catalog's /Lang is Chromium's, from ``<html lang>``).
    """
    import pikepdf

    config = _config(root)
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        lang = str(doc.Root.get("/Lang", "en"))
        with doc.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta["dc:title"] = config["title"]
            meta["dc:creator"] = [config.get("author", "")]
            meta["dc:language"] = [lang]
        doc.docinfo["/Title"] = config["title"]
        doc.docinfo["/Author"] = config.get("author", "")
        for name, (page, top) in _destinations(doc).items():
            doc.Root.Dests[f"/{name}"] = pikepdf.Array([doc.pages[page].obj, pikepdf.Name.XYZ, 0, top, 0])
        doc.Root.ViewerPreferences = pikepdf.Dictionary(DisplayDocTitle=True)
        doc.Root.PageMode = pikepdf.Name.UseOutlines
        with doc.open_outline() as outline:
            outline.root.clear()
            outline.root.append(pikepdf.OutlineItem(config["title"], 0))
            outline.root.append(pikepdf.OutlineItem("Contents", 1))
            chapter = None
            for entry in (e for part in toc for e in part.entries):
                # a name of the catalog's /Dests, as Chromium's links use them (a string would
                # name an entry of a /Names tree, which the PDF does not have)
                item = pikepdf.OutlineItem(bookmark_title(entry.title), pikepdf.Name(f"/{entry.target}"))
                if entry.level == 1:
                    outline.root.append(item)
                    chapter = item
                else:
                    chapter.children.append(item)
        doc.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate, compress_streams=True,
                 recompress_flate=True, deterministic_id=True)
    return out.getvalue()


def print_pdf(html: Path, browser, root: Path = ROOT, on_step=None) -> tuple[bytes, list[Part]]:
    """Print the book at ``html`` with ``browser`` (Playwright's Chromium); return the PDF and its contents.

    ``on_step``, if given, is called with the name of each step as it ends ("document",
    "typeset", "print 1", "print 2", ..., "finish"); ``benchmarks/bench_pdf.py`` times them.

    Raises
    ------
    PrintError
        If a chapter or section of the contents has no page in the PDF, or the page numbers do
        not settle within ``MAX_PASSES`` prints.
    """
    step = on_step or (lambda name: None)
    document, toc = print_document(html, root)
    step("document")
    entries = [e for part in toc for e in part.entries]
    with serve(html, document) as url:
        page = browser.new_page(viewport={"width": 1100, "height": 1400})
        try:
            page.goto(f"{url}/{DOCUMENT}", wait_until="load")
            page.wait_for_function(WAIT_MATHJAX, timeout=120000)
            page.evaluate("() => MathJax.startup.promise")
            page.evaluate("() => document.fonts.ready.then(() => true)")
            # Lay the page out as it prints (print styles, the text area's width in CSS pixels at
            # SCALE) to find the blocks too tall to keep on one page.
            width, height = _text_area_px()
            page.emulate_media(media="print")
            page.set_viewport_size({"width": round(width), "height": 1400})
            page.evaluate(MARK_TALL_BLOCKS, TALL * height)
            step("typeset")
            numbers: dict[str, int] = {}
            for n in range(1, MAX_PASSES + 1):
                page.evaluate("""numbers => document.querySelectorAll('.print-toc-page').forEach(
                    s => { s.textContent = numbers[s.dataset.target] ?? '000'; })""", numbers)
                pdf = page.pdf(format="A4", margin=MARGIN, scale=SCALE, print_background=True, tagged=True,
                               display_header_footer=True,
                               header_template="<span></span>", footer_template=FOOTER)
                step(f"print {n}")
                landed = destination_pages(pdf)
                lost = [e.target for e in entries if e.target not in landed]
                if lost:
                    raise PrintError(f"no page in the PDF for {lost[:5]}")
                wanted = {e.target: landed[e.target] for e in entries}
                if wanted == numbers:
                    break
                numbers = wanted
            else:
                raise PrintError(f"the contents' page numbers did not settle in {MAX_PASSES} prints")
        finally:
            page.close()
    pdf = finish(pdf, toc, root)
    step("finish")
    return pdf, toc


def main(html: Path = ROOT / "_build" / "html") -> Path:
    from playwright.sync_api import sync_playwright

    if not (html / "index.html").is_file():
        sys.exit(f"{html} has no built book: run `make book` first")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        try:
            pdf, _ = print_pdf(html, browser)
        finally:
            browser.close()
    target = html.parent / "pdf" / NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(pdf)
    shutil.copyfile(target, html / NAME)
    from pypdf import PdfReader

    n = len(PdfReader(io.BytesIO(pdf)).pages)
    print(f"{target}: {n} pages, {len(pdf) / 1e6:.1f} MB (also at {html / NAME})")
    return target


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "_build" / "html")
