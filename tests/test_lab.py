"""Notebook readers: every chapter, run in a real JupyterLab, shows what the HTML book shows.

The test starts JupyterLab itself (on a free localhost port, on a copy of ``chapters/`` so that
autosave never touches the sources) and drives it with Playwright and Debian's Chromium in a
1400 x 1000 window with the file browser open, as ``make lab`` opens it. For every chapter of
``_toc.yml`` it runs Run All, waits until jupyterlab-myst has evaluated the inline expressions,
and then compares the rendered notebook with the chapter's page of the HTML build:

* no error and nothing on stderr, in the outputs or in an inline expression;
* no raw MyST markup, no "Unknown Directive"/"Unknown Role", no unresolved reference and no
  "Citation Not Found";
* every citation shows its author-year label as a link into the bibliography notebook, and a
  click on one opens the bibliography;
* at least as many images as the page has figures, each with its caption below it;
* each exercise's solution folded at first, as in the HTML's dropdowns, and every cell the HTML
  folds (``hide-input``, ``hide-cell``, ``remove-input``) folded to a placeholder that one click
  opens;
* the numbers in the prose are the numbers in the HTML prose, in order;
* the post's equation numbers, once each, theorems and exercises numbered as in the HTML, and
  section headings with the HTML's section numbers ("11.2").

The explorer is worked as a reader works it: a slider and the chart menu redraw the image
(the key-to-image latency is printed), Play advances, nothing overlaps the figure at 1400 px or
at 900 px, and the kernel-free Bokeh explorer recomputes with the kernel shut down.
Screenshots go to ``_build/screenshots/lab/``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
import user_expressions  # _ext/, on the path through conftest.py
from test_citations import citations
from test_notebooks import TOC_NOTEBOOKS, nbnormalise

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "_build" / "screenshots" / "lab"
TOKEN = "natgrad-test"
WINDOW = {"width": 1400, "height": 1000}

# Markup that a reader must never see: roles, directive fences and options, TeX delimiters.
RAW = re.compile(r"\{(eval|glue|eq|numref|ref|prf:\w+|cite(:\w+)?|doc|math)\}|```|^:(label|class|name|enumerator|nonumber):"
                 r"|Unknown (Directive|Role)|\$\$|\\(begin|frac|tag)\b", re.M)
NUMBERED = re.compile(r"^(Theorem|Lemma|Proposition|Corollary|Definition|Exercise) \d+\.\d+$")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory, browser):
    """A JupyterLab server on a copy of the chapters, with the project's kernel; yields its URL."""
    root = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "chapters", root / "chapters")
    settings = root / "settings" / "@jupyterlab"
    (settings / "notebook-extension").mkdir(parents=True)
    # render every cell, not only those in view, so that the page can be read as a whole
    (settings / "notebook-extension" / "tracker.jupyterlab-settings").write_text(
        json.dumps({"windowingMode": "none"}))
    (settings / "apputils-extension").mkdir()
    (settings / "apputils-extension" / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    port = _free_port()
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(root / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(root / "workspaces"),
               JUPYTER_RUNTIME_DIR=str(root / "runtime"), JUPYTER_CONFIG_DIR=str(root / "config"))
    log = open(root / "lab.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root", f"--port={port}",
         "--ip=127.0.0.1", f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={root}",
         "--LabApp.expose_app_in_browser=True"],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=1) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail(f"JupyterLab did not start: {(root / 'lab.log').read_text()[-2000:]}")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


# What a chapter looks like in JupyterLab after Run All.
_COLLECT = r"""() => {
    const panel = window.jupyterapp.shell.currentWidget;
    const node = panel.content.node;
    const hidden = [...node.querySelectorAll('.katex-mathml')];
    hidden.forEach(e => { e.style.display = 'none'; });  // the TeX source kept for screen readers
    const prose = [...node.querySelectorAll('.jp-MarkdownCell .myst')].map(e => e.innerText);
    hidden.forEach(e => { e.style.display = ''; });
    const texts = sel => [...node.querySelectorAll(sel)].map(e => e.innerText.trim());
    return {
        prose,
        errors: texts('[data-mime-type="application/vnd.jupyter.stderr"], .jp-OutputArea-output .jp-RenderedText[data-mime-type*="error"]'),
        unresolved: texts('[title="Cross Reference Not Found"]'),
        not_found: [...node.querySelectorAll('[title$="Not Found"]')].map(e => `${e.title}: ${e.innerText.trim()}`),
        // links into the bibliography notebook: [text, fragment] (textContent: some are in a closed dropdown)
        citations: [...node.querySelectorAll('.jp-MarkdownCell .myst a[href*="bibliography.ipynb"][href*="#"]')]
            .map(a => [a.textContent.trim().replace(/\s+/g, ' '), decodeURIComponent(a.hash.slice(1))]),
        // jupyterlab-myst writes a heading's number in a span before the span.heading-text
        headings: [...node.querySelectorAll('.jp-MarkdownCell .myst :is(h1, h2, h3, h4, h5, h6)')].map(h => {
            const number = [...h.children].find(e => e.tagName === 'SPAN' && !e.classList.contains('heading-text'));
            return [Number(h.tagName[1]), number ? number.innerText.trim() : null];
        }),
        equations: texts('a[title="Link to this Equation"]'),
        tags: texts('.katex-display .tag'),
        titles: texts('a[title^="Link to this"]'),
        images: node.querySelectorAll('.jp-OutputArea-output img').length,
        markdown: panel.content.widgets.filter(w => w.model.type === 'markdown').map(w => ({
            source: w.model.sharedModel.getSource(),
            expressions: w.model.getMetadata('user_expressions') || [],
        })),
    };
}"""

# The page has settled when every visible markdown cell shows the values of its inline
# expressions (jupyterlab-myst re-renders a cell once they arrive) and every image is decoded;
# then two animation frames, so that what was rendered has been painted.
_SETTLED = r"""async () => {
    const strip = s => s.replace(/^(["'])(.*)\1$/s, '$2');
    const panel = window.jupyterapp.shell.currentWidget;
    const pending = panel.content.widgets.filter(w => w.model.type === 'markdown' && !w.inputHidden)
        .filter(w => (w.model.getMetadata('user_expressions') || []).some(e =>
            e.result && e.result.status === 'ok'
            && !w.node.innerText.includes(strip(e.result.data['text/plain']))));
    if (pending.length) return false;
    const images = [...panel.content.node.querySelectorAll('img')];
    await Promise.all(images.map(i => i.decode().catch(() => null)));
    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    return true;
}"""

_FRAMES = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))"

# The cells JupyterLab shows folded: the input replaced by its placeholder (verified in
# JupyterLab 4.6: .jp-Cell-inputWrapper holds .jp-InputCollapser and .jp-InputPlaceholder, whose
# .jp-Placeholder-content says "Click to expand"; the .jp-InputArea is not in the page).
_FOLDED = r"""async () => {
    const panel = window.jupyterapp.shell.currentWidget;
    await Promise.all(panel.content.widgets.map(w => w.ready));
    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    const shown = e => !!e && e.getClientRects().length > 0;
    return panel.content.widgets.filter(w => {
        const wrapper = w.node.querySelector('.jp-Cell-inputWrapper');
        return shown(wrapper.querySelector('.jp-InputPlaceholder [title="Click to expand"]'))
            && !shown(wrapper.querySelector('.jp-InputArea'));
    }).map(w => w.model.id);
}"""

_EXPRESSIONS_DONE = r"""(wanted) => {
    const cells = window.jupyterapp.shell.currentWidget.content.widgets.filter(w => w.model.type === 'markdown');
    return cells.every((w, i) => (w.model.getMetadata('user_expressions') || []).length >= wanted[i]);
}"""


@dataclasses.dataclass
class LabRun:
    name: str
    seconds: float
    data: dict
    screenshot: Path


def _open(page, url, name):
    page.goto(f"{url}/lab/workspaces/{name}/tree/chapters/{name}.ipynb?reset&token={TOKEN}")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                           " && window.jupyterapp.shell.currentWidget.content", timeout=60000)
    page.evaluate("""async () => { const p = window.jupyterapp.shell.currentWidget;
        await p.context.ready; await p.sessionContext.ready; }""")


def _run_all(page, nb, name):
    start = time.perf_counter()
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function("() => { const p = window.jupyterapp.shell.currentWidget;"
                           " return p.content.widgets.filter(w => w.model.type === 'code')"
                           ".every(w => w.model.executionCount !== null)"
                           " && p.sessionContext.session.kernel.status === 'idle'; }",
                           timeout=300000, polling=200)
    wanted = [len(user_expressions.expressions_in(c.source)) for c in nb.cells if c.cell_type == "markdown"]
    page.wait_for_function(_EXPRESSIONS_DONE, arg=wanted, timeout=60000, polling=200)
    page.wait_for_function(_SETTLED, timeout=60000, polling=200)
    return time.perf_counter() - start


def _screenshot(page, path):
    """The whole notebook: make the window as tall as the notebook, then put it back."""
    height = page.evaluate("() => document.querySelector('.jp-NotebookPanel .jp-WindowedPanel-outer').scrollHeight")
    page.set_viewport_size({"width": WINDOW["width"], "height": min(height + 200, 32000)})
    page.evaluate("() => { document.querySelector('.jp-NotebookPanel .jp-WindowedPanel-outer').scrollTop = 0; }")
    page.wait_for_function(f"() => window.innerHeight === {min(height + 200, 32000)}")
    page.wait_for_function(_SETTLED, timeout=60000, polling=200)
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path))
    page.set_viewport_size(WINDOW)


@pytest.fixture(scope="module")
def lab_runs(lab, browser):
    """Run each chapter once (on demand) and keep what it showed; the explorer's page stays open."""
    runs, pages = {}, {}

    def get(name):
        if name not in runs:
            page = browser.new_page(viewport=WINDOW)
            try:
                nb = nbformat.read(ROOT / "chapters" / f"{name}.ipynb", as_version=4)
                _open(page, lab, name)
                # as the reader opens the chapter: each solution's cells folded
                collapsed = page.evaluate("() => window.jupyterapp.shell.currentWidget.content.widgets"
                                          ".filter(w => w.inputHidden).length")
                folded = page.evaluate(_FOLDED)
                seconds = _run_all(page, nb, name)
                shot = SHOTS / f"{name}.png"
                _screenshot(page, shot)
                # unfold the solutions, so that everything can be checked
                page.evaluate("""async () => { const c = window.jupyterapp.commands;
                    await c.execute('notebook:show-all-cell-code');
                    await c.execute('notebook:show-all-cell-outputs'); }""")
                page.wait_for_function("() => window.jupyterapp.shell.currentWidget.content.widgets"
                                       ".every(w => !w.inputHidden && !(w.outputHidden || false))")
                page.wait_for_function(_SETTLED, timeout=60000, polling=200)
                data = page.evaluate(_COLLECT)
                data["collapsed"] = collapsed
                data["folded"] = folded
                data["hidden_in_source"] = sum(1 for c in nb.cells if c.get("metadata", {}).get("jupyter", {})
                                               .get("source_hidden"))
                runs[name] = LabRun(name, seconds, data, shot)
            except Exception as exc:  # every test of that chapter reports it
                runs[name] = exc
            if name == "explorer" and not isinstance(runs[name], Exception):
                pages[name] = page
            else:
                page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")
                page.close()
        if isinstance(runs[name], Exception):
            raise runs[name]
        return runs[name]

    get.pages = pages
    yield get
    for page in pages.values():
        page.close()


CHAPTERS = [p.stem for p in TOC_NOTEBOOKS]


def _html_facts(html: Path, name: str) -> dict:
    from bs4 import BeautifulSoup

    article = BeautifulSoup((html / "chapters" / f"{name}.html").read_text(encoding="utf-8"),
                            "html.parser").find("article")
    values = [span.get_text() for span in article.select("span.output.text_plain")]
    titles = [span.get_text().strip() for span in article.select(".caption-number")]
    tags = re.findall(r"\\tag\*?\{([^{}]+)\}", " ".join(div.get_text() for div in article.select("div.math")))
    return {
        "values": values,
        "figures": len(article.select("figure")),
        "equations": [span.contents[0].strip() for span in article.select("div.math > span.eqno")],
        "tags": [t if t.startswith("(") else f"({t})" for t in tags],
        "numbered": sorted({t for t in titles if NUMBERED.match(t)}),
    }


def _lab_values(markdown) -> list[str]:
    """The values JupyterLab shows, in reading order (it strips a string's quotes)."""
    shown = []
    for cell in markdown:
        results = {e["expression"]: e["result"] for e in cell["expressions"]}
        for match in user_expressions.ROLE.finditer(cell["source"]):
            result = results[match.group(2).strip()]
            assert result["status"] == "ok", f"{{eval}}`{match.group(2)}`: {result.get('evalue')}"
            plain = result["data"]["text/plain"]
            shown.append(re.sub(r"^([\"'])(.*)\1$", r"\2", plain))
    return shown


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_runs_in_jupyterlab_without_errors(lab_runs, name):
    run = lab_runs(name)
    print(f"{name}: Run All and rendering took {run.seconds:.1f} s; screenshot {run.screenshot}")
    assert not run.data["errors"], f"errors or stderr in {name}: {run.data['errors'][:3]}"


@pytest.mark.parametrize("name", CHAPTERS)
def test_solutions_start_folded(lab_runs, name):
    """Each exercise's solution starts folded, as the HTML's dropdown does.

    Its explanation is the body of the ``solution-start`` directive, which jupyterlab-myst shows
    as a closed dropdown; its code cells carry ``source_hidden``. (Run All shows their outputs.)
    """
    data = lab_runs(name).data
    assert data["collapsed"] == data["hidden_in_source"]
    if name not in ("helper_library", "bibliography"):
        assert data["collapsed"] > 0, f"{name} has exercises whose solutions should start folded"


@pytest.mark.parametrize("name", CHAPTERS)
def test_cells_the_html_folds_are_folded(lab_runs, name):
    """A cell the HTML folds or removes shows as JupyterLab's placeholder when the chapter opens.

    ``make normalise`` gives such a cell ``jupyter.source_hidden``; every other cell that carries
    it (a solution's) is folded too, and nothing else is.
    """
    nb = nbformat.read(ROOT / "chapters" / f"{name}.ipynb", as_version=4)
    tagged = {c.id for c in nb.cells if set(c.metadata.get("tags", [])) & set(nbnormalise.FOLDED_TAGS)}
    hidden = {c.id for c in nb.cells if c.metadata.get("jupyter", {}).get("source_hidden")}
    folded = set(lab_runs(name).data["folded"])
    assert tagged <= hidden, "run `make normalise`"
    assert folded == hidden, f"folded in JupyterLab but not in the source: {sorted(folded - hidden)}; " \
                             f"not folded: {sorted(hidden - folded)}"
    if any(c.cell_type == "code" for c in nb.cells):
        assert tagged, f"{name}: its install cell at least is folded in the HTML"


@pytest.mark.parametrize("name", CHAPTERS)
def test_no_citation_or_reference_is_marked_not_found(lab_runs, name):
    """jupyterlab-myst marks what it cannot resolve ("Citation Not Found", "Cross Reference Not Found")."""
    assert not lab_runs(name).data["not_found"]


@pytest.mark.parametrize("name", CHAPTERS)
def test_citations_show_their_label_as_a_link(lab_runs, name):
    """Each citation shows the author-year label the source gives it (tests/test_citations.py checks
    the label against references.bib) as a link to its entry in the bibliography notebook."""
    shown = [tuple(c) for c in lab_runs(name).data["citations"]]
    assert shown == citations(ROOT / "chapters" / f"{name}.ipynb")


@pytest.mark.parametrize("name", CHAPTERS)
def test_section_numbers_are_the_htmls(lab_runs, built_book, name):
    """The section headings carry the HTML's numbers ("11.2", "9.1.1"): front matter
    ``numbering: headings: true`` with the chapter's ``enumerator``; the chapter's title is
    unnumbered in JupyterLab. The back matter is unnumbered in both."""
    from bs4 import BeautifulSoup

    _, html = built_book
    article = BeautifulSoup((html / "chapters" / f"{name}.html").read_text(encoding="utf-8"),
                            "html.parser").find("article")
    in_html = []
    for heading in article.select("h2, h3, h4, h5, h6"):
        number = heading.select_one("span.section-number")
        in_html.append((int(heading.name[1]), number.get_text().strip().rstrip(".") if number else None))
    in_lab = [tuple(h) for h in lab_runs(name).data["headings"] if h[0] > 1]
    print(f"{name}: {[n for _, n in in_lab]}")
    assert in_lab == in_html


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_shows_no_raw_markup(lab_runs, name):
    data = lab_runs(name).data
    raw = [m.group(0) + " in: " + text[max(0, m.start() - 60):m.end() + 60]
           for text in data["prose"] for m in RAW.finditer(text)]
    assert not raw, f"raw markup in {name}: {raw[:5]}"
    assert not data["unresolved"], f"references JupyterLab cannot resolve in {name}: {data['unresolved']}"


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_shows_at_least_the_html_figures(lab_runs, built_book, name):
    _, html = built_book
    data, facts = lab_runs(name).data, _html_facts(html, name)
    print(f"{name}: {data['images']} images in JupyterLab, {facts['figures']} figures in the HTML")
    assert data["images"] >= facts["figures"]


@pytest.mark.parametrize("name", CHAPTERS)
def test_numbers_in_the_prose_are_the_htmls(lab_runs, built_book, name):
    _, html = built_book
    data, facts = lab_runs(name).data, _html_facts(html, name)
    shown = _lab_values(data["markdown"])
    assert shown == facts["values"]
    prose = "\n".join(data["prose"])
    missing = [value for value in shown if value not in prose]
    assert not missing, f"values computed but not shown in {name}: {missing[:5]}"


@pytest.mark.parametrize("name", CHAPTERS)
def test_equations_theorems_and_exercises_are_numbered_as_in_the_html(lab_runs, built_book, name):
    _, html = built_book
    data, facts = lab_runs(name).data, _html_facts(html, name)
    assert data["equations"] == facts["equations"], "labelled equations: the post's numbers, in order"
    assert [" ".join(t.split()) for t in data["tags"]] == facts["tags"], "quoted displays keep their own tags"
    assert len(set(data["equations"])) == len(data["equations"]), "an equation number shown twice"
    numbered = sorted({t for t in data["titles"] if NUMBERED.match(t)})
    assert numbered == facts["numbered"]


# ------------------------------------------------------------------------------------------
# The explorer, worked by hand.

_EXPLORER_BOX = "() => document.querySelector('.widget-image').closest('.jp-OutputArea-output')"

_LAYOUT = r"""() => {
    const out = document.querySelector('.widget-image').closest('.jp-OutputArea-output');
    const image = out.querySelector('.widget-image').getBoundingClientRect();
    const area = out.getBoundingClientRect();
    // every control, label and readout that is rendered (a Play button's and an unindented
    // checkbox's empty description labels are display: none)
    const controls = [...out.querySelectorAll('.widget-slider, .widget-dropdown, .widget-checkbox, .widget-play, .widget-label, .widget-readout, .widget-checkbox span')]
        .filter(e => e.getClientRects().length > 0);
    const overlaps = (a, b) => a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1;
    return {
        image: [image.left, image.top, image.width, image.height],
        area: [area.left, area.right],
        filebrowser: (document.querySelector('#filebrowser') || {offsetWidth: 0}).offsetWidth,
        problems: controls.flatMap(e => {
            const r = e.getBoundingClientRect(), name = (e.innerText || e.className).trim().slice(0, 30);
            const found = [];
            if (r.width === 0 || r.height === 0) found.push(`${name}: not shown`);
            if (overlaps(r, image)) found.push(`${name}: under the figure`);
            if (r.right > area.right + 1 || r.left < area.left - 1) found.push(`${name}: outside the output`);
            if (e.scrollWidth > e.clientWidth + 1 && !e.matches('.widget-slider, .widget-play')) found.push(`${name}: text cut (${e.scrollWidth} > ${e.clientWidth})`);
            return found;
        }),
        image_outside: image.right > area.right + 1,
    };
}"""


def _explorer_page(lab_runs):
    lab_runs("explorer")
    page = lab_runs.pages["explorer"]
    page.set_viewport_size(WINDOW)
    page.evaluate(f"() => ({_EXPLORER_BOX})().scrollIntoView()")
    return page


def _explorer(page):
    """The explorer's output area (controls and figure)."""
    return page.locator(".widget-image").locator("xpath=ancestor::div[contains(@class,'jp-OutputArea-output')]")


def _image_changes(page, action, timeout=10000):
    """Run ``action`` and wait until the explorer's image is a new one."""
    before = page.evaluate("() => document.querySelector('.widget-image').src")
    action()
    page.wait_for_function("(before) => document.querySelector('.widget-image').src !== before",
                           arg=before, timeout=timeout)


def test_explorer_redraws_on_slider_chart_and_play(lab_runs):
    page = _explorer_page(lab_runs)
    handle = _explorer(page).locator(".noUi-handle").first
    handle.focus()
    # Key press to new image, timed in the page: keydown on the handle, then the image's src changes.
    page.evaluate("""() => {
        window.__times = [];
        const img = document.querySelector('.widget-image');
        new MutationObserver(() => { window.__times.push(['image', performance.now()]); })
            .observe(img, {attributes: true, attributeFilter: ['src']});
        document.addEventListener('keydown', () => window.__times.push(['key', performance.now()]), true);
    }""")
    latencies = []
    for i in range(20):
        key = "ArrowRight" if i % 2 == 0 else "ArrowLeft"
        _image_changes(page, lambda: handle.press(key))
        events = page.evaluate("() => window.__times.splice(0)")
        pressed = [t for kind, t in events if kind == "key"][-1]
        drawn = [t for kind, t in events if kind == "image" and t >= pressed][0]
        latencies.append(drawn - pressed)
    print(f"explorer, key press to new image in JupyterLab: median {statistics.median(latencies):.0f} ms, "
          f"max {max(latencies):.0f} ms over {len(latencies)} presses")

    chart = _explorer(page).locator("select").first
    _image_changes(page, lambda: chart.select_option("natural"))

    play = _explorer(page).locator(".widget-play button").first
    readout = _explorer(page).locator(".widget-readout").last
    before = readout.inner_text()
    _image_changes(page, play.click)
    # Play moves the iteration readout; wait for that, not for a while
    page.wait_for_function("([el, before]) => el.innerText !== before",
                           arg=[readout.element_handle(), before], timeout=10000)


@pytest.mark.parametrize("width", [1400, 900])
def test_explorer_fits_its_window(lab_runs, width):
    page = _explorer_page(lab_runs)
    page.set_viewport_size({"width": width, "height": WINDOW["height"]})
    # JupyterLab relays out on the resize: wait until its shell has the new width, then paint
    page.wait_for_function(f"() => window.innerWidth === {width}"
                           f" && document.querySelector('#main').getBoundingClientRect().width <= {width}")
    page.wait_for_function(_FRAMES)
    page.evaluate(f"() => ({_EXPLORER_BOX})().scrollIntoView()")
    layout = page.evaluate(_LAYOUT)
    SHOTS.mkdir(parents=True, exist_ok=True)
    _explorer(page).screenshot(path=str(SHOTS / f"explorer-{width}.png"))
    print(f"explorer at {width} px: image {layout['image'][2]:.0f} x {layout['image'][3]:.0f} px, "
          f"file browser {layout['filebrowser']} px wide")
    assert layout["filebrowser"] > 100, "the file browser should be open, as make lab opens it"
    assert not layout["problems"], layout["problems"]
    assert not layout["image_outside"], layout
    assert layout["image"][2] >= 300, f"the figure is too small to read at {width} px: {layout['image']}"


def test_live_explorer_recomputes_without_a_kernel(lab_runs):
    """The Bokeh explorer renders in JupyterLab and, with the kernel shut down, still recomputes."""
    from natgrad_lib.widgets import explorer_data
    from test_book import _assert_matches_natgrad_lib, _live_state

    page = _explorer_page(lab_runs)
    box = page.locator(".natgrad-live")
    box.scroll_into_view_if_needed()
    page.wait_for_selector(".natgrad-live-ready", timeout=20000)
    data = explorer_data(200, 0)
    first = _live_state(page)
    _assert_matches_natgrad_lib(first, data, "on opening, in JupyterLab")
    # no kernel from here on: whatever the explorer does now, it does in the page
    page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")
    page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.sessionContext.session", timeout=30000)
    page.get_by_role("slider", name="learning rate α").focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.get_by_role("button", name="(η₁, η₂)").click()
    state = _live_state(page)
    assert state["lr"] > first["lr"] * 1.3 and state["chart"] == "natural"
    _assert_matches_natgrad_lib(state, data, "after the learning rate and the chart, in JupyterLab")
    SHOTS.mkdir(parents=True, exist_ok=True)
    box.screenshot(path=str(SHOTS / "live-explorer.png"))


# ------------------------------------------------------------------------------------------
# A reader's clicks: a folded cell, then a citation.

_SHOWN = "(e) => !!e && e.getClientRects().length > 0"


def test_a_folded_cell_opens_with_one_click_and_a_citation_opens_the_bibliography(lab, browser):
    """In a chapter with citations and folded cells: one click on a folded cell's placeholder shows
    its code, and a click on a citation opens the bibliography notebook, which holds the entry.

    The screenshot (``citations-and-folded-cells.png``) shows the chapter as it opens. JupyterLab
    4.6 does not scroll to the entry: its notebook looks a fragment up as ``data-jupyter-id``
    (``Notebook._findLegacy``), and jupyterlab-myst writes the entry's label as ``id``.
    """
    name = "natural_gradient_at_scale"
    page = browser.new_page(viewport=WINDOW)
    try:
        _open(page, lab, name)
        # jupyterlab-myst hands a local link to JupyterLab's link handler, then points its href at
        # the file (/files/...): from then on a click opens the notebook in JupyterLab
        page.wait_for_function("() => [...window.jupyterapp.shell.currentWidget.content.node.querySelectorAll("
                               "'.jp-MarkdownCell .myst a[href*=\"bibliography.ipynb\"][href*=\"#\"]')]"
                               ".some(a => a.href.includes('/files/'))")
        page.evaluate(_FOLDED)
        citation = page.locator('.jp-MarkdownCell .myst a[href*="/files/chapters/bibliography.ipynb"][href*="#"]').first
        # the first folded cell, held by its node: a locator would move on to the next one
        cell = page.locator(".jp-Cell .jp-InputPlaceholder").first \
            .locator("xpath=ancestor::div[contains(@class, 'jp-Cell ')][1]").element_handle()
        citation.scroll_into_view_if_needed()
        page.wait_for_function(_FRAMES)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "citations-and-folded-cells.png"))

        assert cell.query_selector(".jp-InputArea") is None
        cell.query_selector(".jp-InputPlaceholder").click()
        cell.wait_for_selector(".jp-InputArea-editor", state="visible", timeout=10000)
        assert cell.query_selector(".jp-InputPlaceholder") is None or not cell.query_selector(".jp-InputPlaceholder").is_visible()
        code = cell.query_selector(".jp-InputArea-editor").inner_text()
        assert code.strip(), "the unfolded cell shows its code"

        label, key = citation.inner_text().strip(), citation.evaluate("a => decodeURIComponent(a.hash.slice(1))")
        citation.click()
        page.wait_for_function("() => window.jupyterapp.shell.currentWidget.context.path === 'chapters/bibliography.ipynb'",
                               timeout=30000)
        page.wait_for_function("(key) => !!window.jupyterapp.shell.currentWidget.content.node"
                               ".querySelector(`.myst [id=\"${key}\"]`)", arg=key, timeout=30000)
        entry = page.evaluate("(key) => window.jupyterapp.shell.currentWidget.content.node"
                              ".querySelector(`.myst [id=\"${key}\"]`).innerText", key)
        assert "/lab" in page.url, "the link left JupyterLab"
        assert label.split(",")[0].split(" ")[0] in entry, (label, entry)
        print(f"{name}: [{label}] opened the bibliography at {key}: {entry[:80]}")
    finally:
        page.evaluate("""async () => { for (const w of window.jupyterapp.shell.widgets('main')) {
            if (w.sessionContext) await w.sessionContext.shutdown(); } }""")
        page.close()
