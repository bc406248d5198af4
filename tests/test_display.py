"""``natgrad_lib.display``: what a chapter shows is what the reader sees (parsed as the book parses it)."""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt

from natgrad_lib.display import markdown_table


def _cells(markdown: str) -> list[list[str]]:
    """The table's rows as cell texts, as a GFM table parser (markdown-it, which MyST uses) reads them."""
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    rows, row = [], None
    for token in tokens:
        if token.type == "tr_open":
            row = []
        elif token.type == "inline" and row is not None:
            row.append(token.content)
        elif token.type == "tr_close":
            rows.append(row)
            row = None
    return rows


def test_a_pipe_inside_a_cell_stays_in_its_cell():
    table = markdown_table(["chart", "KL(p || q)"], [["`a|b`", "$|x|$"], ["mean_std", 0.5]])
    assert _cells(table.data) == [["chart", "KL(p || q)"], ["`a|b`", "$|x|$"], ["mean_std", "0.5"]]


def test_a_row_of_the_wrong_length_is_refused():
    with pytest.raises(ValueError, match=r"rows\[1\] has 1 cells, header has 2"):
        markdown_table(["a", "b"], [[1, 2], [3]])
