"""The chapters: listed in the table of contents, committed stripped and normalised, and runnable.

Each chapter in ``_toc.yml`` is executed top to bottom in a fresh kernel, as a reader
would run it, and must finish without errors, warnings or anything on stderr.
"""

from __future__ import annotations

import importlib.util
import pathlib

import nbformat
import pytest
import yaml
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("nbnormalise", ROOT / "tools" / "nbnormalise.py")
nbnormalise = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(nbnormalise)


def _toc_files(entries):
    for entry in entries:
        if "file" in entry:
            yield entry["file"]
        for key in ("chapters", "parts", "sections"):
            yield from _toc_files(entry.get(key, []))


def toc_documents() -> list[pathlib.Path]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    names = [toc["root"], *_toc_files(toc.get("parts", []) + toc.get("chapters", []))]
    found = []
    for name in names:
        candidates = [ROOT / f"{name}{suffix}" for suffix in (".ipynb", ".md")]
        existing = [path for path in candidates if path.exists()]
        assert existing, f"_toc.yml lists {name!r} but no such .ipynb or .md file exists"
        found.append(existing[0])
    return found


TOC_NOTEBOOKS = [path for path in toc_documents() if path.suffix == ".ipynb"]


def test_every_chapter_notebook_is_in_the_toc():
    on_disk = set(nbnormalise.notebooks())
    assert on_disk == set(TOC_NOTEBOOKS), f"not in _toc.yml: {sorted(on_disk - set(TOC_NOTEBOOKS))}"


@pytest.mark.parametrize("path", nbnormalise.notebooks(), ids=lambda p: p.name)
def test_chapter_is_committed_stripped_and_normalised(path):
    text = path.read_text(encoding="utf-8")
    nb = nbformat.reads(text, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, (
                f"{path.name}: cell {cell.id} has outputs; run `make normalise`"
            )
    assert text == nbnormalise.normalised_text(text), f"{path.name} is not normalised; run `make normalise`"


@pytest.mark.parametrize("path", TOC_NOTEBOOKS, ids=lambda p: p.name)
def test_chapter_runs_in_a_fresh_kernel_without_warnings(path):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()  # raises CellExecutionError on the first failing cell
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for output in cell.outputs:
            assert output.output_type != "error", f"{path.name} cell {cell.id}: {output.get('ename')}"
            assert not (output.output_type == "stream" and output.name == "stderr"), (
                f"{path.name} cell {cell.id} wrote to stderr:\n{output.text}"
            )
            text = output.get("text", "") or "".join(output.get("data", {}).get("text/plain", ""))
            assert "Warning" not in text, f"{path.name} cell {cell.id} printed a warning:\n{text}"
