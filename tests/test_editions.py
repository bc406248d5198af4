"""Wherever a reader opens a chapter: the plain edition, the launch links, a chapter run alone.

* The plain edition (``_ext/plain_edition.py``) is what Colab, VS Code, GitHub and a Jupyter
  without jupyterlab-myst show: rendered by nbconvert's HTML exporter (a CommonMark renderer,
  as theirs are), no MyST may be left, and the post's equations keep their numbers.
* A chapter page of the test build (``repository.url`` = ``DUMMY_REPOSITORY``, see conftest)
  carries exactly the Binder, Colab, download and repository links a reader expects.
* Chapters copied alone into an empty folder run to the end in a "Colab-like" virtual
  environment: the scientific stack, unpinned, and neither natgrad_lib nor jupyterlab-myst. The
  install cell fetches natgrad_lib from a local bare clone of this repository (a ``file://``
  URL, so that the test needs no network beyond the package index).
"""

from __future__ import annotations

import html
import json
import os
import pathlib
import re
import subprocess
import sys

import nbformat
import pytest

from ngtestkit import DUMMY_REPOSITORY, ROOT, require_or_skip
import plain_edition as pe
import user_expressions

CHAPTERS = sorted(p.stem for p in (ROOT / "chapters").glob("*.ipynb"))
# MyST that would show raw in a CommonMark front end: roles, directive fences, options,
# targets, comments.
RAW_MYST = re.compile(r"\{[\w:-]+\}`|`{3,}\{|:{3,}\{|^:[\w-]+:|^%|^\([\w-]+\)=", re.M)
# The source post's equations (1)-(16): the chapter each lives in (numbers as the book keeps them).
POST_EQUATIONS = {
    "motivation": ["1"], "kl_divergence": ["2", "3"], "fisher_hessian": ["4", "5"],
    "taylor": ["6", "7", "8"],
    "lagrangian": ["9", "10", "11", "12", "13", "14", "15", "16"],
}


def _ctx(**kwargs) -> pe.Context:
    return pe.Context(**kwargs)


# --------------------------------------------------------------------------------------------
# The conversion, piece by piece.

def test_roles_become_the_text_the_html_shows():
    ctx = _ctx(equations={"eq-kl": "2"}, numbers={"thm-a": "Theorem 3.1", "ex-b": "Exercise 3.2"},
               values={"4": {"x": {"status": "ok", "data": {"text/plain": "'0.52'"}},
                             "n": {"status": "ok", "data": {"text/plain": "200"}}}})
    text = ("By {eq}`eq-kl` and {prf:ref}`thm-a` ({ref}`ex-b`, {ref}`the exercises <ex-b>`), "
            "$x \\approx$ {eval}`x` over {eval}`n` draws.")
    assert pe.plain_markdown(text, ctx, 4) == (
        "By (2) and Theorem 3.1 (Exercise 3.2, the exercises), $x \\approx$ 0.52 over 200 draws.")


def test_a_missing_value_or_an_unknown_label_is_an_error_not_raw_text():
    with pytest.raises(pe.PlainEditionError, match="no value"):
        pe.plain_markdown("{eval}`x`", _ctx(), 0)
    with pytest.raises(pe.PlainEditionError, match="unknown equation"):
        pe.plain_markdown("{eq}`eq-nowhere`", _ctx(), 0)
    with pytest.raises(pe.PlainEditionError, match="glue"):
        pe.plain_markdown("{glue}`x`", _ctx(), 0)
    with pytest.raises(pe.PlainEditionError, match="unclosed"):
        pe.plain_markdown("```{note}\nopen", _ctx(), 0)
    with pytest.raises(pe.PlainEditionError, match="without :label:"):
        pe.plain_markdown("```{prf:remark} In practice\nText.\n```", _ctx(), 0)
    with pytest.raises(pe.PlainEditionError, match="no plain form for the directive"):
        pe.plain_markdown("```{glue:figure} x\n```", _ctx(), 0)


def test_directives_become_plain_markdown_with_numbers_and_folded_solutions():
    ctx = _ctx(equations={"eq-x": "15a"},
               numbers={"thm-a": "Theorem 5.1", "ex-b": "Exercise 5.2", "fig-c": "Fig. 5.3"},
               titles={"ex-b": "The other root"})
    text = "\n".join([
        "(sec-start)=", "## Start", "% a comment", "% caption: fig-c", "The caption.", "",
        "```{math}", ":label: eq-x", ":enumerator: 15a", "", "a = b", "```", "",
        "```{prf:theorem} Steepest descent", ":label: thm-a", "", "Body.", "```",
        "```{prf:proof}", ":nonumber:", "", "Because.", "```",
        "````{exercise} The other root", ":label: ex-b", "", "Find it.",
        "```python", "x = 1", "```", "````",
        "````{solution} ex-b", ":class: dropdown", "", "It is $-1$.", "````",
    ])
    out = pe.plain_markdown(text, ctx, 0)
    assert not RAW_MYST.search(out), out
    assert '<a id="sec-start"></a>\n\n## Start' in out
    assert '<a id="fig-c"></a>\n\n**Fig. 5.3.** The caption.' in out
    # links such as chapter.ipynb#eq-x land on the labelled thing
    assert '<a id="eq-x"></a>\n\n$$' in out and '<a id="thm-a"></a>\n\n**Theorem 5.1' in out
    assert "$$\na = b \\tag{15a}\n$$" in out
    assert "**Theorem 5.1 (Steepest descent).** Body." in out
    assert "*Proof.* Because. $\\square$" in out
    assert "**Exercise 5.2 (The other root).** Find it.\n```python\nx = 1\n```" in out
    assert ("<details>\n<summary>Solution to Exercise 5.2 (The other root)</summary>\n\n"
            "It is $-1$.\n\n</details>") in out


def test_headings_carry_the_html_section_numbers():
    ctx = _ctx(sections={pe.heading_key("The problem"): "6.1",
                         pe.heading_key("Why $F$ is the Hessian"): "6.4.1"})
    text = "## The problem\n\n### Why $F$ is the Hessian\n\n## Not numbered"
    assert pe.plain_markdown(text, ctx, 0) == (
        "## 6.1. The problem\n\n### 6.4.1. Why $F$ is the Hessian\n\n## Not numbered")
    # inside a code block nothing is a heading, a target or a comment
    code = "```python\n# The problem\n%timeit f()\n(x)=\n```"
    assert pe.plain_markdown(code, ctx, 0) == code


def test_the_install_cell_is_valid_python_and_refuses_quotes():
    source = pe.install_cell_source("file:///tmp/book.git", "main")
    compile(source, "install", "exec")
    assert 'REPOSITORY, BRANCH = "file:///tmp/book.git", "main"' in source
    assert max(len(line) for line in source.splitlines()) <= 79
    with pytest.raises(ValueError, match="quotes"):
        pe.install_cell_source('https://x"; import os', "main")


def test_committed_chapters_carry_the_install_cell_of_the_configuration():
    """nbnormalise writes the cell from _config.yml; every chapter has it as its first code cell."""
    source = pe.install_cell_source(*pe.repository(ROOT))
    for name in CHAPTERS:
        nb = nbformat.read(ROOT / "chapters" / f"{name}.ipynb", as_version=4)
        code = [cell for cell in nb.cells if cell.cell_type == "code"]
        if not code:
            continue
        first = code[0]
        assert first.get("id") == pe.INSTALL_CELL_ID, name
        assert first.source == source, f"{name}: run `make normalise`"
        assert "hide-input" in first.metadata.get("tags", []), name
        assert first.metadata.get("jupyter", {}).get("source_hidden"), name


# --------------------------------------------------------------------------------------------
# The built plain edition.

@pytest.fixture(scope="module")
def plain_edition(built_book):
    result, site = built_book
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    folder = site / pe.NOTEBOOKS_DIR / "chapters"
    return {name: nbformat.read(folder / f"{name}.ipynb", as_version=4) for name in CHAPTERS}


# Raw MyST as a CommonMark renderer leaves it: a role becomes "{name}" before a code span, a
# directive a code block of language "{name}"; options, targets and comments stay as text.
RENDERED_MYST = re.compile(r"\{[\w:-]+\}<code>|language-\{|^:[\w-]+:|^%|^\([\w-]+\)=", re.M)


def _rendered_markdown(nb) -> str:
    """The markdown cells of a notebook as nbconvert's HTML exporter renders them (HTML)."""
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_notebook_node(nb)
    markdown = re.findall(r'<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown[^"]*"[^>]*>'
                          r"(.*?)</div>\s*</div>\s*</div>", body, re.S)
    assert markdown, "nbconvert rendered no markdown cell"
    return "\n".join(markdown)


def _raw_myst(nb) -> list[str]:
    rendered = _rendered_markdown(nb)
    text = html.unescape(re.sub(r"<[^>]+>", "", rendered))
    return sorted({m.group(0) for m in RENDERED_MYST.finditer(rendered)}
                  | {m.group(0) for m in RENDERED_MYST.finditer(text)})


def test_the_raw_myst_check_sees_raw_myst():
    """The check below finds each kind of MyST in a notebook that still has it."""
    for source in ["See {eq}`eq-kl`.", "```{note}\nA note.\n```", "(sec-a)=\n## A",
                   "% a comment", "```{math}\n:label: eq-a\n\na\n```"]:
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(source)])
        assert _raw_myst(nb), source
    clean = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("$a$ and `{x}` code")])
    assert not _raw_myst(clean)


@pytest.mark.parametrize("name", CHAPTERS)
def test_plain_edition_shows_no_myst_when_rendered_by_commonmark(plain_edition, name):
    nb = plain_edition[name]
    raw = _raw_myst(nb)
    assert not raw, f"{name}: raw MyST in the rendered plain edition: {raw}"
    text = html.unescape(re.sub(r"<[^>]+>", "", _rendered_markdown(nb)))
    for number in POST_EQUATIONS.get(name, []):
        assert f"\\tag{{{number}}}" in text, f"{name}: equation ({number}) lost its number"


@pytest.mark.parametrize("name", CHAPTERS)
def test_plain_edition_has_the_chapters_code_and_the_builds_numbers(plain_edition, built_book, name):
    source = nbformat.read(ROOT / "chapters" / f"{name}.ipynb", as_version=4)
    plain = plain_edition[name]
    source_code = [c.source for c in source.cells if c.cell_type == "code"]
    plain_code = [c.source for c in plain.cells if c.cell_type == "code"]
    install = pe.install_cell_source(DUMMY_REPOSITORY, pe.repository(ROOT)[1])
    if not source_code:  # a page without code (the bibliography) needs no install cell
        assert not plain_code
        return
    assert plain_code[0] == install, f"{name}: the install cell does not name the build's repository"
    assert plain_code[1:] == source_code[1:], f"{name}: the code cells differ from the chapter's"
    # every {eval} of the chapter shows the value the build computed, where the role stood
    _, site = built_book
    from jupyter_cache import get_cache

    cache = get_cache(site.parent / ".jupyter_cache")
    values = user_expressions.cached_values(cache, source)
    plain_md = [c.source for c in plain.cells if c.cell_type == "markdown"]
    for k, expressions in user_expressions.expressions_by_position(source).items():
        for expression in expressions:
            shown = pe.eval_text(values[str(k)][expression], expression)
            assert any(shown in md for md in plain_md), f"{name}: {expression!r} = {shown!r} missing"


def test_plain_edition_is_offered_for_download_and_on_colab_with_exact_links(built_book):
    """One chapter page of the test build: every link that leaves the page for the notebook."""
    from bs4 import BeautifulSoup

    _, site = built_book
    page = BeautifulSoup((site / "chapters" / "motivation.html").read_text(encoding="utf-8"),
                         "html.parser")
    hrefs = {a.get_text(" ", strip=True): a["href"] for a in page.select(".article-header-buttons a[href]")}
    repo = DUMMY_REPOSITORY
    assert hrefs.get("Binder") == f"https://mybinder.org/v2/gh/example-org/natgrad-book/main?urlpath=lab/tree/chapters/motivation.ipynb", hrefs
    assert hrefs.get("Colab") == ("https://colab.research.google.com/github/example-org/natgrad-book/"
                                  f"blob/{pe.NOTEBOOKS_BRANCH}/chapters/motivation.ipynb"), hrefs
    assert hrefs.get(".ipynb (plain)") == "../notebooks/chapters/motivation.ipynb", hrefs
    assert hrefs.get(".ipynb (MyST)") == "../_sources/chapters/motivation.ipynb", hrefs
    assert hrefs.get("Repository") == repo, hrefs
    assert hrefs.get("Suggest edit") == f"{repo}/edit/main/chapters/motivation.ipynb", hrefs
    for download in (".ipynb (plain)", ".ipynb (MyST)"):
        assert (site / "chapters" / hrefs[download]).resolve().is_file(), download


def test_inside_the_repository_the_install_cell_does_nothing(built_book):
    """The build ran every chapter: its install cell printed nothing, so pip never ran."""
    _, site = built_book
    from jupyter_cache import get_cache

    cache = get_cache(site.parent / ".jupyter_cache")
    for name in CHAPTERS:
        source = nbformat.read(ROOT / "chapters" / f"{name}.ipynb", as_version=4)
        if not any(cell.cell_type == "code" for cell in source.cells):
            continue  # nothing to run (the bibliography): the build starts no kernel for it
        record = cache.match_cache_notebook(source)
        executed = cache.get_cache_bundle(record.pk).nb
        first = next(c for c in executed.cells if c.cell_type == "code")
        assert first.get("id") == pe.INSTALL_CELL_ID and first.outputs == [], (name, first.outputs)


# --------------------------------------------------------------------------------------------
# Chapters alone, in a "Colab-like" environment.

SCIENTIFIC_STACK = ["numpy", "scipy", "matplotlib", "sympy", "ipywidgets", "bokeh",
                    "ipykernel", "nbclient"]
# Two chapters: one the reader downloads as the MyST source, one as the plain edition.
ALONE = [("kl_divergence", "source"), ("motivation", "plain")]

RUNNER = r"""
import json, sys, time
import nbformat
from nbclient import NotebookClient

path, out = sys.argv[1], sys.argv[2]
nb = nbformat.read(path, as_version=4)
# after the chapter: which Python ran it, and where natgrad_lib came from
nb.cells.append(nbformat.v4.new_code_cell(
    "import sys, natgrad_lib; print(sys.prefix); print(natgrad_lib.__file__)"))
start = time.perf_counter()
NotebookClient(nb, timeout=600, kernel_name="python3",
               resources={"metadata": {"path": str(__import__("pathlib").Path(path).parent)}}).execute()
seconds = time.perf_counter() - start
first = next(c for c in nb.cells if c.cell_type == "code")
text = lambda cell: "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
from datetime import datetime
timing = first.metadata["execution"]
install_seconds = (datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
                   - datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))).total_seconds()
json.dump({"install": text(first), "probe": text(nb.cells[-1]), "seconds": seconds,
           "install_seconds": install_seconds}, open(out, "w"))
"""


@pytest.fixture(scope="module")
def colab_like(tmp_path_factory):
    """A fresh venv with the scientific stack unpinned, and a bare clone of this repository."""
    base = tmp_path_factory.mktemp("colab")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    pip = subprocess.run([str(python), "-m", "pip", "install", "--quiet",
                          "--disable-pip-version-check", *SCIENTIFIC_STACK],
                         capture_output=True, text=True, env=env, timeout=1200)
    if pip.returncode != 0:
        require_or_skip(f"cannot install the scientific stack:\n{pip.stderr[-2000:]}")
    # the branch the chapters name, holding what is committed here (HEAD)
    branch = pe.repository(ROOT)[1]
    bare = base / "book.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(bare)], check=True)
    subprocess.run(["git", "-C", str(ROOT), "push", "--quiet", str(bare), f"HEAD:refs/heads/{branch}"],
                   check=True)
    return {"python": python, "url": bare.as_uri(), "branch": branch, "env": env, "base": base}


@pytest.mark.parametrize("name,edition", ALONE)
def test_a_chapter_copied_alone_runs_to_the_end(colab_like, request, name, edition):
    python, env = colab_like["python"], colab_like["env"]
    # every chapter installs natgrad_lib itself: none is left over from another test
    subprocess.run([str(python), "-m", "pip", "uninstall", "--quiet", "-y", "natgrad_lib"],
                   env=env, capture_output=True)
    freeze = subprocess.run([str(python), "-m", "pip", "freeze"], env=env, capture_output=True,
                            text=True, check=True).stdout.lower()
    assert "natgrad" not in freeze and "jupyterlab-myst" not in freeze and "jupyterlab_myst" not in freeze
    if edition == "source":
        nb = nbformat.read(ROOT / "chapters" / f"{name}.ipynb", as_version=4)
    else:
        _, site = request.getfixturevalue("built_book")
        nb = nbformat.read(site / pe.NOTEBOOKS_DIR / "chapters" / f"{name}.ipynb", as_version=4)
    # the notebook as a book whose repository.url is the bare clone would publish it
    install = next(c for c in nb.cells if c.get("id") == pe.INSTALL_CELL_ID)
    install.source = pe.install_cell_source(colab_like["url"], colab_like["branch"])
    alone = colab_like["base"] / f"alone-{name}"
    alone.mkdir()
    nbformat.write(nb, alone / f"{name}.ipynb")
    runner = colab_like["base"] / "runner.py"
    runner.write_text(RUNNER, encoding="utf-8")
    report = alone / "report.json"
    run = subprocess.run([str(python), str(runner), str(alone / f"{name}.ipynb"), str(report)],
                         cwd=alone, env={**env, "JUPYTER_DATA_DIR": str(alone / "jupyter")},
                         capture_output=True, text=True, timeout=1500)
    assert run.returncode == 0, f"{name} ({edition}) did not run alone:\n{run.stderr[-4000:]}"
    result = json.loads(report.read_text(encoding="utf-8"))
    assert result["install"].strip() == (f"Installed natgrad_lib from {colab_like['url']} "
                                         f"({colab_like['branch']}).")
    prefix, location = result["probe"].split()
    assert pathlib.Path(prefix) == python.parent.parent
    assert pathlib.Path(location).is_relative_to(python.parent.parent), location
    print(f"{name} ({edition}) ran alone in {result['seconds']:.1f} s, of which the install "
          f"cell {result['install_seconds']:.1f} s")
