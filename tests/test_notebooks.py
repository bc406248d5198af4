"""The chapters: listed in the table of contents, committed stripped and normalised, and runnable.

Each chapter in ``_toc.yml`` is executed top to bottom in a fresh kernel, as a reader
would run it, and must finish without errors, warnings or anything on stderr. Its inline
``{eval}`` expressions are evaluated where they stand, as JupyterLab and the build do
(``_ext/user_expressions.py``), and every one must give a value. What JupyterLab needs to show
a chapter is checked here on the source: figures that are cell outputs, no glue, front matter
that numbers theorems and exercises as the HTML book does.
"""

from __future__ import annotations

import functools
import importlib.util
import pathlib
import re

import nbformat
import pytest
import user_expressions  # _ext/, on the path through conftest.py
import yaml
from jupyter_cache import get_cache

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
# the chapters with code: the bibliography is a notebook of Markdown only
CODE_NOTEBOOKS = [path for path in TOC_NOTEBOOKS
                  if any(cell.cell_type == "code" for cell in nbformat.read(path, as_version=4).cells)]


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
    """Run a chapter top to bottom in a fresh kernel (once per test session), with its inline
    expressions; return the run (notebook, expression values, seconds)."""
    nb = nbformat.read(path, as_version=4)
    # raises CellExecutionError on the first failing cell
    return user_expressions.execute(nb, path.parent, timeout=120)


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


def figure_outputs(nb) -> list[tuple[str, str, str]]:
    """Every figure a reader sees, as (cell id, mime type, SHA-256 of its pixels or its text).

    A PNG is hashed after decoding, so that only what is drawn counts, not how the encoder
    packed it.
    """
    import base64
    import hashlib
    import io

    from PIL import Image

    figures = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            for mime in ("image/png", "image/jpeg"):
                if mime in data:
                    image = Image.open(io.BytesIO(base64.b64decode(data[mime])))
                    pixels = image.mode.encode() + repr(image.size).encode() + image.tobytes()
                    figures.append((cell.id, mime, hashlib.sha256(pixels).hexdigest()))
            if "image/svg+xml" in data:
                text = "".join(data["image/svg+xml"]).encode()
                figures.append((cell.id, "image/svg+xml", hashlib.sha256(text).hexdigest()))
    return figures


@pytest.mark.parametrize("path", TOC_NOTEBOOKS, ids=lambda p: p.name)
def test_chapter_runs_in_a_fresh_kernel_without_warnings(path):
    run = executed(path)
    nb = run.nb
    print(f"{path.name} executed in {run.seconds:.1f} s")
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


@pytest.mark.parametrize("path", CODE_NOTEBOOKS, ids=lambda p: p.name)
def test_chapter_text_and_figures_are_the_same_on_every_run(path, built_book):
    # two independent executions: this test's fresh kernel and the book build's. The build's
    # outputs are read from its execution cache: myst-nb 1.4 writes the copy under
    # _build/jupyter_execute without outputs when the chapter comes from the cache.
    result, html = built_book
    assert result.returncode == 0, "the book build failed; see test_book.py"
    cache = get_cache(str(html.parent / ".jupyter_cache"))
    source = nbformat.read(path, as_version=4)
    _, by_build = cache.merge_match_into_notebook(source)
    assert text_outputs(by_build), f"the build's cache holds no outputs of {path.name}"
    run = executed(path)
    strip = re.compile(r" at 0x[0-9a-f]+")  # object addresses are not content
    assert [strip.sub("", t) for t in text_outputs(run.nb)] == [strip.sub("", t) for t in text_outputs(by_build)]
    # the numbers in the prose: the build's stored values are this run's values
    assert user_expressions.cached_values(cache, source) == run.values
    # the figures: the same pixels, figure by figure (a chapter that timed itself failed here)
    by_build_figures, run_figures = figure_outputs(by_build), figure_outputs(run.nb)
    assert by_build_figures, f"the build's cache holds no figures of {path.name}"
    differ = [a[0] for a, b in zip(by_build_figures, run_figures) if a != b]
    assert len(by_build_figures) == len(run_figures) and not differ, (
        f"{path.name}: figures of cells {differ} differ between two runs")


@pytest.mark.parametrize("path", TOC_NOTEBOOKS, ids=lambda p: p.name)
def test_every_inline_expression_gives_a_value(path):
    """Each {eval} role in the prose and in figure captions evaluates, where it stands, without error."""
    run = executed(path)
    wanted = user_expressions.expressions_by_position(run.nb)
    assert not user_expressions.missing_expressions(run.nb, run.values)
    for k, expressions in wanted.items():
        for expression in expressions:
            result = run.values[str(k)][expression]
            assert result["status"] == "ok", (
                f"{path.name}: {{eval}}`{expression}` after code cell {k} raised "
                f"{result.get('ename')}: {result.get('evalue')}")
            assert result["data"]["text/plain"].strip("'\"").strip(), expression
            assert not result["data"]["text/plain"].startswith("np."), (
                f"{path.name}: {{eval}}`{expression}` shows a NumPy repr; format it or use float()")


@pytest.mark.parametrize("path", TOC_NOTEBOOKS, ids=lambda p: p.name)
def test_chapter_uses_no_glue(path):
    """Glued values and figures show only in the HTML; the chapters use {eval} and cell outputs."""
    text = path.read_text(encoding="utf-8")
    for needle in ("{glue", "myst_nb import glue", "glue("):
        assert needle not in text, f"{path.name} still uses glue ({needle!r})"


@pytest.mark.parametrize("path", TOC_NOTEBOOKS, ids=lambda p: p.name)
def test_every_figure_is_the_output_of_its_cell_and_captioned_below_it(path):
    """A figure is the one image output of a cell whose metadata names it and gives its alt text;
    its caption opens the markdown cell after it (``% caption: <name>``, _ext/figure_captions.py),
    so that JupyterLab shows it under the figure."""
    run = executed(path)
    cells = run.nb.cells
    for index, cell in enumerate(cells):
        if cell.cell_type != "code":
            continue
        images = [o for o in cell.outputs if "image/png" in o.get("data", {})]
        figure = cell.get("metadata", {}).get("mystnb", {}).get("figure")
        if figure is None:
            assert not images, f"{path.name} cell {cell.id}: an image without figure metadata"
            continue
        image = cell.metadata["mystnb"].get("image", {})
        assert len(images) == 1 and len(cell.outputs) == 1, (
            f"{path.name} cell {cell.id}: a figure cell must show only its figure, got {len(cell.outputs)} outputs")
        name = str(figure.get("name", ""))
        assert name.startswith("fig-") and "caption" not in figure, f"{path.name} cell {cell.id}: {figure}"
        assert len(str(image.get("alt", ""))) > 40, f"{path.name} cell {cell.id}: alt text"
        after = cells[index + 1] if index + 1 < len(cells) else None
        lines = after.source.split("\n") if after is not None and after.cell_type == "markdown" else []
        assert lines and lines[0] == f"% caption: {name}", f"{path.name}: no caption under {name}"
        caption = "\n".join(lines[1:]).split("\n\n")[0]
        assert len(caption) > 40 and not caption.startswith(("#", "```", ":::")), f"{path.name}: caption of {name}"


def _chapter_numbers() -> dict[str, int | None]:
    """The chapter number the HTML book gives each notebook (numbered parts count on across parts)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    numbers, n = {}, 0
    for part in toc.get("parts", []):
        for entry in part.get("chapters", []):
            if part.get("numbered"):
                n += 1
            numbers[entry["file"]] = n if part.get("numbered") else None
    return numbers


@pytest.mark.parametrize("path", TOC_NOTEBOOKS, ids=lambda p: p.name)
def test_front_matter_numbers_as_the_html_book_does(path):
    """The first cell is MyST front matter, for JupyterLab only (``remove-cell``).

    It makes jupyterlab-myst number theorems and exercises "2.1", "2.2" and section headings
    "2.1", "2.1.1" as the HTML book does, and leaves unlabelled displays unnumbered so that only
    the post's numbers show. The back matter is unnumbered in both.
    """
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and "remove-cell" in first.metadata.get("tags", [])
    assert first.source.startswith("---\n") and first.source.endswith("\n---")
    numbering = yaml.safe_load(first.source.strip("-\n"))["numbering"]
    assert numbering["equation"] is False
    number = _chapter_numbers()[str(path.relative_to(ROOT).with_suffix(""))]
    if number is None:
        assert "enumerator" not in numbering and "headings" not in numbering
    else:
        assert numbering["enumerator"] == f"{number}.%s"
        assert numbering["headings"] is True
