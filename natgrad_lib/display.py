r"""Small display helpers for the chapters: Markdown tables and SymPy results as LaTeX."""

from __future__ import annotations

from IPython.display import Markdown, Math


def markdown_table(header, rows) -> Markdown:
    """A Markdown table for display in a notebook (rendered as a table by the book too).

    Parameters
    ----------
    header : sequence of str
        Column titles.
    rows : sequence of sequence
        One sequence per row, as many cells as ``header``; cells are formatted with ``str``,
        and a ``|`` in a cell is escaped (``\\|``) so that it stays inside its cell.

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

    def line(cells) -> str:
        # a "|" inside a cell ("KL(p || q)") would end the cell: GFM and MyST read "\|" as "|"
        return "| " + " | ".join(str(cell).replace("|", "\\|") for cell in cells) + " |"

    lines = [line(header), "|" + "---|" * len(header)]
    for index, row in enumerate(rows):
        row = list(row)
        if len(row) != len(header):
            raise ValueError(f"rows[{index}] has {len(row)} cells, header has {len(header)}")
        lines.append(line(row))
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
