"""Citations: links with author-year labels into the bibliography, written from references.bib.

A chapter cites a work as ``[Amari, 1998](bibliography.ipynb#amari1998natural)``: JupyterLab
cannot read a ``.bib`` file (a ``{cite}`` role shows its key there, "Citation Not Found"), so the
label is written in the source and checked here against ``references.bib``, through
``tools/bibliography.py``, which also writes the bibliography notebook's list. In the HTML every
such link must land on its entry (``_ext/chapter_links.py``); ``tests/test_lab.py`` checks what
JupyterLab shows.
"""

from __future__ import annotations

import importlib.util
import pathlib
import re
import sys
import textwrap

import nbformat
import pytest
from test_notebooks import toc_documents

ROOT = pathlib.Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("bibliography", ROOT / "tools" / "bibliography.py")
bibliography = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("bibliography", bibliography)  # its dataclass looks itself up there
_spec.loader.exec_module(bibliography)

DOCUMENTS = toc_documents()
LINK_INTO_BIBLIOGRAPHY = re.compile(r"\]\(bibliography\.ipynb#([^)]*)\)")


def _markdown(path: pathlib.Path) -> list[str]:
    """The Markdown a reader sees of a page: its markdown cells, or the whole ``.md`` file."""
    if path.suffix == ".md":
        return [path.read_text(encoding="utf-8")]
    return [cell.source for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "markdown"]


def citations(path: pathlib.Path) -> list[tuple[str, str]]:
    """(label, key) of every citation of a page, in reading order."""
    return [(m.group(1), m.group(2)) for text in _markdown(path) for m in bibliography.CITATION.finditer(text)]


@pytest.fixture(scope="module")
def labels():
    return bibliography.labels()


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_no_cite_role_remains(path):
    """A ``{cite}`` role would show "Citation Not Found" in JupyterLab (and is an error in the build)."""
    for text in _markdown(path):
        assert "{cite" not in text and "{bibliography}" not in text, f"{path.name} still uses sphinxcontrib-bibtex"


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_every_citation_shows_the_label_of_its_key(path, labels):
    found = citations(path)
    links = [m.group(1) for text in _markdown(path) for m in LINK_INTO_BIBLIOGRAPHY.finditer(text)]
    assert len(links) == len(found), f"{path.name}: a link into the bibliography is not [label](bibliography.ipynb#key)"
    for label, key in found:
        assert key in labels, f"{path.name}: {key!r} is not in references.bib"
        assert label == labels[key], f"{path.name}: [{label}] cites {key}, whose label is {labels[key]!r}"


def test_every_work_in_references_bib_is_cited(labels):
    cited = {key for path in DOCUMENTS for _, key in citations(path)}
    assert cited == set(labels), f"never cited: {sorted(set(labels) - cited)}"
    print(f"{sum(len(citations(p)) for p in DOCUMENTS)} citations of {len(labels)} works")


def test_the_bibliography_notebook_lists_references_bib():
    """The notebook's list is what the tool writes from the .bib file, one target per entry."""
    nb = nbformat.read(bibliography.NOTEBOOK, as_version=4)
    cell = next(c for c in nb.cells if c.get("id") == bibliography.LIST_CELL_ID)
    assert cell.source == bibliography.list_markdown(), "run `python tools/bibliography.py`"
    targets = re.findall(r"^\((\w+)\)=$", cell.source, re.M)
    assert targets == [entry.key for entry in bibliography.entries()]
    assert bibliography.main(["--check"]) == 0


def test_labels_follow_the_author_year_rule(tmp_path):
    bib = tmp_path / "refs.bib"
    bib.write_text(textwrap.dedent(r"""
        @article{one, author = {Amari, Shun-ichi}, title = {One}, journal = {J}, year = {1998}}
        @article{two, author = {Martens, James and Grosse, Roger}, title = {Two}, journal = {J}, year = {2015}}
        @article{three, author = {Schulman, John and Levine, Sergey and Abbeel, Pieter}, title = {Three},
                 journal = {J}, year = {2015}}
        @article{accent, author = {{\v{C}}encov, N. N.}, title = {Accent}, journal = {J}, year = {1982}}
        @article{sameb, author = {Doe, Jane}, title = {Beta}, journal = {J}, year = {2001}}
        @article{samea, author = {Doe, Jane}, title = {Alpha}, journal = {J}, year = {2001}}
    """))
    assert bibliography.labels(bib) == {
        "one": "Amari, 1998", "two": "Martens and Grosse, 2015", "three": "Schulman et al., 2015",
        "accent": "Čencov, 1982", "samea": "Doe, 2001a", "sameb": "Doe, 2001b"}
    # sorted by surname without accents, then year and title
    assert [e.key for e in bibliography.entries(bib)] == ["one", "accent", "samea", "sameb", "two", "three"]
    assert bibliography.link("two", bib) == "[Martens and Grosse, 2015](bibliography.ipynb#two)"


def test_entries_are_plain_myst():
    """Each entry is one paragraph of ordinary Markdown: no raw LaTeX, and links as Markdown links."""
    for entry in bibliography.entries():
        assert "\n" not in entry.markdown and "\\url" not in entry.markdown, entry
        assert not re.search(r"[{}]|\\[a-z]", entry.markdown), entry
        assert entry.markdown.endswith("."), entry


# ------------------------------------------------------------------------------------------
# The built HTML.

def _soup(html_file: pathlib.Path):
    from bs4 import BeautifulSoup

    return BeautifulSoup(html_file.read_text(encoding="utf-8"), "html.parser")


def test_every_citation_lands_on_its_entry_in_the_html(built_book, labels):
    _, html = built_book
    entries = _soup(html / "chapters" / "bibliography.html").find("article")
    checked = 0
    for path in DOCUMENTS:
        page = html / path.relative_to(ROOT).with_suffix(".html")
        article = _soup(page).find("article")
        links = article.select("a.citation-link")
        wanted = citations(path)
        assert [(" ".join(a.get_text().split()), a["href"]) for a in links] == [
            (label, f"bibliography.html#{key}") for label, key in wanted], page.name
        for link, (_, key) in zip(links, wanted):
            entry = entries.find(id=key)
            assert entry is not None, f"{page.name}: no element with id {key!r} in bibliography.html"
            assert link["title"] == " ".join(entry.get_text().split()), "the tooltip is the entry"
            surname = labels[key].split(",")[0].split(" ")[0]
            assert surname in entry.get_text(), (key, entry.get_text())
            checked += 1
        assert "{cite}" not in article.get_text() and not article.select(".bibtex-citation")
    assert checked >= 60, f"only {checked} citations in the HTML"


def test_the_html_bibliography_lists_every_entry_in_order(built_book):
    _, html = built_book
    article = _soup(html / "chapters" / "bibliography.html").find("article")
    ids = [p.get("id") for p in article.select("p[id]")]
    assert ids == [entry.key for entry in bibliography.entries()]
    assert "Written from references.bib" not in article.get_text(), "the comment line is shown"
