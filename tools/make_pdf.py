"""The print edition: every page of the built HTML book, printed by Chromium, in one PDF.

Jupyter Book's ``pdfhtml`` builder downloads its own browser and its ``singlehtml`` builder
cannot write MyST-NB's folded code cells, so this prints the pages of ``make book`` instead, in
the order of ``_toc.yml``, with Debian's Chromium through Playwright:

* each page is opened once MathJax has typeset it (equation numbers included) and, on the
  explorer's pages, once the live explorer has drawn; the print stylesheet then shows its static
  picture instead, as it does for any reader who prints;
* every exercise's solution is opened, since a dropdown cannot be clicked on paper;
* the theme's print styles drop the sidebars and buttons; code folded on the page stays folded.

The pages are joined with pypdf, with a bookmark per page, into
``_build/pdf/natural-gradient-and-fisher.pdf``, and copied next to the HTML book as
``_build/html/natural-gradient-and-fisher.pdf``, where the landing page links to it.

    .venv/bin/python tools/make_pdf.py [_build/html]
"""

from __future__ import annotations

import functools
import http.server
import io
import shutil
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import booktoc  # noqa: E402

NAME = "natural-gradient-and-fisher.pdf"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

# Open every solution (sphinx-togglebutton hides them behind a button) before printing.
OPEN_SOLUTIONS = """() => {
  document.querySelectorAll('.toggle-hidden').forEach(e => e.classList.remove('toggle-hidden'));
  document.querySelectorAll('details').forEach(d => { d.open = true; });
}"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def toc_pages(root: Path = ROOT) -> list[str]:
    """The book's pages in reading order, as paths of the built HTML."""
    return [f"{name}.html" for name in booktoc.toc_files(root)]


def page_pdfs(html: Path, browser) -> list[tuple[str, bytes]]:
    """(title, PDF bytes) of every page of the built book at ``html``, in reading order."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(html)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    out = []
    try:
        page = browser.new_page(viewport={"width": 1100, "height": 1400})
        for path in toc_pages():
            page.goto(f"{url}/{path}", wait_until="load")
            if page.locator("script[src*='mathjax']").count():
                page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise",
                                       timeout=30000)
                page.evaluate("() => MathJax.startup.promise")
            if page.locator(".natgrad-live").count():
                page.wait_for_selector(".natgrad-live-ready", timeout=30000)
            page.evaluate(OPEN_SOLUTIONS)
            page.evaluate("() => document.fonts.ready.then(() => true)")
            title = page.evaluate("() => (document.querySelector('article h1') || {}).innerText || document.title")
            pdf = page.pdf(format="A4", print_background=True,
                           margin={"top": "16mm", "bottom": "16mm", "left": "14mm", "right": "14mm"})
            out.append((title.replace("#", "").strip(), pdf))
        page.close()
    finally:
        server.shutdown()
        server.server_close()
    return out


def join(pages: list[tuple[str, bytes]], target: Path) -> int:
    """Write one PDF with a bookmark per page; return its number of pages."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for title, data in pages:
        start = len(writer.pages)
        for p in PdfReader(io.BytesIO(data)).pages:
            writer.add_page(p)
        writer.add_outline_item(title=title, page_number=start)
    writer.add_metadata({"/Title": "Natural Gradient and Fisher: the interactive book"})
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as f:
        writer.write(f)
    return len(writer.pages)


def main(html: Path = ROOT / "_build" / "html") -> Path:
    from playwright.sync_api import sync_playwright

    if not (html / "index.html").is_file():
        sys.exit(f"{html} has no built book: run `make book` first")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        pages = page_pdfs(html, browser)
        browser.close()
    target = html.parent / "pdf" / NAME
    n = join(pages, target)
    shutil.copyfile(target, html / NAME)
    print(f"{target}: {n} pages, {target.stat().st_size / 1e6:.1f} MB (also at {html / NAME})")
    return target


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "_build" / "html")
