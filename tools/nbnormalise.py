"""Strip and normalise the chapter notebooks so that diffs stay readable.

A normalised notebook has no outputs or execution counts, keeps only the ``tags``, the
``mystnb`` entry (a figure's name and alt text) and JupyterLab's ``jupyter.source_hidden`` and
``outputs_hidden`` (an exercise's solution starts collapsed) of each cell's metadata, carries a
fixed kernelspec, and is written by nbformat with sorted keys, one-space indentation and a
final newline. A cell the HTML folds or removes (``hide-input``, ``hide-cell``, ``remove-input``)
is folded in JupyterLab too (``jupyter.source_hidden``), one click away. The first code cell of
every chapter is the install cell of ``_ext/plain_edition.py``, written here from the
``repository`` section of ``_config.yml``. JupyterLab's ``user_expressions`` (the values of a markdown cell's ``{eval}``
roles, saved when a reader runs the chapter) are outputs too, and are dropped.

    python tools/nbnormalise.py            # rewrite chapters/*.ipynb in place
    python tools/nbnormalise.py --check    # exit 1 and list notebooks that are not normalised

``tests/test_notebooks.py`` runs the same check.
"""

from __future__ import annotations

import argparse
import pathlib
import sys

import nbformat

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "_ext"))
import plain_edition  # noqa: E402  (the build's own module, in _ext/)

KEPT_METADATA = ("tags", "mystnb")
HIDDEN = ("source_hidden", "outputs_hidden")
FOLDED_TAGS = ("hide-input", "hide-cell", "remove-input")
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def with_install_cell(nb, source: str) -> None:
    """Make the install cell (``source``) the notebook's first code cell, folded in the HTML."""
    cells = [cell for cell in nb.cells if cell.get("id") != plain_edition.INSTALL_CELL_ID]
    first_code = next((i for i, cell in enumerate(cells) if cell.cell_type == "code"), None)
    if first_code is None:  # a page without code needs no library
        nb.cells = cells
        return
    cell = nbformat.v4.new_code_cell(source, id=plain_edition.INSTALL_CELL_ID)
    cell.metadata = nbformat.from_dict({"tags": ["hide-input"]})
    cells.insert(first_code, cell)
    nb.cells = cells


def normalised_text(text: str, install_source: str | None = None) -> str:
    """Return the canonical text of the notebook whose JSON is ``text``.

    ``install_source`` is the install cell's source; by default it is written from
    ``_config.yml``.
    """
    if install_source is None:
        install_source = plain_edition.install_cell_source(*plain_edition.repository(ROOT))
    nb = nbformat.reads(text, as_version=4)
    with_install_cell(nb, install_source)
    nb.metadata = nbformat.from_dict({"kernelspec": KERNELSPEC, "language_info": {"name": "python"}})
    nb.nbformat, nb.nbformat_minor = 4, 5
    for index, cell in enumerate(nb.cells):
        metadata = cell.get("metadata", {})
        kept = {key: metadata[key] for key in KEPT_METADATA if metadata.get(key)}
        hidden = {key: True for key in HIDDEN if metadata.get("jupyter", {}).get(key)}
        if set(metadata.get("tags", ())) & set(FOLDED_TAGS):
            hidden["source_hidden"] = True
        if hidden:
            kept["jupyter"] = hidden
        cell.metadata = nbformat.from_dict(kept)
        cell.setdefault("id", f"cell-{index:03d}")
        if "attachments" in cell and not cell.attachments:
            del cell["attachments"]
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.source = cell.source.rstrip("\n")
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"


def notebooks() -> list[pathlib.Path]:
    return sorted((ROOT / "chapters").glob("**/*.ipynb"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report, do not rewrite")
    args = parser.parse_args(argv)
    stale = []
    for path in notebooks():
        text = path.read_text(encoding="utf-8")
        clean = normalised_text(text)
        if clean != text:
            stale.append(path.relative_to(ROOT))
            if not args.check:
                path.write_text(clean, encoding="utf-8")
    if args.check and stale:
        print("not normalised (run `make normalise`):", *stale, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
