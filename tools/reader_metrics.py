"""How a chapter reads: code on show, prose before the first picture, and pictures per word.

Measures each chapter page of the built HTML book (with its notebook for the cells the page
leaves out) and prints one row per chapter:

* **code lines**: non-blank lines of the notebook's code cells, and how many of them the page
  shows openly (not folded behind "Show code cell source", not removed);
* **prose words**: words of the page outside code, outputs, maths, collapsed solutions and tabs;
* **words before the first figure**, **figures** (numbered figures and animation tabs) and
  **words per figure**;
* **longest markdown cell**, in words of prose.

    python tools/reader_metrics.py [_build/html]

``tests/test_reader_metrics.py`` asserts the targets: visible code at most 35 % of all code
lines, a figure before 300 words of prose, no markdown cell over 400 words, at least one figure
per 700 words.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
from bs4 import BeautifulSoup

sys.path.insert(0, str(Path(__file__).resolve().parent))
from booktoc import toc_files  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
HIDDEN_TAGS = {"hide-input", "remove-input", "remove-cell"}
# What is not prose on a page: code and its outputs, maths, folded solutions, tabs.
NOT_PROSE = ("div.cell, div.math, span.math, div.solution, .sd-tab-set, "
             "div.highlight, pre, script, style, .headerlink")
WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’.,%-]*")


@dataclass
class Metrics:
    chapter: str
    code_lines: int
    visible_code_lines: int
    prose_words: int
    words_before_first_figure: int
    figures: int
    longest_markdown_cell: int

    @property
    def words_per_figure(self) -> float:
        return self.prose_words / self.figures if self.figures else float("inf")


def _words(text: str) -> int:
    return len(WORD.findall(text))


def markdown_prose_words(source: str) -> int:
    """Words of prose in one markdown cell: without maths, code, directive options and solutions."""
    text = re.sub(r"(`{3,}|:{3,})\{solution[^}]*\}.*?\n\1", " ", source, flags=re.S)
    text = re.sub(r"```\{math\}.*?```", " ", text, flags=re.S)
    text = re.sub(r"\$\$.*?\$\$", " ", text, flags=re.S)
    text = re.sub(r"\$[^$\n]+\$", " ", text)
    text = re.sub(r"\{eval\}`[^`]*`", " 0 ", text)  # a number
    text = re.sub(r"\{[\w:-]+\}`[^`]*`", " ref ", text)
    text = re.sub(r"`[^`\n]*`", " code ", text)
    text = re.sub(r"^\s*(:[\w-]+:.*|`{3,}.*|:{3,}.*|%.*)$", " ", text, flags=re.M)
    text = re.sub(r"\]\([^)]*\)", "]", text)  # a link's target is not read
    return _words(text)


def measure(html: Path, chapter: str, root: Path = ROOT) -> Metrics:
    """The metrics of one chapter (``chapters/<name>``) of the book built into ``html``."""
    nb = nbformat.read(root / f"{chapter}.ipynb", as_version=4)
    code_lines = sum(len([line for line in cell.source.splitlines() if line.strip()])
                     for cell in nb.cells if cell.cell_type == "code")
    article = BeautifulSoup((html / f"{chapter}.html").read_text(encoding="utf-8"),
                            "html.parser").find("article")
    visible = 0
    for block in article.select("div.cell_input"):
        if block.find_parent("details") is None:
            visible += len([line for line in block.get_text().splitlines() if line.strip()])
    figures = len(article.select("figure, .natgrad-live")) + len(article.select(".sd-tab-content"))
    # prose: strip what is not prose, then count words in document order up to the first figure
    first = article.select_one("figure, .natgrad-live, .sd-tab-set")
    marker = "\u2063FIRST-FIGURE\u2063"
    if first is not None:  # before the figure's code cell, which is not prose
        (first.find_parent("div", class_="cell") or first).insert_before(marker)
    for element in article.select(NOT_PROSE):
        element.decompose()
    text = article.get_text(" ")
    before, _, _ = text.partition(marker)
    longest = max((markdown_prose_words(cell.source) for cell in nb.cells
                   if cell.cell_type == "markdown"
                   and "remove-cell" not in cell.metadata.get("tags", [])), default=0)
    return Metrics(chapter, code_lines, visible, _words(text.replace(marker, " ")),
                   _words(before) if first is not None else _words(text), figures, longest)


def chapters(root: Path = ROOT) -> list[str]:
    """The notebook chapters of ``_toc.yml``, in reading order.

    A notebook without code is a reference page, not a chapter: the bibliography, a list that
    ``tools/bibliography.py`` writes from ``references.bib``, has no figure, opening or summary.
    """
    import nbformat

    def has_code(path: Path) -> bool:
        return any(cell.cell_type == "code" for cell in nbformat.read(path, as_version=4).cells)

    return [name for name in toc_files(root)
            if (root / f"{name}.ipynb").exists() and has_code(root / f"{name}.ipynb")]


def table(rows: list[Metrics]) -> str:
    lines = [f"{'chapter':<28}{'code':>6}{'shown':>7}{'%':>5}{'prose':>7}{'before fig':>11}"
             f"{'figs':>6}{'words/fig':>10}{'longest cell':>13}"]
    for m in rows:
        share = 100 * m.visible_code_lines / m.code_lines if m.code_lines else 0
        lines.append(f"{m.chapter.split('/')[-1]:<28}{m.code_lines:>6}{m.visible_code_lines:>7}"
                     f"{share:>5.0f}{m.prose_words:>7}{m.words_before_first_figure:>11}"
                     f"{m.figures:>6}{m.words_per_figure:>10.0f}{m.longest_markdown_cell:>13}")
    code = sum(m.code_lines for m in rows)
    shown = sum(m.visible_code_lines for m in rows)
    lines.append(f"{'book':<28}{code:>6}{shown:>7}{100 * shown / code:>5.0f}"
                 f"{sum(m.prose_words for m in rows):>7}{'':>11}{sum(m.figures for m in rows):>6}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    html = Path(argv[1]) if len(argv) > 1 else ROOT / "_build" / "html"
    print(table([measure(html, chapter) for chapter in chapters()]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
