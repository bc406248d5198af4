"""The chapters: listed in the table of contents, committed stripped and normalised, and runnable.

Each chapter in ``_toc.yml`` is executed top to bottom in a fresh kernel, as a reader
would run it, and must finish without errors, warnings or anything on stderr.
"""

from __future__ import annotations

import functools
import importlib.util
import pathlib
import re
import time

import nbformat
from jupyter_cache import get_cache
import pytest
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("nbnormalise", ROOT / "tools" / "nbnormalise.py")
nbnormalise = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(nbnormalise)
_spec = importlib.util.spec_from_file_location("booktoc", ROOT / "tools" / "booktoc.py")
booktoc = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(booktoc)


def toc_documents() -> list[pathlib.Path]:
    found = []
    for name in booktoc.toc_files(ROOT):
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


@functools.lru_cache(maxsize=None)
def executed(path: pathlib.Path):
    """Run a chapter top to bottom in a fresh kernel (once per test session); return it and the time."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()  # raises CellExecutionError on the first failing cell
    return nb, time.perf_counter() - start


def text_outputs(nb) -> list[str]:
    """Every text a reader sees in the outputs: streams, plain text and Markdown."""
    texts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                texts.append(output.text)
            for mime in ("text/plain", "text/markdown"):
                if mime in output.get("data", {}):
                    texts.append(str(output["data"][mime]))
    return texts


@pytest.mark.parametrize("path", TOC_NOTEBOOKS, ids=lambda p: p.name)
def test_chapter_runs_in_a_fresh_kernel_without_warnings(path):
    nb, seconds = executed(path)
    print(f"{path.name} executed in {seconds:.1f} s")
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for output in cell.outputs:
            assert output.output_type != "error", f"{path.name} cell {cell.id}: {output.get('ename')}"
            assert not (output.output_type == "stream" and output.name == "stderr"), (
                f"{path.name} cell {cell.id} wrote to stderr:\n{output.text}"
            )
    for text in text_outputs(nb):
        assert "Warning" not in text, f"{path.name} printed a warning:\n{text}"


@pytest.mark.parametrize("path", TOC_NOTEBOOKS, ids=lambda p: p.name)
def test_chapter_text_output_is_the_same_on_every_run(path, built_book):
    # two independent executions: this test's fresh kernel and the book build's. The build's
    # outputs are read from its execution cache: myst-nb 1.4 writes the copy under
    # _build/jupyter_execute without outputs when the chapter comes from the cache.
    result, html = built_book
    assert result.returncode == 0, "the book build failed; see test_book.py"
    cache = get_cache(str(html.parent / ".jupyter_cache"))
    _, by_build = cache.merge_match_into_notebook(nbformat.read(path, as_version=4))
    assert text_outputs(by_build), f"the build's cache holds no outputs of {path.name}"
    ours, _ = executed(path)
    strip = re.compile(r" at 0x[0-9a-f]+")  # object addresses are not content
    assert [strip.sub("", t) for t in text_outputs(ours)] == [strip.sub("", t) for t in text_outputs(by_build)]
