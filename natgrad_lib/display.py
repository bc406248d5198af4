r"""Small display helpers for the chapters: Markdown tables, SymPy results as LaTeX, and tabs."""

from __future__ import annotations

import html
import re

from IPython.display import HTML, Markdown, Math


def markdown_table(header, rows) -> Markdown:
    """A Markdown table for display in a notebook (rendered as a table by the book too).

    Parameters
    ----------
    header : sequence of str
        Column titles.
    rows : sequence of sequence
        One sequence per row, as many cells as ``header``; cells are formatted with ``str``.

    Returns
    -------
    IPython.display.Markdown

    Raises
    ------
    ValueError
        If a row does not have as many cells as ``header``.

    Examples
    --------
    >>> print(markdown_table(["a", "b"], [[1, 2]]).data)
    | a | b |
    |---|---|
    | 1 | 2 |
    """
    header = list(header)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for index, row in enumerate(rows):
        row = list(row)
        if len(row) != len(header):
            raise ValueError(f"rows[{index}] has {len(row)} cells, header has {len(header)}")
        lines.append("| " + " | ".join(map(str, row)) + " |")
    return Markdown("\n".join(lines))


def show_math(expr, lhs: str | None = None, symbol_names=None) -> Math:
    r"""A SymPy expression as display math, optionally as ``lhs = expr``.

    The result is LaTeX (``text/latex``), which JupyterLab typesets as it is. As Markdown with
    ``$$`` it would be numbered "(1)", "(2)" ... by the MyST renderer of JupyterLab, beside the
    post's own equation numbers.

    Parameters
    ----------
    expr : sympy.Basic or sympy.MatrixBase
        What to show.
    lhs : str, optional
        LaTeX for the left-hand side.
    symbol_names : dict, optional
        ``{Symbol: latex}`` overrides, e.g. to print ``mu'`` as :math:`\mu'`.

    Returns
    -------
    IPython.display.Math

    Examples
    --------
    >>> import sympy as sp
    >>> show_math(sp.Symbol("x") ** 2, lhs="f(x)")._repr_latex_()
    '$\\displaystyle f(x) = x^{2}$'
    """
    import sympy as sp  # only the symbolic chapters pay for the import

    body = sp.latex(expr, symbol_names=symbol_names or {})
    return Math(f"{lhs} = {body}" if lhs else body)


# Tabs made of radio buttons and CSS alone: they need no script, no kernel and no theme, so the
# same output works in JupyterLab and in the static HTML book. A label that is styled as a tab
# follows each (visually hidden, still focusable) radio button; the panel after a checked button
# is shown. Flex ordering puts every label in the first row and the panels below them.
_TABS_CSS = """
.ng-tabs { display: flex; flex-wrap: wrap; margin: 0.5em 0; }
.ng-tabs > input { position: absolute; opacity: 0; width: 1px; height: 1px; }
.ng-tabs > label { order: 0; padding: 0.35em 0.9em; cursor: pointer; border-bottom: 2px solid #ccc; }
.ng-tabs > input:checked + label { border-bottom-color: #0072B2; font-weight: 600; }
.ng-tabs > input:focus-visible + label { outline: 2px solid #0072B2; outline-offset: 2px; }
.ng-tabs > .ng-tab-panel { order: 1; width: 100%; display: none; padding-top: 0.5em; }
.ng-tabs > input:checked + label + .ng-tab-panel { display: block; }
"""


def tabs(panels, group: str) -> HTML:
    """Tabs over pieces of HTML, one shown at a time, working without a kernel or a script.

    Parameters
    ----------
    panels : mapping of str to str
        Tab title (plain text) to the HTML shown under it, in order; the first tab is open.
    group : str
        A name unique on the page (letters, digits, ``-`` and ``_``); the tabs' ids derive from it.

    Returns
    -------
    IPython.display.HTML

    Raises
    ------
    ValueError
        If ``panels`` is empty or ``group`` is not a valid name.

    Examples
    --------
    >>> page = tabs({"one": "<p>1</p>", "two": "<p>2</p>"}, "demo").data
    >>> page.count('class="ng-tab-panel"'), 'id="demo-0" checked' in page
    (2, True)
    """
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", str(group)):
        raise ValueError(f"group must be letters, digits, '-' or '_', starting with a letter; got {group!r}")
    if not panels:
        raise ValueError("panels must hold at least one tab")
    parts = [f'<div class="ng-tabs" id="{group}"><style>{_TABS_CSS}</style>']
    for index, (title, body) in enumerate(panels.items()):
        checked = " checked" if index == 0 else ""
        parts.append(f'<input type="radio" name="{group}" id="{group}-{index}"{checked}>'
                     f'<label for="{group}-{index}">{html.escape(str(title))}</label>'
                     f'<div class="ng-tab-panel">{body}</div>')
    parts.append("</div>")
    return HTML("".join(parts))
