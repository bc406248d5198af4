"""The book reads picture first: targets measured on the built pages by tools/reader_metrics.py.

For every chapter: a figure before 300 words of prose, no markdown cell over 400 words of prose,
at least one figure per 700 words, an opening list of what the chapter teaches and a closing
summary. Book-wide, at most 35 % of the code lines are on show; the rest (imports, plumbing,
checks) is folded behind "Show code cell source" and still runs. The table of all the figures is
printed (``pytest -s``) so a reviewer sees the margins, not only a pass.
"""

from __future__ import annotations

import importlib.util
import pathlib
import re
import sys

import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("reader_metrics", ROOT / "tools" / "reader_metrics.py")
reader_metrics = importlib.util.module_from_spec(_spec)
sys.modules["reader_metrics"] = reader_metrics  # its dataclass looks itself up there
_spec.loader.exec_module(reader_metrics)

CHAPTERS = reader_metrics.chapters(ROOT)
MAX_WORDS_BEFORE_FIGURE = 300
MAX_WORDS_PER_CELL = 400
MAX_WORDS_PER_FIGURE = 700
MAX_VISIBLE_CODE = 0.35


@pytest.fixture(scope="module")
def metrics(built_book):
    _, html = built_book
    rows = [reader_metrics.measure(html, chapter) for chapter in CHAPTERS]
    print("\n" + reader_metrics.table(rows))
    return {row.chapter: row for row in rows}


def test_every_chapter_notebook_is_measured():
    assert len(CHAPTERS) >= 12 and all(c.startswith("chapters/") for c in CHAPTERS), CHAPTERS


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_a_figure_comes_early_and_often(metrics, chapter):
    row = metrics[chapter]
    assert row.figures >= 1, "no figure"
    assert row.words_before_first_figure < MAX_WORDS_BEFORE_FIGURE, row
    assert row.words_per_figure <= MAX_WORDS_PER_FIGURE, row


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_no_wall_of_text(metrics, chapter):
    assert metrics[chapter].longest_markdown_cell <= MAX_WORDS_PER_CELL, metrics[chapter]


def test_most_code_is_folded(metrics):
    code = sum(row.code_lines for row in metrics.values())
    shown = sum(row.visible_code_lines for row in metrics.values())
    assert shown / code <= MAX_VISIBLE_CODE, f"{shown} of {code} code lines on show"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_opens_with_what_it_teaches_and_ends_with_a_summary(chapter):
    cells = [cell for cell in nbformat.read(ROOT / f"{chapter}.ipynb", as_version=4).cells
             if "remove-cell" not in cell.metadata.get("tags", [])]
    opening = cells[0].source
    assert opening.startswith("# "), "the first cell is the title"
    intro = re.search(r"In this chapter you will (?:learn|find):\n\n((?:- .+\n?(?:  .+\n?)*)+)", opening)
    assert intro, "no 'In this chapter you will learn:' list in the opening cell"
    bullets = re.findall(r"^- ", intro.group(1), flags=re.M)
    assert 2 <= len(bullets) <= 4, f"{len(bullets)} bullets"
    last = cells[-1]
    assert last.cell_type == "markdown" and last.source.startswith("## Summary\n"), last.source[:80]
    assert len(re.findall(r"^[-*] ", last.source, flags=re.M)) >= 2, "a summary of at least two points"


def test_prose_words_leave_out_maths_code_and_solutions():
    cell = ("Two words $x + y = z$ and `code here` and\n\n$$a = b$$\n\n"
            "```{math}\n:label: eq\nF = 1\n```\n\n"
            "````{solution} ex\n:class: dropdown\nmany many words here\n````\n"
            "then {eval}`value` and [a link](other.ipynb#target).")
    # Two, words, and, code, and, then, 0 (the value), and, a, link
    assert reader_metrics.markdown_prose_words(cell) == 10
