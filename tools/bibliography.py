"""The bibliography and the citation labels, written from ``references.bib``.

A chapter cites a work with a Markdown link into the bibliography notebook whose text is the
work's author-year label::

    the Fisher information ([Amari, 1998](bibliography.ipynb#amari1998natural))

JupyterLab (jupyterlab-myst) cannot read a ``.bib`` file, so a ``{cite}`` role shows its key
there, marked "Citation Not Found"; a link reads the same in both front ends and opens the
bibliography in both (``_ext/chapter_links.py`` makes the HTML link land on the entry).

The label is the surname of a single author, "Amari, 1998"; of two, "Martens and Grosse, 2015";
of three or more, the first followed by "et al.", "Schulman et al., 2015". Two works with the same
label and year get "a", "b" after the year, in the order of the bibliography.

The bibliography notebook ``chapters/bibliography.ipynb`` holds the list as one markdown cell
(id ``bibliography-list``): every entry is a paragraph preceded by its key as a MyST target,
``(amari1998natural)=``, formatted as the HTML book formatted it with sphinxcontrib-bibtex
(pybtex's ``unsrt`` style: authors, title, venue, year), sorted by the authors' surnames, then
year and title. ``references.bib`` stays the single source: this tool writes the cell, and
``tests/test_citations.py`` checks that the notebook holds what it writes.

    python tools/bibliography.py            # rewrite the list in chapters/bibliography.ipynb
    python tools/bibliography.py --check    # exit 1 if it differs from references.bib
    python tools/bibliography.py --cite amari1998natural   # print the Markdown that cites it

pybtex is installed with sphinxcontrib-bibtex, which Jupyter Book requires.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIB = ROOT / "references.bib"
NOTEBOOK = ROOT / "chapters" / "bibliography.ipynb"
LIST_CELL_ID = "bibliography-list"
HEADER = "% Written from references.bib by tools/bibliography.py: edit the .bib file, not this list."

# a citation in the chapters: [label](bibliography.ipynb#key)
CITATION = re.compile(r"\[([^\[\]]+)\]\(bibliography\.ipynb#([A-Za-z0-9_-]+)\)")
# characters that would start Markdown or MyST markup inside an entry
_MARKUP = re.compile(r"([\\`*_\[\]<>$|])")


@dataclasses.dataclass(frozen=True)
class Entry:
    key: str
    label: str
    markdown: str


def _plain(latex: str) -> str:
    from pybtex.richtext import Text

    return Text.from_latex(latex).render_as("text")


def _surnames(person) -> str:
    return _plain(" ".join(person.prelast_names + person.last_names))


def _folded(text: str) -> str:
    """``text`` without accents, case-folded: Čencov sorts with the Cs."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


def _people(entry):
    return entry.persons.get("author") or entry.persons.get("editor") or []


def _names_label(entry) -> str:
    surnames = [_surnames(p) for p in _people(entry)]
    if len(surnames) == 1:
        return surnames[0]
    if len(surnames) == 2:
        return f"{surnames[0]} and {surnames[1]}"
    return f"{surnames[0]} et al."


def _to_markdown(text) -> str:
    """pybtex rich text as MyST Markdown that both front ends render the same way."""
    from pybtex.richtext import BaseMultipartText, HRef, Protected, String, Symbol, Tag

    symbols = {"ndash": "–", "newblock": " ", "nbsp": " "}
    out, parts, i = [], list(text.parts), 0
    while i < len(parts):
        part = parts[i]
        if isinstance(part, String):
            value = part.value
            # sphinxcontrib-bibtex turns "\url" and the protected text after it into a link
            if value.endswith("\\url ") and i + 1 < len(parts):
                out.append(_MARKUP.sub(r"\\\1", value[:-len("\\url ")]))
                out.append(f"<{parts[i + 1].render_as('text')}>")
                i += 2
                continue
            out.append(_MARKUP.sub(r"\\\1", value))
        elif isinstance(part, str):
            out.append(_MARKUP.sub(r"\\\1", part))
        elif isinstance(part, Symbol):
            out.append(symbols[part.name])
        elif isinstance(part, Tag):
            marker = {"em": "*", "i": "*", "b": "**", "strong": "**"}[part.name]
            out.append(f"{marker}{_to_markdown(part)}{marker}")
        elif isinstance(part, HRef):
            out.append(f"[{_to_markdown(part)}]({part.url})")
        elif isinstance(part, (Protected, BaseMultipartText)):
            out.append(_to_markdown(part))
        else:
            raise TypeError(f"unexpected pybtex rich text {part!r}")
        i += 1
    return "".join(out)


def entries(bib: Path = BIB) -> list[Entry]:
    """Every work of ``bib``, in the bibliography's order, with its label and its entry."""
    from pybtex.database import parse_file
    from pybtex.plugin import find_plugin

    data = parse_file(str(bib))
    style = find_plugin("pybtex.style.formatting", "unsrt")()

    def order(item):
        key, entry = item
        return ([_folded(_surnames(p)) for p in _people(entry)], entry.fields.get("year", ""),
                _folded(_plain(entry.fields.get("title", ""))), key)

    works = sorted(data.entries.items(), key=order)
    labels = {key: f"{_names_label(entry)}, {entry.fields['year']}" for key, entry in works}
    for label in set(labels.values()):
        same = [key for key, _ in works if labels[key] == label]
        if len(same) > 1:  # "Martens, 2015a", "Martens, 2015b"
            for letter, key in zip("abcdefghijklmnopqrstuvwxyz", same):
                labels[key] = f"{label}{letter}"
    formatted = {entry.key: entry.text for entry in style.format_entries(data.entries.values())}
    return [Entry(key, labels[key], _to_markdown(formatted[key])) for key, _ in works]


def labels(bib: Path = BIB) -> dict[str, str]:
    """``{key: label}``, e.g. ``{"amari1998natural": "Amari, 1998"}``."""
    return {entry.key: entry.label for entry in entries(bib)}


def link(key: str, bib: Path = BIB) -> str:
    """The Markdown that cites ``key`` in a chapter."""
    return f"[{labels(bib)[key]}](bibliography.ipynb#{key})"


def list_markdown(bib: Path = BIB) -> str:
    """The source of the bibliography notebook's list cell."""
    blocks = [f"({entry.key})=\n{entry.markdown}" for entry in entries(bib)]
    return "\n\n".join([HEADER, *blocks])


def _list_cell(nb):
    cells = [cell for cell in nb.cells if cell.get("id") == LIST_CELL_ID]
    if len(cells) != 1:
        raise SystemExit(f"{NOTEBOOK.relative_to(ROOT)} needs exactly one markdown cell with id {LIST_CELL_ID!r}")
    return cells[0]


def main(argv=None) -> int:
    import nbformat

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report, do not rewrite")
    parser.add_argument("--cite", metavar="KEY", help="print the Markdown that cites KEY, and nothing else")
    args = parser.parse_args(argv)
    if args.cite:
        print(link(args.cite))
        return 0
    nb = nbformat.read(NOTEBOOK, as_version=4)
    cell, wanted = _list_cell(nb), list_markdown()
    if cell.source == wanted:
        return 0
    if args.check:
        print(f"{NOTEBOOK.relative_to(ROOT)} does not list references.bib; run `python tools/bibliography.py`")
        return 1
    cell.source = wanted
    nbformat.write(nb, NOTEBOOK)
    sys.path.insert(0, str(ROOT / "tools"))
    import nbnormalise

    NOTEBOOK.write_text(nbnormalise.normalised_text(NOTEBOOK.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
