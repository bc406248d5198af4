"""The numbers in the prose: ``_ext/user_expressions.py`` evaluates each ``{eval}`` where it stands.

The HTML book must show what JupyterLab shows after Run All: the value an expression has at
its place in the chapter, not at the end. These tests run tiny notebooks in a real kernel.
"""

from __future__ import annotations

import nbformat
import pytest
import user_expressions  # _ext/, on the path through conftest.py
from jupyter_cache import get_cache
from nbclient.exceptions import CellExecutionError

md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell


def notebook(*cells):
    nb = nbformat.v4.new_notebook(cells=list(cells))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def text(result):
    assert result["status"] == "ok", result
    return result["data"]["text/plain"]


def test_roles_are_found_in_order_without_repeats():
    found = user_expressions.expressions_in(
        'a {eval}`x` b {eval}``f"{y:`>3}"`` c {eval}`x` and {glue:text}`z` and `{eval}` alone')
    assert found == ["x", 'f"{y:`>3}"']


def test_positions_count_the_code_cells_above():
    nb = notebook(md("{eval}`1`"), code("x = 1"), md("{eval}`x`"), code("x = 2"), code("pass"),
                  md("{eval}`x + 1` and {eval}`x`"), md("{eval}`x`"))
    assert user_expressions.expressions_by_position(nb) == {0: ["1"], 1: ["x"], 3: ["x + 1", "x"]}
    assert [user_expressions.position(nb.cells, i) for i in range(len(nb.cells))] == [0, 0, 1, 1, 2, 3, 3]


def test_each_value_is_the_one_at_its_place(tmp_path):
    """A variable reassigned later shows its value at the place of the role, as in JupyterLab."""
    nb = notebook(md("{eval}`1 + 1`"), code("x = 1"), md("x is {eval}`x`, formatted {eval}`f'{x:.2f}'`"),
                  code("x = 2"), code("import math"), md("now {eval}`x` and {eval}`'text'`"))
    run = user_expressions.execute(nb, tmp_path)
    values = {k: {e: text(r) for e, r in v.items()} for k, v in run.values.items()}
    assert values == {"0": {"1 + 1": "2"}, "1": {"x": "1", "f'{x:.2f}'": "'1.00'"},
                      "3": {"x": "2", "'text'": "'text'"}}
    assert [c.execution_count for c in nb.cells if c.cell_type == "code"] == [1, 2, 3]
    assert not user_expressions.missing_expressions(nb, run.values)


def test_an_expression_that_raises_is_recorded_as_an_error(tmp_path):
    nb = notebook(code("x = 1"), md("{eval}`undefined_name` and {eval}`1 / 0`"))
    run = user_expressions.execute(nb, tmp_path)
    results = run.values["1"]
    assert results["undefined_name"]["status"] == "error"
    assert results["undefined_name"]["ename"] == "NameError"
    assert results["1 / 0"]["ename"] == "ZeroDivisionError"


def test_a_failing_cell_raises(tmp_path):
    with pytest.raises(CellExecutionError, match="ValueError"):
        user_expressions.execute(notebook(code("raise ValueError('boom')"), md("{eval}`1`")), tmp_path)


def test_an_edit_of_the_prose_alone_asks_for_a_new_run(tmp_path):
    """Jupyter-cache recognises a chapter by its code, so a new expression must be noticed."""
    nb = notebook(code("x = 3"), md("{eval}`x`"))
    run = user_expressions.execute(nb, tmp_path)
    cache = get_cache(str(tmp_path / "cache"))
    path = tmp_path / "chapter.ipynb"
    nbformat.write(notebook(code("x = 3"), md("{eval}`x`")), path)
    cache.add_nb_to_project(str(path))
    user_expressions.store(cache, str(path), run)

    same_code = notebook(code("x = 3"), md("{eval}`x` and {eval}`x * 2`"))
    stored = user_expressions.cached_values(cache, same_code)
    assert stored is not None, "the prose-only edit should still match the cached run"
    assert user_expressions.missing_expressions(same_code, stored) == [(1, "x * 2")]
    assert user_expressions.cached_values(cache, notebook(code("x = 4"))) is None
