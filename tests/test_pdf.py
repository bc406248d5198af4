"""The print edition: ``tools/make_pdf.py`` prints the built book, and its text holds the book.

The PDF is made from the session's build (``built_book``) with the shared Chromium and read back
with ``pdftotext`` (poppler-utils; skipped if missing, unless ``NATGRAD_REQUIRE_BROWSER=1`` as in
``.ci/run``, which installs it). Checked against the HTML: every page's title, the post's
equation numbers, and the numbered figures.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from ngtestkit import require_or_skip

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("make_pdf", ROOT / "tools" / "make_pdf.py")
make_pdf = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_pdf)


@pytest.fixture(scope="module")
def pdf_text(built_book, browser, tmp_path_factory):
    if shutil.which("pdftotext") is None:
        require_or_skip("pdftotext is not installed (apt-get install -y poppler-utils)",
                        required="pdftotext is required (apt-get install -y poppler-utils)")
    _, html = built_book
    pages = make_pdf.page_pdfs(html, browser)
    target = tmp_path_factory.mktemp("pdf") / make_pdf.NAME
    n_pages = make_pdf.join(pages, target)
    text = subprocess.run(["pdftotext", "-layout", str(target), "-"], capture_output=True, text=True,
                          check=True).stdout
    print(f"\nprint edition: {n_pages} pages, {target.stat().st_size / 1e6:.1f} MB")
    return {"text": text, "pages": pages, "n_pages": n_pages, "html": html}


def _html_titles(html):
    from bs4 import BeautifulSoup

    titles = {}
    for path in make_pdf.toc_pages():
        h1 = BeautifulSoup((html / path).read_text(encoding="utf-8"), "html.parser").select_one("article h1")
        # without the chapter number, which print may set apart from the words
        words = " ".join(h1.get_text(" ", strip=True).replace("#", "").split())
        titles[path] = re.sub(r"^\d+\.\s*", "", words)
    return titles


def test_every_page_is_in_the_pdf_in_order(pdf_text):
    titles = _html_titles(pdf_text["html"])
    flat = " ".join(pdf_text["text"].split())
    at = 0
    for path, title in titles.items():
        found = flat.find(title, at)
        assert found >= 0, f"{path}: title {title!r} not in the PDF after position {at}"
        at = found
    assert len(pdf_text["pages"]) == len(titles)


def test_the_posts_equation_numbers_are_in_the_pdf(pdf_text):
    numbers = set(re.findall(r"\((\d{1,2}[ab]?)\)", pdf_text["text"]))
    wanted = {str(n) for n in range(1, 17)} | {"15a", "15b", "16a"}
    assert wanted <= numbers, sorted(wanted - numbers)


def test_the_pdf_has_every_numbered_figure_of_the_html(pdf_text):
    from bs4 import BeautifulSoup

    in_html = set()
    for path in make_pdf.toc_pages():
        soup = BeautifulSoup((pdf_text["html"] / path).read_text(encoding="utf-8"), "html.parser")
        in_html |= {" ".join(s.get_text().split()) for s in soup.select("figcaption .caption-number")}
    in_pdf = {f"Fig. {m}" for m in re.findall(r"Fig\. (\d+(?:\.\d+)?)", pdf_text["text"])}
    print(f"{len(in_html)} numbered figures in the HTML, {len(in_pdf)} in the PDF")
    assert in_html and in_html <= in_pdf, sorted(in_html - in_pdf)


def test_solutions_and_bibliography_are_printed(pdf_text):
    text = pdf_text["text"]
    assert text.count("Solution to") >= 20, "the solutions are not open in the print edition"
    assert "Amari" in text and "Martens" in text and "Kunstner" in text
