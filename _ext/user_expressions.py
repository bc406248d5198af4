"""Numbers in the prose: the ``{eval}`` role, the same in JupyterLab and in the HTML book.

A chapter writes a computed number into its text as an inline expression::

    the two differ by at most {eval}`f"{worst_lib:.1e}"`.

**In JupyterLab** ``jupyterlab-myst`` evaluates the expressions of a markdown cell in the kernel
when the cell is run (Run All runs them in order), through the ``user_expressions`` field of a
Jupyter execute request, and shows the result in place of the role.

**In the HTML book** the same happens at build time. :func:`execute` runs a chapter top to
bottom and, at the place of every markdown cell, asks the kernel for the values of that cell's
expressions in exactly the same way. The values are stored with the
chapter's outputs in the build's execution cache (``data["user_expressions"]`` of its jupyter-cache
record), and the Sphinx side of this module renders the ``{eval}`` role from there. MyST-NB's own
``{eval}`` needs ``nb_execution_mode: inline``, which runs every chapter serially inside the build
and has no cache; this keeps the parallel pre-execution and the cache.

Values are keyed by *position*: the number ``k`` of code cells that ran before the expression was
evaluated, and the expression's text. Jupyter-cache recognises a chapter by its code alone, so
editing only the prose keeps a cached run valid; ``missing_expressions`` tells when the prose asks
for an expression the cached run did not evaluate, and the chapter is then run again.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient

# The MyST role: {eval}`expr`, with any number of backticks as the delimiter.
ROLE = re.compile(r"\{eval\}(`+)(.+?)\1", re.DOTALL)
DATA_KEY = "user_expressions"


def expressions_in(text: str) -> list[str]:
    """The expressions of the ``{eval}`` roles in a piece of MyST, in order, without repeats.

    Examples
    --------
    >>> expressions_in('a {eval}`f"{x:.2f}"` and {eval}`n` and {eval}`n`')
    ['f"{x:.2f}"', 'n']
    """
    found: list[str] = []
    for match in ROLE.finditer(text):
        expression = match.group(2).strip()
        if expression not in found:
            found.append(expression)
    return found


def position(cells, index: int) -> int:
    """The number of code cells above cell ``index``: those that have run when it is shown."""
    return sum(1 for cell in cells[:index] if cell.cell_type == "code")


def expressions_by_position(nb) -> dict[int, list[str]]:
    """Every ``{eval}`` expression of a notebook's markdown cells, grouped by :func:`position`."""
    wanted: dict[int, list[str]] = {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        for expression in expressions_in(cell.source):
            bucket = wanted.setdefault(position(nb.cells, index), [])
            if expression not in bucket:
                bucket.append(expression)
    return wanted


def missing_expressions(nb, values: dict | None) -> list[tuple[int, str]]:
    """The (position, expression) pairs of ``nb`` that ``values`` (as stored) has no result for."""
    values = values or {}
    return [(k, expression) for k, expressions in expressions_by_position(nb).items()
            for expression in expressions if expression not in values.get(str(k), {})]


class _ExpressionClient(NotebookClient):
    """An nbclient that also evaluates the chapter's inline expressions where they appear."""

    def __init__(self, nb, wanted: dict[int, list[str]], **kwargs):
        super().__init__(nb, **kwargs)
        self._wanted = wanted
        self.values: dict[str, dict[str, Any]] = {}
        self._code_cells_run = 0

    async def _evaluate(self, k: int) -> None:
        expressions = self._wanted.get(k)
        if not expressions:
            return
        # exactly the request jupyterlab-myst sends for a markdown cell
        msg_id = self.kc.execute("", silent=True, store_history=False, stop_on_error=False,
                                 user_expressions={str(i): e for i, e in enumerate(expressions)})
        reply = await self.async_wait_for_reply(msg_id)
        results = reply["content"].get("user_expressions", {})
        self.values[str(k)] = {e: results[str(i)] for i, e in enumerate(expressions)}

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        if cell_index == 0:
            await self._evaluate(0)
        result = await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        if cell.cell_type == "code":
            self._code_cells_run += 1
            await self._evaluate(self._code_cells_run)
        return result


@dataclass
class Run:
    """A chapter executed with its inline expressions."""

    nb: Any
    values: dict[str, dict[str, Any]]
    seconds: float


def execute(nb, cwd: str | Path, timeout: int = 120, allow_errors: bool = False,
            kernel_name: str = "python3") -> Run:
    """Execute ``nb`` in place in a fresh kernel and evaluate its ``{eval}`` expressions.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The chapter; its code cells receive their outputs.
    cwd : str or Path
        The kernel's working directory (the chapter's folder, as in the build).
    timeout : int
        Seconds allowed per cell.
    allow_errors : bool
        Go on after a cell raises (the book never does).
    kernel_name : str
        The Jupyter kernel to start.

    Returns
    -------
    Run
        The notebook, ``values[str(k)][expression]`` (the kernel's ``user_expressions`` result:
        ``{"status": "ok", "data": {...}, "metadata": {...}}`` or an error) and the time taken.

    Raises
    ------
    nbclient.exceptions.CellExecutionError
        If a cell raises and ``allow_errors`` is false.
    """
    if not any(cell.cell_type == "code" for cell in nb.cells) and not expressions_by_position(nb):
        return Run(nb, {}, 0.0)  # a page without code (the bibliography) needs no kernel
    # no timing in the cells' metadata: jupyter-cache hashes it, and the build would no longer
    # recognise the chapter
    client = _ExpressionClient(nb, expressions_by_position(nb), timeout=timeout,
                               allow_errors=allow_errors, kernel_name=kernel_name,
                               record_timing=False, resources={"metadata": {"path": str(cwd)}})
    start = time.perf_counter()
    client.execute()
    return Run(nb, client.values, time.perf_counter() - start)


def store(cache, uri: str, run: Run) -> None:
    """Put an executed chapter and its expression values into a jupyter-cache."""
    from jupyter_cache.base import CacheBundleIn

    data = {"execution_seconds": run.seconds, DATA_KEY: run.values}
    cache.cache_notebook_bundle(CacheBundleIn(run.nb, uri, data=data),
                                check_validity=False, overwrite=True)


def cached_values(cache, nb) -> dict | None:
    """The stored expression values of the cache's run of ``nb`` (None if it has no run)."""
    try:
        record = cache.match_cache_notebook(nb)
    except KeyError:
        return None
    return (record.data or {}).get(DATA_KEY, {})


# --------------------------------------------------------------------------------------------
# Sphinx: the {eval} role, rendered from the execution cache.

def _sphinx_setup(app):
    from docutils import nodes
    from jupyter_cache import get_cache
    from myst_nb.core.variables import VariableOutput, render_variable_outputs
    from myst_nb.ext.utils import RoleBase
    from sphinx.util import logging

    logger = logging.getLogger(__name__)

    def values_of(env, document):
        """The expression values of the document's chapter (run it here if the cache lacks them)."""
        memo = env.temp_data.setdefault("user_expressions", {})
        if env.docname in memo:
            return memo[env.docname]
        client = document["nb_renderer"].renderer.nb_client
        nb, path = client.notebook, client.path
        # MyST-NB's own resolution of the cache (by default _build/.jupyter_cache, where
        # tools/preexecute.py stores its runs); `nb_execution_cache_path` alone is empty then,
        # and the values were looked up in, and written to, a stray ./.jupyter_cache
        cache = get_cache(env.mystnb_config.execution_cache_path or ".jupyter_cache")
        values = cached_values(cache, nb)
        if path is not None and (values is None or missing_expressions(nb, values)):
            # `make book` evaluates the expressions in its parallel pre-execution
            # (tools/preexecute.py); a plain `jupyter-book build` ends up here instead.
            logger.info(f"evaluating the inline expressions of {env.docname}")
            fresh = nbformat.read(path, as_version=4)
            run = execute(fresh, path.parent, timeout=env.config.nb_execution_timeout)
            store(cache, str(path), run)
            values = run.values
        memo[env.docname] = values or {}
        return memo[env.docname]

    class EvalRole(RoleBase):
        """``{eval}`expr```: the value the kernel gave ``expr`` at this place of the chapter."""

        def run(self):
            document, self.env = self.document, self.document.settings.env
            if "nb_renderer" not in document:
                return self._fail("{eval} is only available in a notebook")
            client = document["nb_renderer"].renderer.nb_client
            cells = client.notebook.cells
            # MyST-NB numbers the lines of cell i from (i + 1) * 10000 in an .ipynb
            index = self.line // 10000 - 1
            if not 0 <= index < len(cells):
                return self._fail(f"cannot tell which cell {self.text!r} is in")
            k = str(position(cells, index))
            result = values_of(self.env, document).get(k, {}).get(self.text.strip())
            if result is None:
                return self._fail(f"{self.text!r} was not evaluated (position {k})")
            if result.get("status") != "ok":
                return self._fail(f"{self.text!r} raised {result.get('ename')}: "
                                  f"{result.get('evalue')}")
            output = VariableOutput(data=result.get("data", {}),
                                    metadata={**result.get("metadata", {}), "strip_text_quotes": True},
                                    nb_renderer=document["nb_renderer"], vtype="eval", index=0)
            return render_variable_outputs([output], document, self.line, self.source,
                                           inline=True), []

        def _fail(self, message):
            logger.warning(f"inline expression: {message}", location=(self.env.docname, self.line),
                           type="user_expressions")
            return [nodes.literal(self.text, self.text)], []

    def register(app_):
        # after MyST-NB, whose own {eval} needs a kernel during the build
        app_.add_role("eval", EvalRole(), override=True)

    app.connect("builder-inited", register)


def setup(app):
    _sphinx_setup(app)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
