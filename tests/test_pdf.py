"""The print edition: ``tools/make_pdf.py`` prints the built book into one PDF that reads like a book.

The PDF is made from the session's build (``built_book``) with the shared Chromium, as ``make pdf``
makes it, and read back as a reader's tools read it: pypdf for the links, named destinations and
bookmarks, poppler-utils' ``pdftotext``, ``pdfimages`` and ``pdfinfo`` for the text, the figures and
the document's properties (skipped if poppler-utils is missing, unless ``NATGRAD_REQUIRE_BROWSER=1``
as in ``.ci/run``, which installs it). Checked against the HTML: every page's title, the post's
equation numbers, the numbered figures, the links. The joining itself is tested on a small site
without a browser.
"""

from __future__ import annotations

import collections
import html as html_lib
import importlib.util
import io
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from ngtestkit import require_or_skip

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("make_pdf", ROOT / "tools" / "make_pdf.py")
make_pdf = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("make_pdf", make_pdf)  # its dataclasses look their module up there
_spec.loader.exec_module(make_pdf)

MAX_BYTES = 6_000_000
LOOPBACK = ("localhost", "127.0.0.1", "::1", "0.0.0.0")


def _poppler(tool: str, *args: str) -> str:
    return subprocess.run([tool, *args], capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def edition(built_book, browser, tmp_path_factory):
    if shutil.which("pdftotext") is None:
        require_or_skip("poppler-utils is not installed (apt-get install -y poppler-utils)",
                        required="pdftotext is required (apt-get install -y poppler-utils)")
    from pypdf import PdfReader

    _, html = built_book
    pdf, toc = make_pdf.print_pdf(html, browser)
    target = tmp_path_factory.mktemp("pdf") / make_pdf.NAME
    target.write_bytes(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    text = _poppler("pdftotext", "-layout", str(target), "-")
    # one string per page, in reading order (no -layout)
    pages = _poppler("pdftotext", str(target), "-").split("\f")[:len(reader.pages)]
    print(f"\nprint edition: {len(reader.pages)} pages, {len(pdf) / 1e6:.2f} MB")
    return {"path": target, "pdf": pdf, "toc": toc, "reader": reader, "text": text, "pages": pages,
            "html": html, "boxes": _words_with_boxes(target, 1, len(reader.pages))}


def _named_pages(reader) -> dict[str, int]:
    """Every named destination (without its leading "/") and its page, 1-based."""
    return {name.lstrip("/"): reader.get_destination_page_number(dest) + 1
            for name, dest in reader.named_destinations.items()}


def _bookmarks(reader) -> list[tuple[int, str, int]]:
    """(depth, title, page) of every bookmark, in order; page is 1-based."""
    names = _named_pages(reader)
    out = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
                continue
            dest = item.node.get("/Dest") if hasattr(item, "node") and item.node is not None else None
            if isinstance(dest, str):
                page = names.get(dest.lstrip("/"))
            else:
                page = reader.get_destination_page_number(item) + 1
            out.append((depth, item.title, page))

    walk(reader.outline, 0)
    return out


def _links(reader) -> list[tuple[int, dict]]:
    out = []
    for number, page in enumerate(reader.pages, start=1):
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            if annot.get("/Subtype") == "/Link":
                out.append((number, annot))
    return out


def _words(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split())


# ---------------------------------------------------------------------------------------------
# the joined document, without a browser
# ---------------------------------------------------------------------------------------------

def _site(tmp_path: Path, extra: str = "") -> tuple[Path, Path]:
    root, html = tmp_path / "book", tmp_path / "book" / "_build" / "html"
    (html / "chapters").mkdir(parents=True)
    (html / "_images").mkdir()
    from PIL import Image

    Image.new("RGB", (300, 150), "white").save(html / "_images" / "fig.png")
    (root / "_toc.yml").write_text("format: jb-book\nroot: chapters/index\nparts:\n  - caption: Part one\n"
                                   "    chapters:\n      - file: chapters/a\n      - file: chapters/b\n")
    (root / "_config.yml").write_text('title: "A small book"\nauthor: "Someone"\nrepository:\n  url: ""\n')

    def page(title, body):
        return (f'<!DOCTYPE html><html lang="en"><head><title>{title}</title>'
                '<link rel="stylesheet" href="../_static/styles/theme.css"></head><body>'
                f'<article class="bd-article" role="main"><section id="top"><h1>{title}'
                '<a class="headerlink" href="#top">#</a></h1>'
                f'{body}</section></article><script>alert(1)</script></body></html>')

    (html / "chapters" / "index.html").write_text(page("A small book", '<p>Welcome.</p>'))
    (html / "chapters" / "a.html").write_text(page(
        "1. Alpha",
        '<section id="sec"><h2>1.1. First \\(\\mu\\)</h2>'
        '<p><a href="b.html#para">to b</a> <a href="#sec">here</a> <a href="b.html">chapter b</a> '
        '<a href="../natural-gradient-and-fisher.pdf">the PDF</a> <a href="https://example.org/x">out</a> '
        '<label for="sec">l</label><img src="../_images/fig.png" alt="a figure"></p></section>'))
    (html / "chapters" / "b.html").write_text(page("2. Beta", f'<p id="para">text</p>{extra}'))
    return root, html


def test_the_pages_become_one_document_with_links_inside_it(tmp_path):
    from bs4 import BeautifulSoup

    root, html = _site(tmp_path)
    document, toc = make_pdf.print_document(html, root)
    soup = BeautifulSoup(document, "html.parser")
    ids = [t["id"] for t in soup.find_all(id=True)]
    assert len(ids) == len(set(ids)), "every id is unique once the pages are joined"
    assert {"a", "a--sec", "b--para", "index--top"} <= set(ids)
    hrefs = {a.get_text(): a["href"] for a in soup.select("article a")}
    assert hrefs == {"to b": "#b--para", "here": "#a--sec", "chapter b": "#b", "out": "https://example.org/x"}
    assert "the PDF" in soup.get_text() and not soup.select('a[href*="pdf"]'), "a file of the site is text"
    assert soup.select_one("label")["for"] == "a--sec"
    assert soup.select_one('link[rel="stylesheet"]')["href"] == "/_static/styles/theme.css"
    img = soup.select_one("article img")
    assert img["src"] == "/_images/fig.png"
    # 300 px at 150 ppi is 2 inches: 192 CSS px at scale 1, 240 at the print scale 0.8
    assert f"width: {300 * 96 / (make_pdf.FIGURE_DPI * make_pdf.SCALE):.1f}px" in img["style"]
    assert not soup.select("article script, a.headerlink")
    assert soup.html["lang"] == "en" and soup.title.string == "A small book"
    assert [(p.caption, [(e.title, e.target, e.level) for e in p.entries]) for p in toc] == [
        (None, [("About this book", "index", 1)]),
        ("Part one", [("1. Alpha", "a", 1), ("1.1. First \\(\\mu\\)", "a--sec", 2), ("2. Beta", "b", 1)]),
    ]
    contents = [a["href"] for a in soup.select("nav.print-contents a")]
    assert contents == ["#index", "#a", "#a--sec", "#b"]
    assert make_pdf.bookmark_title(toc[1].entries[1].title) == "1.1. First μ"


@pytest.mark.parametrize("body, message", [
    ('<a href="a.html#nowhere">x</a>', "names no place"),
    ('<a href="http://127.0.0.1:8000/chapters/a.html">x</a>', "loopback"),
    ('<a href="file:///etc/passwd">x</a>', "cannot be followed"),
])
def test_a_link_that_cannot_work_on_paper_stops_the_print(tmp_path, body, message):
    root, html = _site(tmp_path, body)
    with pytest.raises(make_pdf.PrintError, match=message):
        make_pdf.print_document(html, root)


def test_tex_a_bookmark_cannot_show_stops_the_print():
    assert make_pdf.bookmark_title("Multiplying by \\(F\\) without forming it") == "Multiplying by F without forming it"
    assert make_pdf.bookmark_title("two in \\((\\mu, \\sigma^2)\\)") == "two in (μ, σ²)"
    assert make_pdf.bookmark_title("The update, in \\((\\mu, \\log\\sigma)\\)") == "The update, in (μ, log σ)"
    with pytest.raises(make_pdf.PrintError, match="frac"):
        make_pdf.bookmark_title("\\(\\frac{1}{2}\\)")


def test_the_books_document_has_unique_ids_and_no_dangling_link(built_book):
    from bs4 import BeautifulSoup

    _, html = built_book
    document, toc = make_pdf.print_document(html)
    soup = BeautifulSoup(document, "html.parser")
    ids = collections.Counter(t["id"] for t in soup.find_all(id=True))
    inside = [a["href"][1:] for a in soup.find_all("a", href=True) if a["href"].startswith("#")]
    assert len(inside) > 500
    # every link has exactly one place to go (sphinx-proof and sphinx-exercise repeat the ids of
    # their boxes' content sections within a page, which no link names)
    assert {target: ids[target] for target in inside if ids[target] != 1} == {}
    assert not [a["href"] for a in soup.find_all("a", href=True)
                if not a["href"].startswith(("#", "https://", "http://", "mailto:"))]
    chapters = [e for part in toc for e in part.entries if e.level == 1]
    assert len(chapters) == len(make_pdf.toc_pages())


# ---------------------------------------------------------------------------------------------
# the PDF
# ---------------------------------------------------------------------------------------------

def _html_titles(html):
    from bs4 import BeautifulSoup

    titles = {}
    for path in make_pdf.toc_pages():
        h1 = BeautifulSoup((html / path).read_text(encoding="utf-8"), "html.parser").select_one("article h1")
        # without the chapter number, which print may set apart from the words
        words = " ".join(h1.get_text(" ", strip=True).replace("#", "").split())
        titles[path] = re.sub(r"^\d+\.\s*", "", words)
    return titles


def test_every_page_is_in_the_pdf_in_order(edition):
    titles = _html_titles(edition["html"])
    flat = " ".join(edition["text"].split())
    at = 0
    for path, title in titles.items():
        found = flat.find(title, at)
        assert found >= 0, f"{path}: title {title!r} not in the PDF after position {at}"
        at = found


def test_the_posts_equation_numbers_are_in_the_pdf(edition):
    numbers = set(re.findall(r"\((\d{1,2}[ab]?)\)", edition["text"]))
    wanted = {str(n) for n in range(1, 17)} | {"15a", "15b", "16a"}
    assert wanted <= numbers, sorted(wanted - numbers)


def test_the_pdf_has_every_numbered_figure_of_the_html(edition):
    from bs4 import BeautifulSoup

    in_html = set()
    for path in make_pdf.toc_pages():
        soup = BeautifulSoup((edition["html"] / path).read_text(encoding="utf-8"), "html.parser")
        in_html |= {" ".join(s.get_text().split()) for s in soup.select("figcaption .caption-number")}
    in_pdf = {f"Fig. {m}" for m in re.findall(r"Fig\. (\d+(?:\.\d+)?)", edition["text"])}
    print(f"{len(in_html)} numbered figures in the HTML, {len(in_pdf)} in the PDF")
    assert in_html and in_html <= in_pdf, sorted(in_html - in_pdf)


def test_solutions_are_open_folded_code_is_folded_and_the_bibliography_is_printed(edition):
    text = edition["text"]
    assert text.count("Solution to") >= 20, "the solutions are not open in the print edition"
    assert "Amari" in text and "Martens" in text and "Kunstner" in text
    # folded code prints as a line that says where it is, not as the code behind it or a button
    assert " ".join(text.split()).count(make_pdf.FOLDED) >= 50
    assert text.count("Show code cell source") == text.count("“Show code cell source”"), "a button on paper"
    assert "import natgrad_lib" not in text


def test_no_link_points_to_a_loopback_address_or_a_local_file(edition):
    kinds = {"internal": 0, "public URL": 0}
    for number, annot in _links(edition["reader"]):
        action = annot.get("/A")
        if "/Dest" in annot or (action is not None and action.get("/S") == "/GoTo"):
            kinds["internal"] += 1
            continue
        assert action is not None and action.get("/S") == "/URI", f"page {number}: {annot}"
        url = urlsplit(str(action["/URI"]))
        assert url.scheme in ("http", "https", "mailto"), f"page {number}: {url.geturl()}"
        assert url.hostname not in LOOPBACK, f"page {number}: {url.geturl()}"
        kinds["public URL"] += 1
    print(f"links: {kinds}")
    assert kinds["internal"] > 500


def test_every_link_into_the_book_lands_in_the_chapter_it_names(edition):
    """A link to ``chapter--place`` jumps to a page of that chapter; a chapter link to its first page."""
    reader = edition["reader"]
    names = _named_pages(reader)
    chapters = [e for part in edition["toc"] for e in part.entries if e.level == 1]
    starts = [names[e.target] for e in chapters] + [len(reader.pages) + 1]
    span = {e.target: (starts[i], starts[i + 1] - 1) for i, e in enumerate(chapters)}
    checked = 0
    for number, annot in _links(reader):
        if "/Dest" not in annot:
            continue
        name = str(annot["/Dest"]).lstrip("/")
        assert name in names, f"page {number}: a link to {name!r}, which the PDF does not define"
        if name.startswith("print-"):
            continue
        chapter = name.split("--")[0]
        first, last = span[chapter]
        assert first <= names[name] <= last, f"page {number}: {name} lands on page {names[name]}"
        if "--" not in name:
            assert names[name] == first
        checked += 1
    assert checked > 500
    # the citations go to the bibliography, the notation links to the notation page
    assert any(n.startswith("bibliography--") for n in names)


def _words_with_boxes(path: Path, first: int, last: int) -> list[list[tuple[float, float, float, float, str]]]:
    """Per page from ``first`` to ``last`` (1-based): (xMin, yMin, xMax, yMax, word), from ``pdftotext -bbox``."""
    out = _poppler("pdftotext", "-bbox", "-f", str(first), "-l", str(last), str(path), "-")
    pages = []
    for page in re.findall(r"<page .*?</page>", out, re.S):
        pages.append([(float(a), float(b), float(c), float(d), html_lib.unescape(w)) for a, b, c, d, w in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', page)])
    return pages


def _first_word(element) -> str | None:
    """The first word a reader sees in ``element``: a heading's number, an equation's tag, an author."""
    if not element.get_text(strip=True):
        element = element.find_next_sibling()  # a label just before what it labels
        if element is None:
            return None
    if element.name == "figure":
        return None  # its words (the caption) come after the picture
    if element.name in ("section", "article"):
        element = element.find(re.compile(r"^h[1-6]$")) or element
    elif "math" in element.get("class", []):
        element = element.find(class_="eqno") or element
    words = element.get_text(" ", strip=True).split()
    if not words or not re.fullmatch(r"[\w().,:;'’-]*[^\W_][\w().,:;'’-]*", words[0]):
        return None  # mathematics or a symbol first: pdftotext spells it otherwise
    return words[0]


def test_links_and_bookmarks_land_on_their_target_not_below_it(edition):
    """A named destination lies at most 4 pt above the first words of what it names, and above them.

    Checked for every destination whose element starts with a plain word: chapter and section
    headings (their number), equations (their tag), bibliography entries (the author), boxes.
    """
    import pikepdf
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(make_pdf.print_document(edition["html"])[0], "html.parser")
    reader = edition["reader"]
    pages = edition["boxes"]
    checked, wrong = 0, []
    with pikepdf.open(edition["path"]) as doc:
        index = {page.objgen: i for i, page in enumerate(doc.pages)}
        for name, dest in doc.Root.Dests.items():
            element = soup.find(id=name.lstrip("/"))
            word = _first_word(element) if element is not None else None
            if word is None:
                continue
            page = index[dest[0].objgen]
            top = float(doc.pages[page].mediabox[3]) - float(dest[3])  # from the top edge
            near = [w for w in pages[page] if w[4] == word and top - 4 <= w[1] <= top + 110]
            checked += 1
            if not near:
                wrong.append(f"{name} -> page {page + 1}, {top:.0f} pt from the top: no {word!r} just below")
    print(f"{checked} destinations checked")
    assert checked > 200 and not wrong, "\n".join(wrong[:20])


def test_bookmarks_nest_sections_in_chapters_and_the_contents_gives_their_pages(edition):
    marks = _bookmarks(edition["reader"])
    entries = [e for part in edition["toc"] for e in part.entries]
    assert [m[1] for m in marks[:2]] == ["Natural Gradient and Fisher", "Contents"]
    assert [(m[0], m[1]) for m in marks[2:]] == [(e.level - 1, make_pdf.bookmark_title(e.title)) for e in entries]
    assert all(m[2] is not None for m in marks), "a bookmark that goes nowhere"
    assert not any("\\" in m[1] for m in marks), "a bookmark shows TeX"
    # The contents, as printed: from its bookmark's page to the page before the first chapter.
    # Its page numbers are the words set flush against the right edge of the column, top to
    # bottom (a superscript in a title is not), above the foot of the page (the folio).
    first, last = marks[1][2], marks[2][2] - 1
    height = float(edition["reader"].pages[0].mediabox.height)
    printed = []
    for words in edition["boxes"][first - 1:last]:
        body = [w for w in words if w[3] < height - 40]
        edge = max(w[2] for w in body)
        printed += [int(w[4]) for w in sorted(body, key=lambda w: w[1]) if w[4].isdigit() and w[2] > edge - 1]
    assert printed == [m[2] for m in marks[2:]], "the contents' page numbers are the bookmarks' pages"
    # the titles in order, by their letters and digits outside mathematics (pdftotext takes a
    # superscript out of its line)
    letters = lambda text: re.sub(r"[\W_]", "", _words(text))  # noqa: E731
    contents = letters(" ".join(edition["pages"][first - 1:last]))
    at = 0
    for entry in entries:
        for piece in filter(None, map(letters, re.split(r"\\\(.*?\\\)", entry.title))):
            found = contents.find(piece, at)
            assert found >= 0, f"{entry.title!r} is not in the contents after position {at}"
            at = found + len(piece)
    print(f"{len(marks)} bookmarks; contents on pages {first}-{last}")


def test_every_page_carries_its_number_and_chapters_start_on_a_new_page(edition):
    reader = edition["reader"]
    height = float(reader.pages[0].mediabox.height)
    pages = edition["boxes"]
    for number, words in enumerate(pages[1:], start=2):
        # the folio: what is printed in the bottom margin (18 mm = 51 pt)
        foot = " ".join(w[4] for w in sorted(words, key=lambda w: w[0]) if w[1] > height - 51)
        assert foot == str(number), f"page {number} carries {foot!r} at its foot"
    for depth, title, page in _bookmarks(reader)[2:]:
        if depth == 0:
            opening = _words(" ".join(w[4] for w in sorted(pages[page - 1], key=lambda w: (round(w[1]), w[0]))))
            assert opening.startswith(_words(title)), f"{title!r} does not open page {page}: {opening[:80]!r}"


def test_the_pdf_is_small_tagged_titled_and_its_figures_are_sharp(edition):
    size = len(edition["pdf"])
    assert size <= MAX_BYTES, f"{size / 1e6:.2f} MB"
    info = _poppler("pdfinfo", str(edition["path"]))
    assert re.search(r"^Tagged:\s+yes$", info, re.M), info
    assert re.search(r"^Title:\s+Natural Gradient and Fisher$", info, re.M), info
    root = edition["reader"].trailer["/Root"]
    assert root["/Lang"] == "en" and "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    # the structure a screen reader walks: headings, and every figure with its alternative text
    import pikepdf

    kinds, bare = collections.Counter(), []
    with pikepdf.open(edition["path"]) as doc:
        todo = [doc.Root.StructTreeRoot.K]
        while todo:
            element = todo.pop()
            if isinstance(element, pikepdf.Array):
                todo.extend(element)
            elif isinstance(element, pikepdf.Dictionary) and "/S" in element:
                kinds[str(element.S)] += 1
                if element.S == "/Figure" and not str(element.get("/Alt", "")).strip():
                    bare.append(element.objgen)
                todo.append(element.get("/K"))
    print({k: kinds[k] for k in ("/H1", "/H2", "/H3", "/Figure", "/Caption", "/Table", "/Link")})
    assert kinds["/H1"] >= len(make_pdf.toc_pages()) and kinds["/H2"] > 100 and kinds["/Figure"] >= 50
    assert bare == [], f"{len(bare)} figures without alternative text"
    rows = _poppler("pdfimages", "-list", str(edition["path"])).splitlines()[2:]
    ppi = [(int(row.split()[0]), float(row.split()[12]), float(row.split()[13])) for row in rows]
    figures = len({p for p, _, _ in ppi})
    print(f"{len(ppi)} images on {figures} pages, {min(x for _, x, _ in ppi):.0f} ppi and finer")
    assert ppi and all(x >= 149.5 and y >= 149.5 for _, x, y in ppi), [r for r in ppi if min(r[1:]) < 149.5]
