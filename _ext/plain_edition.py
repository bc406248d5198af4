"""Every chapter wherever a reader opens it: the install cell and the plain-Markdown edition.

**The install cell.** The first code cell of every chapter installs the book's helper library
``natgrad_lib`` from the book's repository (``repository.url`` and ``repository.branch`` in
``_config.yml``) when it cannot be imported: a notebook downloaded alone, or opened in Colab,
runs to the end. Inside the repository the import succeeds and the cell does nothing; it never
touches the network there. ``tools/nbnormalise.py`` writes the cell from ``_config.yml`` (so
the committed notebooks follow the configuration), and the build writes it again into every
notebook it publishes, from the configuration it was given.

**The plain edition.** Colab, VS Code, GitHub and a Jupyter without ``jupyterlab-myst`` show MyST
as raw text. At the end of an HTML build this extension writes every notebook of the book again,
in CommonMark, to ``<html>/notebooks/<docname>.ipynb`` (:func:`plain_notebook`): roles become
the text the HTML shows (values from the execution cache, equation, theorem, figure and section
numbers from the Sphinx environment), directives become ordinary Markdown (solutions in HTML
``<details>``), labelled things get ``<a id>`` anchors, code cells stay as they are. MyST it has
no plain form for is an error, never raw text. Each chapter page offers the plain notebook in its
download menu, and the Colab button opens it on the branch :data:`NOTEBOOKS_BRANCH`, where
``.github/workflows/publish.yml`` publishes it.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
# The install cell's id: nbnormalise finds (or creates) it by this id.
INSTALL_CELL_ID = "install-natgrad-lib"
# The branch of the book's repository that holds the plain edition (the Colab button opens it).
NOTEBOOKS_BRANCH = "notebooks"
# Where the build writes the plain edition, inside the HTML output.
NOTEBOOKS_DIR = "notebooks"


def repository(root: Path = ROOT) -> tuple[str, str]:
    """``(url, branch)`` of the book's repository as ``_config.yml`` names them; url may be ''."""
    config = yaml.safe_load((Path(root) / "_config.yml").read_text(encoding="utf-8"))
    section = config.get("repository") or {}
    return (section.get("url") or "").strip().rstrip("/"), (section.get("branch") or "main")


def install_cell_source(url: str, branch: str) -> str:
    """The source of a chapter's first code cell, installing ``natgrad_lib`` from ``url``.

    ``url`` may be an ``https://`` or a ``file://`` git URL; an empty one (a copy of the book
    that names no repository) makes the cell explain what to do instead of failing obscurely.

    Examples
    --------
    >>> source = install_cell_source("https://github.com/o/r", "main")
    >>> 'REPOSITORY, BRANCH = "https://github.com/o/r", "main"' in source
    True
    """
    if any(quote in url + branch for quote in "\"'\\\n"):
        raise ValueError(f"repository url and branch must not contain quotes: {url!r} {branch!r}")
    return f'''\
# natgrad_lib is the book's helper library. Outside the book's repository (a
# downloaded notebook, Colab) this cell installs it; inside, it does nothing.
try:
    import natgrad_lib
except ModuleNotFoundError:
    import importlib
    import subprocess
    import sys

    REPOSITORY, BRANCH = "{url}", "{branch}"
    if not REPOSITORY:
        raise ModuleNotFoundError(
            "natgrad_lib is not installed, and this copy of the book names no "
            "repository to install it from (repository.url in _config.yml is "
            "empty). Install it from a clone of the book: pip install <clone>"
        ) from None
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",
                    f"git+{{REPOSITORY}}@{{BRANCH}}"], check=True)
    importlib.invalidate_caches()
    print(f"Installed natgrad_lib from {{REPOSITORY}} ({{BRANCH}}).")'''


# --------------------------------------------------------------------------------------------
# The plain edition: every chapter notebook with its MyST turned into CommonMark.

# Outputs that need a live kernel or a JavaScript runtime the plain front ends do not have.
DROPPED_OUTPUTS = ("application/vnd.jupyter.widget-view+json", "application/javascript",
                   "application/vnd.bokehjs_load.v0+json", "application/vnd.bokehjs_exec.v0+json",
                   "application/vnd.holoviews_load.v0+json")
OPENING = re.compile(r"^(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:-]+)\}[ \t]*(?P<argument>.*)$")
OPTION = re.compile(r"^:(?P<key>[\w-]+):[ \t]*(?P<value>.*)$")
ROLE = re.compile(r"\{(?P<name>[\w:-]+)\}(?P<ticks>`+)(?P<content>.+?)(?P=ticks)", re.DOTALL)
TARGET = re.compile(r"^\((?P<label>[^()\s]+)\)=[ \t]*$")
CAPTION = re.compile(r"^%\s*caption:\s*(?P<name>\S+)\s*$")
COMMENT = re.compile(r"^%.*$")
CODE_FENCE = re.compile(r"^[ \t]*(?P<fence>`{3,}|~{3,})(?!\{)")
TITLED_REF = re.compile(r"^(?P<title>.*?)\s*<(?P<label>[^<>]+)>$", re.DOTALL)
STATIC_PICTURE = re.compile(r'<img[^>]*class="[^"]*static[^"]*"[^>]*src="data:image/png;base64,'
                            r'(?P<png>[A-Za-z0-9+/=]+)"')
QUOTED = re.compile(r"^(['\"]).*\1$", re.DOTALL)
# The names of numbered things, as the HTML writes them ("Fig. 6.1", "Theorem 6.1").
KIND_NAMES = {"figure": "Fig.", "table": "Table", "code-block": "Listing"}


@dataclass
class Context:
    """What the plain text of one chapter needs from the whole book.

    ``sections`` maps a heading's :func:`heading_key` to its number ("6.1");
    ``equations`` maps an equation's label to its number; ``numbers`` maps a label to the text
    a reference shows ("Theorem 6.1", "Fig. 6.2", a section's title); ``titles`` maps a theorem's
    or an exercise's label to its title; ``values`` holds the chapter's ``{eval}`` results,
    keyed like ``user_expressions`` stores them.
    """

    equations: dict[str, str] = field(default_factory=dict)
    numbers: dict[str, str] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict] = field(default_factory=dict)
    sections: dict[str, str] = field(default_factory=dict)
    solution: str | None = None  # the exercise whose gated solution is open


HEADING = re.compile(r"^(?P<hashes>#{1,6})[ \t]+(?P<title>.+?)[ \t]*$")


def heading_key(title: str) -> str:
    """A heading's title reduced to letters and digits, the same from MyST and from a doctree."""
    return re.sub(r"[^0-9a-z]+", "", title.lower())


class PlainEditionError(ValueError):
    """MyST that the plain edition cannot turn into CommonMark."""


def eval_text(result: dict | None, expression: str) -> str:
    """The text the HTML shows for an ``{eval}`` result (MyST-NB's rendering of it)."""
    if result is None or result.get("status") != "ok":
        raise PlainEditionError(f"the inline expression {expression!r} has no value")
    data = result.get("data", {})
    if "text/markdown" in data:
        return data["text/markdown"]
    text = data.get("text/plain", "")
    return text[1:-1] if QUOTED.match(text) else text


def _reference(ctx: Context, name: str, content: str) -> str:
    titled = TITLED_REF.match(content)
    if titled and name in ("ref", "numref", "prf:ref"):
        return titled.group("title")
    label = content.strip()
    if name == "eq":
        if label not in ctx.equations:
            raise PlainEditionError(f"unknown equation {label!r}")
        return f"({ctx.equations[label]})"
    if label not in ctx.numbers:
        raise PlainEditionError(f"unknown reference {{{name}}}`{label}`")
    return ctx.numbers[label]


def plain_roles(text: str, ctx: Context, position: int) -> str:
    """Replace every MyST role in ``text`` by the text the HTML shows for it."""
    def replace(match: re.Match) -> str:
        name, content = match.group("name"), match.group("content")
        if name == "eval":
            expression = content.strip()
            return eval_text(ctx.values.get(str(position), {}).get(expression), expression)
        if name in ("eq", "ref", "numref", "prf:ref"):
            return _reference(ctx, name, content)
        if name == "math":
            return f"${content}$"
        raise PlainEditionError(f"no plain form for the role {{{name}}}")
    return ROLE.sub(replace, text)


def _closing(lines: list[str], start: int, fence: str) -> int:
    """The index of the line that closes the fence opened at ``start``."""
    depth = 0
    for index in range(start + 1, len(lines)):
        line = lines[index].strip()
        if line == fence:
            if depth == 0:
                return index
            depth -= 1
        elif line.startswith(fence) and not line.startswith(fence + fence[0]):
            depth += 1
    raise PlainEditionError(f"unclosed fence {lines[start]!r}")


def _numbered(ctx: Context, label: str | None, kind: str, title: str) -> str:
    heading = ctx.numbers.get(label, kind) if label else kind
    return f"{heading} ({title})" if title else heading


def _anchor(label: str | None) -> str:
    """An HTML anchor for links such as ``chapter.ipynb#label`` (a blank line ends its block)."""
    return f'<a id="{label}"></a>\n\n' if label else ""


def _directive(name: str, argument: str, options: dict, body: str, ctx: Context) -> str:
    label = options.get("label")
    if name == "math":
        number = options.get("enumerator") or ctx.equations.get(label or "")
        tag = f" \\tag{{{number}}}" if number else ""
        return f"{_anchor(label)}$$\n{body.strip()}{tag}\n$$"
    if name.startswith("prf:") or name == "exercise":
        if name != "prf:proof" and not label:
            # the number is looked up by label: without one it would be silently dropped
            raise PlainEditionError(f"a {{{name}}} without :label: cannot carry its number")
    if name.startswith("prf:"):
        kind = name[4:].capitalize()
        if kind == "Proof":
            return f"*Proof.* {body.strip()} $\\square$"
        return f"{_anchor(label)}**{_numbered(ctx, label, kind, argument)}.** {body.strip()}"
    if name == "exercise":
        if label and argument.strip():
            ctx.titles[label] = argument.strip()
        return f"{_anchor(label)}**{_numbered(ctx, label, 'Exercise', argument)}.** {body.strip()}"
    if name in ("solution", "solution-start"):
        target = argument.strip()
        exercise = _numbered(ctx, target, "Exercise", ctx.titles.get(target, ""))
        folded = f"<details>\n<summary>Solution to {exercise}</summary>\n\n{body.strip()}\n\n</details>"
        if name == "solution":
            return folded
        ctx.solution = ctx.numbers.get(target, "the exercise")
        return (f"{folded}\n\n*The code cells from here to the end of the solution are the "
                f"solution's code: try {ctx.solution} before you read them.*")
    if name == "solution-end":
        ended, ctx.solution = ctx.solution or "the exercise", None
        return f"*End of the solution to {ended}.*"
    if name in ("note", "tip", "important", "warning", "caution", "seealso", "hint"):
        return f"**{name.capitalize()}.** {body.strip()}"
    if name == "admonition":
        return f"**{argument.strip()}.** {body.strip()}"
    raise PlainEditionError(f"no plain form for the directive {{{name}}}")


def plain_blocks(text: str, ctx: Context) -> str:
    """Turn MyST directives, targets and comments into CommonMark (roles are done before)."""
    lines, out, index = text.split("\n"), [], 0
    while index < len(lines):
        line = lines[index]
        opening = OPENING.match(line.strip())
        if opening:
            end = _closing(lines, index, opening.group("fence"))
            inner, options = lines[index + 1:end], {}
            while inner and OPTION.match(inner[0].strip()):
                option = OPTION.match(inner.pop(0).strip())
                options[option.group("key")] = option.group("value").strip()
            body = plain_blocks("\n".join(inner), ctx)
            out.append(_directive(opening.group("name"), opening.group("argument"), options,
                                  body, ctx))
            index = end + 1
            continue
        fence = CODE_FENCE.match(line)
        if fence:  # a code block is copied as it stands, up to its closing fence
            end = next((i for i in range(index + 1, len(lines))
                        if lines[i].strip() == fence.group("fence")), len(lines) - 1)
            out.extend(lines[index:end + 1])
            index = end + 1
            continue
        caption, target = CAPTION.match(line), TARGET.match(line)
        if caption:
            figure = caption.group("name")
            number = ctx.numbers.get(figure)
            if number is None:
                raise PlainEditionError(f"a caption names the unknown figure {figure!r}")
            # the caption paragraph follows the comment
            if index + 1 < len(lines) and lines[index + 1].strip():
                lines[index + 1] = f"**{number}.** {lines[index + 1]}"
                out.append(_anchor(figure).rstrip("\n") + "\n")
        elif target:
            out.extend([f'<a id="{target.group("label")}"></a>', ""])
        elif HEADING.match(line):
            heading = HEADING.match(line)
            number = ctx.sections.get(heading_key(heading.group("title")))
            title = heading.group("title")
            out.append(f"{heading.group('hashes')} {number}. {title}" if number else line)
        elif not COMMENT.match(line):
            out.append(line)
        index += 1
    return "\n".join(out)


def plain_markdown(text: str, ctx: Context, position: int) -> str:
    """A markdown cell's MyST as CommonMark, with the values and numbers the HTML shows.

    ``position`` is the number of code cells above the cell (where its ``{eval}`` ran).

    Examples
    --------
    >>> ctx = Context(equations={"eq-gd": "1"}, values={"0": {"n": {
    ...     "status": "ok", "data": {"text/plain": "200"}}}})
    >>> print(plain_markdown("See {eq}`eq-gd` with {eval}`n` points.", ctx, 0))
    See (1) with 200 points.
    >>> print(plain_markdown("```{math}\\n:label: eq-gd\\n:enumerator: 1\\n\\na = b\\n```", ctx, 0))
    <a id="eq-gd"></a>
    <BLANKLINE>
    $$
    a = b \\tag{1}
    $$
    """
    return plain_blocks(plain_roles(text, ctx, position), ctx)


def _static_outputs(outputs: list) -> list:
    """The outputs a front end without a kernel can show: text and pictures, no widgets."""
    kept = []
    for output in outputs:
        output = copy.deepcopy(output)
        if output.get("output_type") in ("display_data", "execute_result"):
            data = {mime: value for mime, value in output.get("data", {}).items()
                    if mime not in DROPPED_OUTPUTS and value != ""}
            html = data.get("text/html", "")
            if "<script" in html:
                data.pop("text/html")
                # a live app (the explorer) carries its picture for readers without JavaScript
                picture = STATIC_PICTURE.search(html)
                if picture:
                    data["image/png"] = picture.group("png")
            placeholder = set(data) == {"text/plain"} and set(output.get("data", {})) != {"text/plain"}
            if not data or placeholder:
                continue  # a widget's or a plot's placeholder text alone says nothing
            output["data"] = data
        kept.append(output)
    return kept


def plain_notebook(source, ctx: Context, install_source: str, executed=None, header: str = ""):
    """The plain edition of the chapter notebook ``source`` (an nbformat notebook).

    Markdown cells become CommonMark (:func:`plain_markdown`); cells the HTML removes are
    dropped when they are markdown and kept when they are code (they still run); the install
    cell gets ``install_source``; code cells get the outputs of ``executed`` (the build's run
    of the same notebook) that need no kernel. ``header`` becomes a first markdown cell.
    """
    nb = copy.deepcopy(source)
    outputs = [cell.get("outputs", []) for cell in executed.cells
               if cell.cell_type == "code"] if executed is not None else None
    cells, code_seen = [], 0
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if cell.cell_type == "markdown":
            if "remove-cell" in tags:
                continue
            cell.source = plain_markdown(cell.source, ctx, code_seen)
            if not cell.get("attachments"):
                cell.pop("attachments", None)
        elif cell.cell_type == "code":
            if cell.get("id") == INSTALL_CELL_ID:
                cell.source = install_source
            if outputs is not None and code_seen < len(outputs):
                cell.outputs = _static_outputs(outputs[code_seen])
            if ctx.solution is not None:  # inside a gated solution
                cell.metadata.setdefault("jupyter", {})["source_hidden"] = True
            code_seen += 1
        cells.append(cell)
    if header:
        cells.insert(0, nbformat.v4.new_markdown_cell(header, id="plain-edition-header"))
    nb.cells = cells
    nbformat.validate(nb)
    return nb


# --------------------------------------------------------------------------------------------
# Sphinx: write the plain edition at the end of an HTML build, offer it for download and Colab.

def book_context(env) -> tuple[dict, dict, dict]:
    """``(equations, numbers, titles)`` of the whole book, as the HTML numbers them."""
    equations = {label: str(number) for label, (docname, number)
                 in env.get_domain("math").equations.items()}
    numbers, titles = {}, {}
    for docname, kinds in env.toc_fignumbers.items():
        for kind, entries in kinds.items():
            name = KIND_NAMES.get(kind, kind.capitalize())
            for label, number in entries.items():
                numbers[label] = f"{name} {'.'.join(map(str, number))}"
    for label, entry in getattr(env, "proof_list", {}).items():
        numbers.setdefault(label, entry.get("realtype", "theorem").capitalize())
    for label, entry in getattr(env, "sphinx_exercise_registry", {}).items():
        node = entry.get("node")
        if node is not None and node.children:
            title = node.children[0].astext()
            titles[label] = re.sub(r"^\s*Exercise\s*", "", title).strip().strip("()")
    for label, (docname, anchor, title) in env.get_domain("std").labels.items():
        numbers.setdefault(label, title)
    return equations, numbers, titles


def section_numbers(env, docname: str) -> dict[str, str]:
    """The HTML's section numbers of ``docname`` ("6.1"), keyed by :func:`heading_key`."""
    from docutils import nodes

    numbers = env.toc_secnumbers.get(docname, {})
    found = {}
    for section in env.get_doctree(docname).findall(nodes.section):
        anchor = f"#{section['ids'][0]}" if section["ids"] else ""
        number = numbers.get(anchor) or (numbers.get("") if section.parent is not None
                                         and not isinstance(section.parent, nodes.section)
                                         else None)
        title = next(iter(section.findall(nodes.title)), None)
        if number and title is not None:
            found.setdefault(heading_key(title.astext()), ".".join(map(str, number)))
    return found


def _values(cache, nb) -> tuple[dict, object]:
    """The expression values and the executed notebook of the build's run of ``nb``."""
    import user_expressions  # the build's own module, in _ext/

    try:
        record = cache.match_cache_notebook(nb)
    except KeyError:
        return {}, None
    bundle = cache.get_cache_bundle(record.pk)
    return (record.data or {}).get(user_expressions.DATA_KEY, {}), bundle.nb


def _header(app, docname: str, has_code: bool) -> str:
    url = app.config.html_theme_options.get("repository_url", "")
    title = app.env.titles[docname].astext() if docname in app.env.titles else docname
    book = app.config.html_title or app.config.project
    lines = [f"**{title}**, from the book *{book}*, in a copy for notebook front ends that do "
             "not read the book's MyST markup (Colab, VS Code, GitHub, plain Jupyter)."]
    if has_code:
        lines.append("The numbers in the text were computed when the book was built; the code "
                     "cells compute them again when you run the notebook from the top.")
    if url:
        lines.append(f"The book's repository: <{url}>.")
    return " ".join(lines)


def write_edition(app, exception) -> None:
    """Write ``<outdir>/notebooks/<docname>.ipynb`` for every notebook of the book."""
    if exception is not None or app.builder.format != "html":
        return
    from jupyter_cache import get_cache

    env = app.env
    equations, numbers, titles = book_context(env)
    url = (app.config.html_theme_options.get("repository_url") or "").rstrip("/")
    branch = app.config.html_theme_options.get("repository_branch") or "main"
    install_source = install_cell_source(url, branch)
    cache = get_cache(env.mystnb_config.execution_cache_path or ".jupyter_cache")
    for docname in sorted(env.found_docs):
        path = Path(env.doc2path(docname))
        if path.suffix != ".ipynb":
            continue
        source = nbformat.read(path, as_version=4)
        values, executed = _values(cache, source)
        ctx = Context(equations, numbers, titles, values, sections=section_numbers(env, docname))
        try:
            has_code = any(cell.cell_type == "code" for cell in source.cells)
            nb = plain_notebook(source, ctx, install_source, executed,
                                _header(app, docname, has_code))
        except PlainEditionError as error:
            raise PlainEditionError(f"{docname}: {error}") from error
        target = Path(app.outdir) / NOTEBOOKS_DIR / f"{docname}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)


def launch_and_download(app, pagename, templatename, context, doctree) -> None:
    """Point the Colab button and the download menu at the page's plain edition."""
    if not (Path(app.srcdir) / f"{pagename}.ipynb").exists():
        return
    plain = f"{NOTEBOOKS_DIR}/{pagename}.ipynb"
    url = (app.config.html_theme_options.get("repository_url") or "").rstrip("/")
    colab = (app.config.html_theme_options.get("launch_buttons", {}).get("colab_url") or "")
    for group in context.get("header_buttons", []):
        for button in group.get("buttons", []):
            if button.get("text") == "Colab" and url:
                org_repo = "/".join(url.split("/")[-2:])
                button["url"] = (f"{colab.rstrip('/')}/github/{org_repo}/blob/"
                                 f"{NOTEBOOKS_BRANCH}/{pagename}.ipynb")
                button["tooltip"] = "Launch the plain edition on Colab"
            if button.get("label") == "download-source-button":
                button["text"] = ".ipynb (MyST)"
                button["tooltip"] = "Download the notebook (MyST, for JupyterLab with jupyterlab-myst)"
        if group.get("label") == "download-buttons":
            group["buttons"].insert(0, {
                "type": "link", "url": context["pathto"](plain, 1), "text": ".ipynb (plain)",
                "icon": "fas fa-code", "label": "download-plain-notebook-button",
                "tooltip": "Download the plain notebook (Colab, VS Code, any Jupyter)"})


def setup(app):
    app.connect("html-page-context", launch_and_download, priority=600)
    app.connect("build-finished", write_edition)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
