"""The HTML book: it builds with warnings as errors, and its pages work in a real browser offline.

The build runs once per test session into a temporary folder (so it never touches
``_build/``) and executes every chapter, exactly like ``make book``. The browser tests
drive Debian's Chromium through Playwright; they are skipped when it is missing unless
``NATGRAD_REQUIRE_BROWSER=1`` (set by ``.ci/run``), in which case they fail.

Every page of ``_toc.yml`` (and the redirect page at the site root) is opened once in a
shared browser, and read once its scripts have finished (conditions, never delays); the per-page tests read what that visit recorded: failed and off-site
requests, console errors, MathJax's output, equation tags, and a full-page screenshot
saved to ``_build/screenshots/<page>.png`` for reviewers.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.util
import http.server
import io
import math
import re
import pathlib
import threading

import pytest
import user_expressions  # _ext/, on the path through conftest.py

ROOT = pathlib.Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("booktoc", ROOT / "tools" / "booktoc.py")
booktoc = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(booktoc)
SCREENSHOTS = ROOT / "_build" / "screenshots"
MAX_PAGE_BYTES = 3 * 1024 * 1024
# Console errors the toolchain is known to print and that do not break a page, matched as
# substrings of the message; each entry needs a comment giving its cause. Only what a fresh
# build still emits belongs here: test_console_allow_list_is_not_stale fails once an entry
# is no longer seen. Empty: sphinx-thebe's duplicated `const THEBE_JS_URL` is dropped by
# _ext/offline_pages.py, and `html_context: {default_mode: auto}` in _config.yml ends the
# theme's "Got invalid theme mode: . Resetting to auto."
KNOWN_CONSOLE_NOISE: tuple[str, ...] = ()
_NOISE_SEEN: set[str] = set()


def _unexpected(errors):
    """The console errors that are not in KNOWN_CONSOLE_NOISE (recording the entries used)."""
    left = []
    for error in errors:
        hits = [k for k in KNOWN_CONSOLE_NOISE if k in error]
        _NOISE_SEEN.update(hits)
        if not hits:
            left.append(error)
    return left


def _toc_pages():
    """The root document and every ``file:`` entry of _toc.yml, in reading order."""
    return [f"{pathlib.PurePosixPath(f).with_suffix('')}.html" for f in booktoc.toc_files(ROOT)]


TOC_PAGES = _toc_pages()
# The site root only redirects to the root document; a reader may land on it first.
PAGES = ["index.html", *TOC_PAGES]
# The chapters that carry the source post's numbered equations (1)-(16).
DERIVATION_PAGES = [f"chapters/{name}.html" for name in
                    ("motivation", "kl_divergence", "fisher_hessian", "taylor", "lagrangian")]
EXPECTED_TAGS = {str(n) for n in range(1, 17)} | {"6", "15a", "15b", "16a"}


def test_book_builds_with_warnings_as_errors(built_book):
    result, html = built_book
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-5000:]
    assert "WARNING" not in log.replace("[IPKernelApp] WARNING | Kernel is running over TCP", ""), log[-5000:]
    for page in ["index.html", "chapters/helper_library.html", "chapters/bibliography.html"]:
        assert (html / page).is_file(), f"{page} missing from the build"


def test_build_renders_every_chapter_from_the_parallel_run(built_book):
    """The build must find every chapter that tools/preexecute.py ran in its cache.

    If myst-nb ever hashed a notebook differently from jupyter-cache, the build would quietly
    execute the chapters again one by one and the cold build would double in time. The
    pre-execution ran every chapter, or found all of them in the cache ``make book`` left (the
    fixture copies it in; the fingerprint of ``tools/preexecute.py`` guards it).
    """
    result, _ = built_book
    pre = result.preexecute
    assert pre.returncode == 0, pre.stdout + pre.stderr
    chapters = [p for p in TOC_PAGES if p.startswith("chapters/")]
    notebooks = [p for p in chapters if (ROOT / p).with_suffix(".ipynb").is_file()]
    ran = re.search(r"preexecute: (\d+) executed and cached", pre.stdout)
    all_cached = "preexecute: every chapter is cached" in pre.stdout
    assert all_cached or (ran and 0 < int(ran.group(1)) <= len(notebooks)), pre.stdout
    log = result.stdout + result.stderr
    assert "Executing notebook" not in log, log[-3000:]
    assert log.count("Using cached notebook") == len(notebooks), log[-3000:]


def _chapter_notebooks():
    return [p for p in TOC_PAGES if (ROOT / p).with_suffix(".ipynb").is_file()]


def _article(html_file):
    from bs4 import BeautifulSoup

    return BeautifulSoup(html_file.read_text(encoding="utf-8"), "html.parser").find("article")


@pytest.mark.parametrize("page_path", _chapter_notebooks())
def test_inline_values_reach_the_page(built_book, page_path):
    """Every {eval} role of the chapter (prose and captions) shows a value in the page."""
    import nbformat

    _, html = built_book
    nb = nbformat.read((ROOT / page_path).with_suffix(".ipynb"), as_version=4)
    roles = sum(len(user_expressions.ROLE.findall(cell.source)) for cell in nb.cells
                if cell.cell_type == "markdown" and "remove-cell" not in cell.metadata.get("tags", []))
    article = _article(html / page_path)
    values = [span.get_text() for span in article.select("span.output.text_plain")]
    assert "{eval}" not in article.get_text() and "{glue" not in article.get_text()
    assert "caption:" not in str(article), "a caption comment was left on the page"
    assert len(values) == roles, f"{len(values)} values for {roles} inline expressions"
    assert all(value.strip() for value in values), values


def test_no_markdown_table_is_left_as_text(built_book):
    """A table a chapter prints as Markdown (``markdown_table``) reaches the page as a table.

    A "|" inside a cell that is not escaped ends the cell and the whole table stays text
    ("| chart | KL(p || q) |" in How to read the code, found in the print edition).
    """
    _, html = built_book
    raw = {}
    for page_path in TOC_PAGES:
        article = _article(html / page_path)
        left = [p.get_text()[:60] for p in article.find_all("p") if re.match(r"\s*\|.*\|\s*$", p.get_text(), re.M)]
        if left:
            raw[page_path] = left
    assert raw == {}


@pytest.mark.parametrize("page_path", _chapter_notebooks())
def test_figures_are_numbered_with_caption_and_alt_text(built_book, page_path):
    """Each figure cell of the notebook is one numbered figure with a caption and alt text."""
    import nbformat

    _, html = built_book
    nb = nbformat.read((ROOT / page_path).with_suffix(".ipynb"), as_version=4)
    names = [cell.metadata["mystnb"]["figure"]["name"] for cell in nb.cells
             if "figure" in cell.get("metadata", {}).get("mystnb", {})]
    figures = _article(html / page_path).select("figure")
    assert [figure.get("id") for figure in figures] == names
    numbers = [figure.select_one("figcaption .caption-number").get_text().strip()
               for figure in figures]
    # "Fig. 9.1", "Fig. 9.2", ... in a numbered chapter, "Fig. 1", "Fig. 2", ... in the back
    # matter: each chapter counts its own figures from 1, as JupyterLab does
    counts = [int(re.fullmatch(r"Fig\. (?:\d+\.)?(\d+)", n).group(1)) for n in numbers]
    assert counts == list(range(1, len(figures) + 1)), numbers
    for figure in figures:
        assert len(figure.select_one("figcaption .caption-text").get_text().strip()) > 40
        images = figure.select("img")
        assert len(images) == 1 and len(images[0].get("alt", "")) > 20, figure.get("id")


def _chapter_title(article) -> str:
    heading = article.find("h1")
    text = heading.get_text(" ", strip=True).replace("#", "")
    return re.sub(r"^\d+\.\s*", "", text).strip()


def test_links_into_other_chapters_name_the_chapter_and_number(built_book):
    """A reference into another chapter is a link whose text gives the chapter and the number.

    JupyterLab renders one notebook at a time, so the chapters write such references as
    ``[(N) of *Title*](chapter.ipynb#label)`` (``_ext/chapter_links.py``). The text is typed by
    hand; this test checks it against the target: the number shown there, and the title of the
    target's chapter (or its part before a colon).
    """
    _, html = built_book
    articles, checked = {}, 0
    for page_path in _chapter_notebooks():
        for link in _article(html / page_path).select("a.chapter-link"):
            target_page, _, anchor = link["href"].partition("#")
            target_path = str(pathlib.PurePosixPath(page_path).parent / target_page)
            if target_path not in articles:
                articles[target_path] = _article(html / target_path)
            target = articles[target_path]
            title = _chapter_title(target)
            element = target.find(id=anchor)
            assert element is not None, f"{page_path}: {link['href']} has no target"
            text = " ".join(link.get_text().split())
            assert title in text or title.split(":")[0] in text, (
                f"{page_path}: link {text!r} to {link['href']} does not name {title!r}")
            number = element.select_one("span.eqno, .caption-number")
            if number is not None:  # "(2)" beside an equation, "Theorem 3.1" on a theorem
                shown = " ".join(next(number.strings).split())
                assert shown in text, f"{page_path}: link {text!r} does not give {shown!r} of {link['href']}"
            checked += 1
    assert checked >= 40, f"only {checked} links into other chapters"


def test_bibliography_lists_the_cited_works(built_book):
    _, html = built_book
    text = (html / "chapters/bibliography.html").read_text(encoding="utf-8")
    for needle in ["Amari", "Martens", "Kristiadi", "Cover", "Schulman", "Natural Gradient and Fisher"]:
        assert needle in text, f"{needle} missing from the bibliography"


@pytest.fixture(scope="session")
def site(built_book):
    """Serve the built HTML on a loopback port, as a reader's static host would."""
    _, html = built_book
    handler = functools.partial(_QuietHandler, directory=str(html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def handle(self):
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the browser closed a page while a file was still being sent


@dataclasses.dataclass
class Visit:
    """What one visit of a page in the browser recorded."""

    url: str
    external: list
    failed: list
    errors: list
    n_math: int
    n_containers: int
    not_one_container: list
    merrors: list
    tags: list
    eqnos: list
    raw_tex: list
    wide_code: list
    screenshot: pathlib.Path


def _watch(page, site):
    """Record off-site requests, failed requests and console errors of a page.

    Every request the page makes is also kept on ``page.requests_seen`` (for ``_wait_for_requests``).
    """
    external, failed, errors = [], [], []
    page.requests_seen = []
    page.on("request", lambda r: page.requests_seen.append(r))
    page.on("request", lambda r: None if r.url.startswith((site + "/", "data:", "blob:")) else external.append(r.url))
    page.on("requestfailed", lambda r: failed.append(f"{r.failure} {r.url}"))
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    page.on("console", lambda m: errors.append(f"console.error: {m.text}") if m.type == "error" else None)
    return external, failed, errors


def _wait_for_requests(page):
    """Wait until every request the page (watched by ``_watch``) has made has finished or failed.

    A condition, not a quiet period (Playwright's "networkidle" waits for 500 ms without traffic,
    which a busy CI machine can stretch or cut short). The browser asks for the page's icon
    (``<link rel="icon">``) only after the load event, so that request is awaited first; a
    request still open when the page closes would neither fail nor succeed in the record.
    """
    icons = page.evaluate("() => [...document.querySelectorAll('link[rel~=icon]')].map(l => l.href)")
    for icon in icons:
        while icon not in [r.url for r in page.requests_seen]:
            page.wait_for_event("request", timeout=15000)
    done = 0
    while done < len(page.requests_seen):  # a finished request may have started others
        request = page.requests_seen[done]
        response = request.response()  # None once the request has failed
        if response is not None:
            response.finished()
        done += 1


def _wait_for_mathjax(page):
    """Wait until MathJax has typeset the page (if the page loads it) and its fonts are in."""
    if page.locator("script[src*='mathjax']").count():
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise",
                               timeout=15000)
        page.evaluate("() => MathJax.startup.promise")
    page.evaluate("() => document.fonts.ready.then(() => true)")


# The theme's Font Awesome script replaces each <i class="fa-..."> icon by an <svg>, after
# DOMContentLoaded and in an animation frame of its own choosing.
_ICONS_REPLACED = "() => !window.FontAwesome || !document.querySelector('i[class*=\"fa-\"]')"


def _settle(page):
    """Wait until the scripts of a loaded page have done what they do on load: conditions, no delay.

    MathJax has typeset the page and the fonts are in, Font Awesome has replaced the theme's
    icons, and on the explorer's page the live explorer has embedded its app.
    """
    _wait_for_mathjax(page)
    page.wait_for_function(_ICONS_REPLACED, timeout=15000)
    if page.locator(".natgrad-live").count():
        page.wait_for_selector(".natgrad-live-ready", timeout=20000)
    page.evaluate("() => document.fonts.ready.then(() => true)")


# Rendered text of the article without code: a formula MathJax missed shows up here raw.
_PROSE_TEXT = """() => {
    const root = document.querySelector('article') || document.body;
    const code = [...root.querySelectorAll('div.cell_input, pre')];
    const display = code.map(e => e.style.display);
    code.forEach(e => { e.style.display = 'none'; });
    const text = root.innerText;
    code.forEach((e, i) => { e.style.display = display[i]; });
    return text;
}"""

# Sphinx 7.4 marks inline math as span.math and display math as div.math (one div per
# $$...$$ or amsmath block, multi-line displays included: Sphinx joins the lines into one
# \[...\], or post_equations passes a tagged one as a single aligned display), so every
# math element must hold exactly one mjx-container.
_MATH_STATS = """() => {
    const math = [...document.querySelectorAll('span.math, div.math')];
    return {
        n_math: math.length,
        n_containers: document.querySelectorAll('mjx-container').length,
        not_one_container: math.filter(m => m.querySelectorAll('mjx-container').length !== 1)
                               .map(m => m.textContent.trim().slice(0, 80)),
        merrors: [...document.querySelectorAll('mjx-merror')].map(e => e.textContent.slice(0, 80)),
        // MathJax CHTML renders \tag{N} as <mjx-mtd id="mjx-eqn:N"> inside <mjx-labels>.
        tags: [...document.querySelectorAll('mjx-mtd[id^="mjx-eqn"]')].map(e => e.id.slice('mjx-eqn:'.length)),
        // a labelled equation's number (its :enumerator:), written by Sphinx beside the display
        eqnos: [...document.querySelectorAll('div.math > span.eqno')].map(e => e.firstChild.textContent.trim()),
    };
}"""


# Code a reader sees (not folded behind "Show code cell source") must fit the text column:
# a line that needs a horizontal scroll bar is cut off on the page and in the screenshot.
_WIDE_CODE = """() => [...document.querySelectorAll('div.cell_input pre')]
    .filter(pre => !pre.closest('details') && pre.scrollWidth > pre.clientWidth + 1)
    .map(pre => pre.textContent.split('\\n').reduce((a, b) => (b.length > a.length ? b : a), ''))"""


def _load(browser, site, page_path):
    page = browser.new_page()
    try:
        external, failed, errors = _watch(page, site)
        page.goto(f"{site}/{page_path}", wait_until="load")
        if page_path == "index.html":  # the root only redirects to the root document
            page.wait_for_url(f"{site}/{TOC_PAGES[0]}", wait_until="load", timeout=10000)
        _settle(page)
        stats = page.evaluate(_MATH_STATS)
        shot = SCREENSHOTS / pathlib.PurePosixPath(page_path).with_suffix(".png")
        shot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shot), full_page=True)
        raw_tex = [m.group(0) for m in re.finditer(r".{0,40}(\$\$|\\begin|\\frac|\\\(|\\\[).{0,40}", page.evaluate(_PROSE_TEXT))]
        wide_code = page.evaluate(_WIDE_CODE)
        # everything the page asked for (after the full-page screenshot too) has an answer
        page.evaluate("() => document.fonts.ready.then(() => true)")
        _wait_for_requests(page)
        return Visit(page.url, external, failed, errors, raw_tex=raw_tex, wide_code=wide_code,
                     screenshot=shot, **stats)
    finally:
        page.close()


@pytest.fixture(scope="session")
def visit(browser, site):
    """Open a page once per session (however many tests read it) and return its Visit."""
    cache = {}

    def get(page_path):
        if page_path not in cache:
            try:
                cache[page_path] = _load(browser, site, page_path)
            except Exception as exc:  # every test of that page reports the same failure
                cache[page_path] = exc
        if isinstance(cache[page_path], Exception):
            raise cache[page_path]
        return cache[page_path]

    return get


@pytest.mark.parametrize("page_path", PAGES)
def test_page_loads_offline_without_errors(visit, site, page_path):
    v = visit(page_path)
    assert not v.external, f"requests left the site: {v.external}"
    assert not v.failed, f"failed requests: {v.failed}"
    assert not _unexpected(v.errors), f"console errors: {v.errors}"
    if page_path == "index.html":
        assert v.url == f"{site}/{TOC_PAGES[0]}", f"the root did not redirect to the book: {v.url}"


@pytest.mark.parametrize("page_path", PAGES)
def test_visible_code_fits_the_column(visit, page_path):
    assert not visit(page_path).wide_code, f"code lines cut off at the column's edge: {visit(page_path).wide_code}"


@pytest.mark.parametrize("page_path", PAGES)
def test_mathjax_renders_every_formula(visit, page_path):
    v = visit(page_path)
    assert not v.merrors, f"MathJax could not typeset: {v.merrors}"
    assert not v.not_one_container, f"math elements without exactly one rendering: {v.not_one_container[:5]}"
    assert v.n_containers == v.n_math, f"{v.n_containers} rendered formulas for {v.n_math} math elements"
    assert not v.raw_tex, f"raw TeX left in the text: {v.raw_tex[:5]}"
    assert v.screenshot.stat().st_size > 0


def test_derivations_show_the_posts_equation_numbers(visit):
    tags = [number.strip("()") for page_path in DERIVATION_PAGES for number in visit(page_path).eqnos]
    missing = sorted(EXPECTED_TAGS - set(tags), key=lambda t: (int(re.match(r"\d+", t).group()), t))
    twice = sorted({tag for tag in tags if tags.count(tag) > 1})
    assert not missing, f"equation numbers not rendered: {missing} (found {tags})"
    assert not twice, f"equation numbers rendered twice: {twice}"
    # no labelled equation carries a MathJax \tag as well as its number
    assert not [tag for page_path in DERIVATION_PAGES for tag in visit(page_path).tags]


def test_console_allow_list_is_not_stale(visit):
    """An allow-listed console message that no page prints any more must leave the list."""
    for page_path in PAGES:
        try:
            _unexpected(visit(page_path).errors)
        except Exception:
            pass  # that page's own tests report it
    stale = [k for k in KNOWN_CONSOLE_NOISE if k not in _NOISE_SEEN]
    assert not stale, f"no page prints {stale} any more: remove it from KNOWN_CONSOLE_NOISE"


def test_exercise_solutions_open_and_close(browser, site):
    """sphinx-exercise's dropdown solutions are sphinx-togglebutton toggles: hidden, shown, hidden."""
    page = browser.new_page()
    try:
        page.goto(f"{site}/chapters/kl_divergence.html", wait_until="load")
        solutions = page.locator("div.solution.dropdown")
        assert solutions.count() >= 1, "no dropdown solution on the page"
        for i in range(solutions.count()):
            solution = solutions.nth(i)
            button, body = solution.locator("button.toggle-button"), solution.locator("#solution-content")
            body.wait_for(state="hidden")
            assert button.get_attribute("aria-expanded") == "false"
            button.click()
            body.wait_for(state="visible", timeout=5000)
            assert button.get_attribute("aria-expanded") == "true"
            button.click()
            body.wait_for(state="hidden", timeout=5000)
            assert button.get_attribute("aria-expanded") == "false"
    finally:
        page.close()


def test_search_finds_fisher(browser, site):
    page = browser.new_page()
    try:
        external, failed, errors = _watch(page, site)
        page.goto(f"{site}/search.html?q=Fisher", wait_until="load")
        # Sphinx's searchtools.js lists the hits one by one, says "Search finished", and fetches
        # each hit's page for the lines under it (p.context), some of them after that message
        page.wait_for_function("""() => {
            const status = document.querySelector('#search-results .search-summary');
            const hits = [...document.querySelectorAll('#search-results ul.search li')];
            return status && status.innerText.startsWith('Search finished') && hits.length > 0
                && hits.every(li => li.querySelector('p.context, :scope > span'));
        }""", timeout=15000)
        _wait_for_requests(page)
        hits = page.locator("#search-results ul.search li a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    finally:
        page.close()
    assert any("fisher_hessian.html" in h for h in hits), f"the Fisher chapter is not among the results: {hits}"
    assert not external and not failed, (external, failed)
    assert not _unexpected(errors), errors


def test_figures_keep_a_white_background_in_dark_mode(browser, site):
    """In dark mode the theme puts images on white (dimmed by its filter) so plots stay legible."""
    from PIL import Image

    page = browser.new_page()
    try:
        page.goto(f"{site}/chapters/motivation.html", wait_until="load")
        page.evaluate("() => localStorage.setItem('mode', 'dark')")
        page.reload(wait_until="load")
        page.wait_for_function("() => document.documentElement.dataset.theme === 'dark'", timeout=5000)
        page_background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
        images = page.locator("article img")
        assert images.count() >= 1, "no figure on the page"
        for i in range(images.count()):
            img = images.nth(i)
            img.scroll_into_view_if_needed()
            img.evaluate("e => e.complete || new Promise(r => e.addEventListener('load', r))")
            background, radius = img.evaluate("e => [getComputedStyle(e).backgroundColor, "
                                              "parseFloat(getComputedStyle(e).borderTopLeftRadius) || 0]")
            shot = Image.open(io.BytesIO(img.screenshot())).convert("RGB")
            w, h = shot.size
            inset = math.ceil(radius) + 2  # inside the rounded corners
            corners = [shot.getpixel(xy) for xy in
                       [(inset, inset), (w - 1 - inset, inset), (inset, h - 1 - inset), (w - 1 - inset, h - 1 - inset)]]
            src = img.get_attribute("src")
            assert background == "rgb(255, 255, 255)", f"{src}: background {background} in dark mode"
            # white under the theme's `filter: brightness(.8) contrast(1.2)` renders as
            # (219, 219, 219); the dark page behind a transparent plot is (18, 18, 18).
            assert all(min(px) >= 200 for px in corners), \
                f"{src}: corners {corners} are not white (page background {page_background})"
    finally:
        page.close()


# --- accessibility: axe-core (WCAG 2.0/2.1 A and AA), phones, keyboard -------------------------

# "experimental" adds label-content-name-mismatch (WCAG 2.5.3) and td-has-header, off by default
# in axe-core
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "experimental"]
# The theme's own chrome (header, sidebars, footer): its violations are listed here with the
# theme's issue, and the book's own content must have none. Empty: the label-content-name-mismatch
# of the theme's search and colour-mode buttons (pydata-sphinx-theme PR #1924 gave the colour-mode
# icons their titles) is mended in the written HTML by _ext/accessible_pages.py.
THEME_CHROME = ".bd-header, .bd-header-article, .bd-sidebar-primary, .bd-sidebar-secondary, .bd-footer"
KNOWN_THEME_VIOLATIONS: dict[str, str] = {}
_REDIRECT = re.compile(r'<meta http-equiv="Refresh" content="\d+; url=([^"]+)"', re.I)


@pytest.fixture(scope="session")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def _built_pages(html: pathlib.Path) -> list[str]:
    """Every page the build wrote: each HTML file of the site, read from the built folder.

    Only ``_static/`` is left out: the theme's assets, MathJax's and BokehJS's. The only HTML
    files there are the themes' Jinja macro files (``webpack-macros.html``,
    ``sbt-webpack-macros.html``), copied with their assets, never linked and not pages.
    """
    return sorted(str(p.relative_to(html).as_posix()) for p in html.rglob("*.html")
                  if "_static" not in p.relative_to(html).parts)


def test_every_page_of_the_book_is_built(built_book):
    """The pages the audits below read from the build include the ones the book is known to have."""
    _, html = built_book
    pages = _built_pages(html)
    expected = {"index.html", "genindex.html", "search.html", "prf-prf.html", *TOC_PAGES}
    assert expected <= set(pages), sorted(expected - set(pages))


# What the build removes (_ext/accessible_pages.py) because it would give a control a name other
# than the text it shows: none may be left in a page once the theme's scripts have run (Font
# Awesome turns an icon's title into an svg <title>; Bootstrap's tooltips move titles aside).
_MISNAMED = """() => [
    ...[...document.querySelectorAll('.theme-switch-button [title], .theme-switch-button svg title')]
        .map(e => 'colour-mode icon titled ' + (e.getAttribute('title') || e.textContent)),
    ...[...document.querySelectorAll('.search-button__button[aria-label], summary[aria-label]')]
        .filter(e => e.innerText.trim()).map(e => `${e.className || e.tagName} labelled ${e.getAttribute('aria-label')}`),
]"""


def _open_for_audit(context, site, html, page_path, mode):
    """Open a page as a reader finds it once its scripts have run, in the given colour mode.

    The redirect at the site root is audited itself, not the page it leads to: the browser's
    request for that page is answered with 204 No Content, which leaves the redirect shown.
    """
    page = context.new_page()
    page.add_init_script(f"localStorage.setItem('theme', '{mode}')")
    redirect = _REDIRECT.search((html / page_path).read_text(encoding="utf-8"))
    if redirect:
        target = f"{site}/{pathlib.PurePosixPath(page_path).parent / redirect.group(1)}"
        page.route(target, lambda route: route.fulfill(status=204))
        with page.expect_request(target, timeout=10000):
            page.goto(f"{site}/{page_path}", wait_until="load")
        assert page.url == f"{site}/{page_path}", page.url
        return page
    page.goto(f"{site}/{page_path}", wait_until="load")
    assert page.evaluate("document.documentElement.dataset.theme") == mode
    _settle(page)
    return page


def _audit(page, axe):
    """axe-core's serious and critical violations on the open page: (in the book, in the theme)."""
    misnamed = page.evaluate(_MISNAMED)
    # only violations come back: listing every passing node doubled axe's time on a page
    result = axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS},
                                    "resultTypes": ["violations"]})
    in_book, in_theme = [f"{m} (left in the page)" for m in misnamed], []
    for violation in result.response["violations"]:
        if violation["impact"] not in ("serious", "critical"):
            continue
        for node in violation["nodes"]:
            selector = node["target"][0]
            in_chrome = page.evaluate("([sel, chrome]) => { const e = document.querySelector(sel);"
                                      " return !!(e && e.closest(chrome)); }", [selector, THEME_CHROME])
            (in_theme if in_chrome else in_book).append(f"{violation['id']}: {selector}")
    return in_book, in_theme


# The theme's colour-mode switch, as its button does it: the mode on <html> and in localStorage.
_SWITCH_MODE = """(mode) => {
  const root = document.documentElement;
  root.dataset.mode = mode;
  root.dataset.theme = mode;
  localStorage.setItem('theme', mode);
}"""


@pytest.fixture(scope="session")
def audits(browser, site, built_book, axe):
    """axe-core on every page the build wrote, in light mode and then in dark mode.

    Each page is opened once, in light mode as a reader finds it, and audited; then the colour
    mode is switched (the system's preference, and the theme's mode as its switch sets it) and,
    once no transition is running, the page is audited again: one load serves both audits. (The redirect at the site root has no colour mode: one audit counts for
    both.) Returns ``{mode: {page: (in_book, in_theme)}}``.
    """
    _, html = built_book
    out = {"light": {}, "dark": {}}
    for page_path in _built_pages(html):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="light")
        try:
            page = _open_for_audit(context, site, html, page_path, "light")
            out["light"][page_path] = _audit(page, axe)
            if page.evaluate("document.documentElement.dataset.theme") == "light":
                page.emulate_media(color_scheme="dark")  # as a reader's system in dark mode
                page.evaluate(_SWITCH_MODE, "dark")
                page.wait_for_function("() => getComputedStyle(document.body).colorScheme.includes('dark')"
                                       " && document.getAnimations().every(a => a.playState !== 'running')",
                                       timeout=10000)
                out["dark"][page_path] = _audit(page, axe)
            else:
                out["dark"][page_path] = out["light"][page_path]
        finally:
            context.close()
    return out


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_no_serious_accessibility_violation(audits, mode):
    """axe-core on every page the build wrote, in both colour modes: no serious or critical
    violation in the book, none in the theme's chrome that is not listed with its issue."""
    book, theme, counts = {}, {}, []
    for page_path, (in_book, in_theme) in audits[mode].items():
        counts.append(f"{page_path}: {len(in_book)} in the book, {len(in_theme)} in the theme")
        if in_book:
            book[page_path] = in_book
        unknown = [v for v in in_theme if v.split(":")[0] not in KNOWN_THEME_VIOLATIONS]
        if unknown:
            theme[page_path] = unknown
    print(f"\naxe-core, {mode} mode, {len(audits[mode])} pages:\n  " + "\n  ".join(counts))
    problems = [f"{p} ({mode}): {v[:5]}" for p, v in book.items()] + [
        f"{p} ({mode}), theme chrome, not in KNOWN_THEME_VIOLATIONS: {v[:5]}" for p, v in theme.items()]
    assert not problems, "\n".join(problems)


def test_accessible_names_are_in_the_written_html(built_book):
    """The repairs of _ext/accessible_pages.py are in the HTML as written, not made by a script
    after load (which raced the theme's Font Awesome script and axe-core, and once lost in CI)."""
    from bs4 import BeautifulSoup

    _, html = built_book
    left = []
    for page_path in _built_pages(html):
        soup = BeautifulSoup((html / page_path).read_text(encoding="utf-8"), "html.parser")
        for icon in soup.select(".theme-switch-button i"):
            if icon.has_attr("title") or icon.get("aria-hidden") != "true":
                left.append(f"{page_path}: colour-mode icon {icon}")
        for control in soup.select(".search-button__button[aria-label], summary[aria-label]"):
            if control.get_text(strip=True):
                left.append(f"{page_path}: {control.name}.{'.'.join(control.get('class', []))} "
                            f"labelled {control['aria-label']!r} shows {control.get_text(' ', strip=True)!r}")
        left += [f"{page_path}: layout table without role" for t in soup.select("table.modindextable")
                 if t.get("role") != "presentation"]
        if _REDIRECT.search(str(soup)):
            assert soup.html and soup.html.get("lang") and soup.title and soup.title.string, page_path
    assert not left, left[:10]


@pytest.mark.parametrize("page_path", TOC_PAGES)
def test_no_page_is_wider_than_a_phone(browser, site, page_path):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{site}/{page_path}", wait_until="load")
    _settle(page)  # the page's final layout: typeset maths, fonts, icons, the live explorer
    width = page.evaluate("document.documentElement.scrollWidth")
    page.close()
    assert width <= 390, f"{page_path} is {width} px wide on a 390 px phone"


def test_solutions_open_by_keyboard(browser, site):
    """Tab reaches an exercise's solution toggle, shows where it is, and Enter opens the solution."""
    from playwright.sync_api import expect

    page = browser.new_page()
    page.goto(f"{site}/chapters/taylor.html", wait_until="load")
    _wait_for_mathjax(page)
    page.locator("div.solution .admonition-title a").first.focus()
    active = """() => { const e = document.activeElement, s = getComputedStyle(e);
        return [e.tagName, e.className, s.outlineStyle, parseFloat(s.outlineWidth)]; }"""
    for _ in range(10):  # past the title's link and its maths, to the toggle
        page.keyboard.press("Tab")
        tag, cls, outline, width = page.evaluate(active)
        if "toggle-button" in cls:
            break
    assert "toggle-button" in cls, "Tab never reached the solution's toggle"
    assert outline != "none" and width >= 2, f"no visible focus on the toggle: {outline} {width}"
    solution = page.locator("div.solution").first
    assert "toggle-hidden" in solution.get_attribute("class")
    page.keyboard.press("Enter")
    # sphinx-togglebutton drops the class as it opens the solution: wait for that, not for a time
    expect(solution, "Enter did not open the solution").not_to_have_class(
        re.compile(r"\btoggle-hidden\b"), timeout=5000)
    page.close()


@pytest.mark.parametrize("page_path", PAGES)
def test_page_html_stays_small(built_book, page_path):
    _, html = built_book
    size = (html / page_path).stat().st_size
    assert size <= MAX_PAGE_BYTES, f"{page_path} is {size / 1e6:.2f} MB"


def test_site_size(built_book):
    """Every HTML file of the site stays under 3 MB; prints the site's size and largest page."""
    _, html = built_book
    mathjax = html / "_static" / "mathjax"
    files = [f for f in html.rglob("*") if f.is_file() and mathjax not in f.parents]
    pages = {str(f.relative_to(html)): f.stat().st_size for f in files if f.suffix == ".html"}
    total = sum(f.stat().st_size for f in files)
    largest = max(pages, key=pages.get)
    print(f"\nsite size: {total / 1e6:.2f} MB in {len(files)} files (without _static/mathjax); "
          f"largest page: {largest} {pages[largest] / 1e6:.2f} MB")
    too_big = {p: s for p, s in pages.items() if s > MAX_PAGE_BYTES}
    assert not too_big, f"pages over 3 MB: {too_big}"


# --- the live explorer, worked as a reader works it ------------------------------------------

# What the page holds: the settings its paths were computed with, and the paths themselves.
_LIVE_STATE = """() => {
  const doc = Bokeh.documents[0];
  const get = (n) => doc.get_model_by_name(n);
  const cols = (n) => ({a: [...get(n).data.a], b: [...get(n).data.b]});
  const start = get('start').data;
  const out = {lr: start.lr[0], steps: start.steps[0], chart: start.chart[0], mu0: start.x[0],
               sigma0: start.y[0], iteration: get('iteration').value,
               message: get('message').visible ? get('message').text : '',
               overlay: [...get('overlay').active], play: get('play').label,
               gd: cols('gd'), ngd: cols('ngd'),
               ball: {x: [...get('ball').data.x], y: [...get('ball').data.y]}};
  for (const c of %s) out['ngd_' + c] = cols('ngd_' + c);
  return out;
}"""

# Page coordinates of a point (mu, sigma) of the plot, from Bokeh's own frame and ranges.
_TO_PAGE = """([mu, sigma]) => {
  const plot = Bokeh.documents[0].get_model_by_name('plot');
  const find = (v) => v.model === plot ? v : (v.child_views ?? []).map(find).find(Boolean);
  const view = [...Bokeh.index.roots].map(find).find(Boolean);
  const rect = view.canvas_view.el.getBoundingClientRect();
  const f = view.frame.bbox, xr = plot.x_range, yr = plot.y_range;
  return [rect.left + f.left + (mu - xr.start) / (xr.end - xr.start) * f.width,
          rect.top + f.top + (yr.end - sigma) / (yr.end - yr.start) * f.height];
}"""


# The paths were computed with the controls' current settings. The first change of a page runs
# the explorer's module only once Bokeh has imported it (asynchronously); later ones run at once.
_SETTLED = """(charts) => {
  const get = (n) => Bokeh.documents[0].get_model_by_name(n);
  const used = get('start').data;
  // the opening lr is Python's, which 10 ** log10(lr) reproduces only to rounding
  return Math.abs(used.lr[0] / 10 ** get('log_lr').value - 1) < 1e-12 && used.steps[0] === Math.round(get('steps').value)
    && used.x[0] === get('mu0').value && used.y[0] === get('sigma0').value
    && used.chart[0] === charts[get('chart').active];
}"""


def _live_state(page):
    import natgrad_lib as ng

    page.wait_for_function(_SETTLED, arg=list(ng.CHARTS), timeout=5000)
    return page.evaluate(_LIVE_STATE % list(ng.CHARTS))


def _assert_matches_natgrad_lib(state, data, what):
    """The paths the page holds equal natgrad_lib's for the settings the page holds."""
    import numpy as np

    import natgrad_lib as ng
    from natgrad_lib.live import KL_RADIUS, overlay_message
    from natgrad_lib.widgets import divergence_message, kl_ring, race

    k, steps, lr = state["iteration"], state["steps"], state["lr"]

    def check(got, path, name):
        path = path[: k + 1]
        got = np.column_stack([got["a"], got["b"]]).astype(float)
        assert got.shape == path.shape, f"{what}: {name} holds {len(got)} iterates, natgrad_lib {len(path)}"
        rel = np.hypot(*(got - path).T) / np.hypot(*path.T)
        assert rel.max() <= 1e-10, f"{what}: {name} differs from natgrad_lib by {rel.max():.2e}"

    theta0 = ng.to_chart([state["mu0"], state["sigma0"]], "mean_std", state["chart"])
    check(state["gd"], ng.gradient_descent(data, theta0, state["chart"], lr, steps), "gradient descent")
    ngd = ng.natural_gradient_descent(data, theta0, state["chart"], lr, steps)
    check(state["ngd"], ngd, "natural gradient descent")
    overlay = {}  # natgrad_lib's whole paths, for the message
    for chart in ng.CHARTS:
        if 0 in state["overlay"]:
            start = ng.to_chart([state["mu0"], state["sigma0"]], "mean_std", chart)
            overlay[chart] = ng.natural_gradient_descent(data, start, chart, lr, steps)
            check(state[f"ngd_{chart}"], overlay[chart], f"the overlay in {chart}")
        else:
            assert not state[f"ngd_{chart}"]["a"], f"{what}: an overlay is drawn while switched off"
    if 1 in state["overlay"]:
        j = min(k, len(ngd) - 1)
        centre = ng.charts.std_coordinates(ngd[j:j + 1], state["chart"])[0]
        ring = kl_ring(centre, KL_RADIUS)
        np.testing.assert_allclose(state["ball"]["x"], ring[:, 0], rtol=1e-10, err_msg=what)
        np.testing.assert_allclose(state["ball"]["y"], ring[:, 1], rtol=1e-10, err_msg=what)
    else:
        assert not state["ball"]["x"], f"{what}: the KL ball is drawn while switched off"
    expected = "\n".join(m for m in (
        divergence_message(race(data, state["mu0"], state["sigma0"], state["chart"], lr, steps), steps, data),
        overlay_message(overlay, steps)) if m)
    assert state["message"] == expected, f"{what}: message {state['message']!r}, natgrad_lib {expected!r}"


def test_live_explorer_recomputes_in_the_page(browser, site):
    """Every control, a click and a drag on the plot: the page's paths stay natgrad_lib's."""
    from natgrad_lib.widgets import explorer_data

    data = explorer_data(200, 0)  # the explorer chapter's data set
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    external, failed, errors = _watch(page, site)
    page.goto(f"{site}/chapters/explorer.html", wait_until="load")
    page.wait_for_selector(".natgrad-live-ready", timeout=20000)
    page.locator(".natgrad-live").scroll_into_view_if_needed()
    first = _live_state(page)
    _assert_matches_natgrad_lib(first, data, "on opening")
    seen = {"opening": first}

    def keys(name, *presses):
        page.get_by_role("slider", name=name).focus()
        for key in presses:
            page.keyboard.press(key)
        state = _live_state(page)
        _assert_matches_natgrad_lib(state, data, f"after {name} {presses}")
        return state

    state = keys("learning rate α", "ArrowRight", "ArrowRight", "ArrowRight")
    assert state["lr"] > first["lr"] * 1.3, "the learning rate slider did not move"
    state = keys("steps", *["ArrowLeft"] * 5)
    assert state["steps"] == first["steps"] - 5
    page.get_by_role("button", name="(μ, τ)").click()
    state = _live_state(page)
    assert state["chart"] == "mean_precision"
    _assert_matches_natgrad_lib(state, data, "after the chart (μ, τ)")
    page.get_by_role("button", name="(μ, σ)").click()
    state = keys("start μ₀", *["ArrowRight"] * 4)
    assert state["mu0"] == pytest.approx(first["mu0"] + 0.2)
    state = keys("start σ₀", "ArrowRight", "ArrowRight")
    assert state["sigma0"] == pytest.approx(first["sigma0"] + 0.1)
    page.get_by_role("checkbox", name="natural GD in all five charts").check()
    page.get_by_role("checkbox", name="KL ball around natural GD").check()
    state = _live_state(page)
    assert state["overlay"] == [0, 1] and state["ball"]["x"]
    _assert_matches_natgrad_lib(state, data, "with both overlays")

    # the scrubber truncates the paths; Play runs them to the end
    state = keys("iteration", "Home", "ArrowRight", "ArrowRight", "ArrowRight")
    assert state["iteration"] == 3 and len(state["gd"]["a"]) == 4
    # every value the scrubber takes while playing is recorded as it changes, so that what is
    # seen in between does not depend on when the test looks
    page.evaluate("""() => {
        const get = (n) => Bokeh.documents[0].get_model_by_name(n);
        window.natgradPlayed = [];
        get('iteration').properties.value.change.connect(
            () => window.natgradPlayed.push([get('iteration').value, get('play').label]));
    }""")
    page.get_by_role("button", name="▶ Play").click()
    page.wait_for_function("Bokeh.documents[0].get_model_by_name('play').label.endsWith('Play')", timeout=15000)
    played = page.evaluate("window.natgradPlayed")
    state = _live_state(page)
    assert state["iteration"] == state["steps"]
    iterations = [k for k, _ in played]
    assert iterations == sorted(iterations) and iterations[-1] == state["steps"], iterations
    between = [(k, label) for k, label in played if 3 < k < state["steps"]]
    assert len(between) >= 2 and all(label.endswith("Pause") for _, label in between), played
    _assert_matches_natgrad_lib(state, data, "after Play")

    # a click on the plot moves the start there
    target = (3.5, 2.5)
    x, y = page.evaluate(_TO_PAGE, list(target))
    page.mouse.click(x, y)
    state = _live_state(page)
    assert state["mu0"] == pytest.approx(target[0], abs=0.03) and state["sigma0"] == pytest.approx(target[1], abs=0.03)
    _assert_matches_natgrad_lib(state, data, "after a click on the plot")
    # a drag moves it along, and the paths follow
    x0, y0 = page.evaluate(_TO_PAGE, [0.0, 1.0])
    x1, y1 = page.evaluate(_TO_PAGE, [-2.0, 0.4])
    page.mouse.move(x0, y0)
    page.mouse.down()
    for i in range(1, 11):
        page.mouse.move(x0 + (x1 - x0) * i / 10, y0 + (y1 - y0) * i / 10)
    page.mouse.up()
    state = _live_state(page)
    assert state["mu0"] == pytest.approx(-2.0, abs=0.05) and state["sigma0"] == pytest.approx(0.4, abs=0.03), state
    _assert_matches_natgrad_lib(state, data, "after a drag")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(".natgrad-live").screenshot(path=str(SCREENSHOTS / "live_explorer_after_drag.png"))

    # Reset brings back the opening settings
    page.get_by_role("button", name="Reset").click()
    state = _live_state(page)
    for key in ("steps", "chart", "mu0", "sigma0", "overlay"):
        assert state[key] == first[key], key
    assert state["lr"] == pytest.approx(first["lr"], rel=1e-12)
    _assert_matches_natgrad_lib(state, data, "after Reset")

    # the largest learning rate: natural GD leaves (mu, sigma^2)'s domain, and the page says so
    state = keys("learning rate α", "End")
    assert state["lr"] == pytest.approx(10.0) and "natural gradient descent stopped" in state["message"]
    message = page.locator(".natgrad-live").get_by_text("natural gradient descent stopped")
    assert message.is_visible(), "the divergence message is not shown"
    page.close()
    assert not external, f"requests left the site: {external}"
    assert not failed, f"failed requests: {failed}"
    assert not _unexpected(errors), errors


def _rgb(hex_colour):
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))


def _pixels_of(page, points):
    """Page coordinates of (mu, sigma) points of the plot."""
    return [page.evaluate(_TO_PAGE, [float(mu), float(sigma)]) for mu, sigma in points]


def _shows(image, xy, colour, radius=2, tolerance=48):
    """Whether a pixel within ``radius`` of ``xy`` of the screenshot has about ``colour``."""
    x0, y0 = round(xy[0]), round(xy[1])
    return any(max(abs(a - b) for a, b in zip(image.getpixel((x0 + dx, y0 + dy))[:3], colour)) <= tolerance
               for dx in range(-radius, radius + 1) for dy in range(-radius, radius + 1))


def _far_from(xy, others, distance=8.0):
    return all(math.dist(xy, other) > distance for other in others)


def _far_from_lines(xy, paths, distance):
    """Whether ``xy`` is further than ``distance`` from every segment of the polylines ``paths``."""
    def gap(p, a, b):
        ab = (b[0] - a[0], b[1] - a[1])
        t = ((p[0] - a[0]) * ab[0] + (p[1] - a[1]) * ab[1]) / max(ab[0] ** 2 + ab[1] ** 2, 1e-12)
        t = min(1.0, max(0.0, t))
        return math.dist(p, (a[0] + t * ab[0], a[1] + t * ab[1]))
    return all(gap(xy, a, b) > distance for path in paths for a, b in zip(path, path[1:] or path))


def _assert_drawn(page, state, what):
    """In a screenshot, as a reader sees the plot: each path's dots in its colour, where the page's
    sources say the iterates are (away from the other path and the start), and the KL ball."""
    from PIL import Image

    from natgrad_lib.live import STYLE

    image = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
    xy = {}
    for kind in ("gd", "ngd"):
        a, b = state[kind]["a"], state[kind]["b"]
        mu_sigma = page.evaluate(f"() => {{ const d = Bokeh.documents[0].get_model_by_name('{kind}').data;"
                                 " return d.x.map((x, i) => [x, d.y[i]]); }")
        assert len(mu_sigma) == len(a) == len(b)
        xy[kind] = _pixels_of(page, mu_sigma)
    start = _pixels_of(page, [(state["mu0"], state["sigma0"])])[0]
    frame = page.evaluate(_FRAME)
    for kind, other in (("gd", "ngd"), ("ngd", "gd")):
        inside = [p for p in xy[kind] if frame[0] + 3 < p[0] < frame[2] - 3 and frame[1] + 3 < p[1] < frame[3] - 3]
        clear = [p for p in inside if _far_from_lines(p, [xy[other]], 6) and _far_from(p, [start], 10)]
        assert len(clear) >= 3, f"{what}: too few {kind} iterates to look at ({len(clear)})"
        colour = _rgb(STYLE[kind]["color"])
        missing = [p for p in clear if not _shows(image, p, colour)]
        assert not missing, f"{what}: the {kind} path is not drawn at {missing[:3]} of {len(clear)} iterates"
    if state["ball"]["x"]:
        ring = _pixels_of(page, zip(state["ball"]["x"], state["ball"]["y"]))
        ring = [p for p in ring if _far_from_lines(p, [xy["gd"], xy["ngd"]], 6)]
        green = _rgb(STYLE["ball"]["color"])
        assert ring and all(_shows(image, p, green) for p in ring), f"{what}: the KL ball is not drawn"
    return xy, image


# The plot's frame in page coordinates: [left, top, right, bottom].
_FRAME = """() => {
  const plot = Bokeh.documents[0].get_model_by_name('plot');
  const find = (v) => v.model === plot ? v : (v.child_views ?? []).map(find).find(Boolean);
  const view = [...Bokeh.index.roots].map(find).find(Boolean);
  const rect = view.canvas_view.el.getBoundingClientRect(), f = view.frame.bbox;
  return [rect.left + f.left, rect.top + f.top, rect.left + f.right, rect.top + f.bottom];
}"""


def test_live_explorer_draws_what_it_computes(browser, site):
    """The paths the page computes are the paths on the screen, at once after a key press."""
    from natgrad_lib.live import STYLE

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{site}/chapters/explorer.html", wait_until="load")
    page.wait_for_selector(".natgrad-live-ready", timeout=20000)
    page.locator(".natgrad-live").scroll_into_view_if_needed()
    old, _ = _assert_drawn(page, _live_state(page), "on opening")
    page.get_by_role("slider", name="learning rate α").focus()
    for _ in range(6):
        page.keyboard.press("ArrowRight")
    page.get_by_role("checkbox", name="KL ball around natural GD").check()
    new, image = _assert_drawn(page, _live_state(page), "after the learning rate and the KL ball")
    # the old paths are gone where the new ones do not pass
    gone = [p for p in old["gd"] if _far_from_lines(p, [new["gd"], new["ngd"]], 8)]
    assert len(gone) >= 3, "the learning rate barely moved the GD path"
    left = [p for p in gone if _shows(image, p, _rgb(STYLE["gd"]["color"]), tolerance=60)]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    image.save(SCREENSHOTS / "live_explorer_drawn.png")
    assert not left, f"an old GD path is still drawn at {left[:5]} of {len(gone)}; new {new['gd'][:5]}"
    page.close()


# The element that has the keyboard focus, through Bokeh's shadow roots, and how it shows it.
_FOCUSED = """() => {
  let el = document.activeElement;
  while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
  const style = getComputedStyle(el), label = el.closest('label');
  const name = el.getAttribute('aria-label') || (label ? label.innerText : '') || el.innerText || '';
  return {name: name.trim(), outline: style.outlineStyle, width: parseFloat(style.outlineWidth)};
}"""

LIVE_CONTROLS = ["(μ, σ)", "(μ, σ²)", "(μ, τ)", "(μ, log σ)", "(η₁, η₂)", "learning rate α", "steps",
                 "iteration", "▶ Play", "Reset", "start μ₀", "start σ₀", "natural GD in all five charts",
                 "KL ball around natural GD"]


def test_live_explorer_works_by_keyboard(browser, site):
    """Tab reaches every control, each with an accessible name and a visible focus; keys work them."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{site}/chapters/explorer.html", wait_until="load")
    page.wait_for_selector(".natgrad-live-ready", timeout=20000)
    page.get_by_role("button", name=LIVE_CONTROLS[0]).focus()
    reached = []
    for _ in LIVE_CONTROLS:
        focused = page.evaluate(_FOCUSED)
        reached.append(focused["name"])
        assert focused["outline"] != "none" and focused["width"] >= 1, f"no visible focus on {focused}"
        page.keyboard.press("Tab")
    assert reached == LIVE_CONTROLS
    page.get_by_role("button", name="(μ, τ)").focus()
    page.keyboard.press("Enter")
    page.get_by_role("checkbox", name="KL ball around natural GD").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="▶ Play").focus()
    page.keyboard.press("Space")
    state = _live_state(page)
    page.close()
    assert state["chart"] == "mean_precision" and state["overlay"] == [1] and state["play"].endswith("Pause")


@pytest.mark.parametrize("page_path", ["chapters/explorer.html", "chapters/gaussian_geometry.html"])
def test_live_explorer_has_a_static_stand_in(browser, site, page_path):
    """Without JavaScript, and in print, a live figure shows an image of its opening state, with alt text.

    Both live figures (the explorer, the geodesic figure) share the embed (``live.embed_html``).
    """
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{site}/{page_path}", wait_until="load")
    image = page.locator(".natgrad-live img.natgrad-live-static")
    assert image.count() == 1 and image.is_visible()
    assert len(image.get_attribute("alt")) > 40
    assert image.evaluate("img => img.naturalWidth") > 300
    context.close()
    # in print the picture stands in for the app too
    page = browser.new_page()
    page.goto(f"{site}/{page_path}", wait_until="load")
    page.wait_for_selector(".natgrad-live-ready", timeout=20000)
    assert not page.locator(".natgrad-live-static").first.is_visible()
    page.emulate_media(media="print")
    assert page.locator(".natgrad-live-static").first.is_visible()
    assert not page.locator(".natgrad-live-app").first.is_visible()
    page.close()


def test_explorer_page_has_no_dead_widget_and_stays_small(built_book):
    _, html = built_book
    page = (html / "chapters/explorer.html").read_text(encoding="utf-8")
    assert "widget-view+json" not in page.split("<article", 1)[-1].split("</article>", 1)[0], "a widget view leaked"
    # no widget manager is loaded (nb_ipywidgets_js: {}), so embedded widget state is dead weight
    assert "widget-state+json" not in page, "the live cell's widget state was embedded"
    assert len(page.encode()) < 3 * 1024 * 1024, f"explorer page is {len(page.encode()) / 1e6:.2f} MB"


# --- the live geodesic figure (natgrad_lib.live_geodesic), worked as a reader works it -----------

GEODESIC_PAGE = "chapters/gaussian_geometry.html"

# The document of the geodesic figure (the page may hold other Bokeh documents), by its models' names.
_GEO_DOC = "Bokeh.documents.find((d) => d.get_model_by_name('live_geodesic'))"

# What the page holds: the sliders, the sources Bokeh draws and the readout as the reader reads it.
_GEO_STATE = """() => {
  const doc = %s;
  const get = (n) => doc.get_model_by_name(n);
  const xy = (n) => ({x: [...get(n).data.x], y: [...get(n).data.y]});
  const shown = {};
  const root = document.querySelector('.natgrad-live');
  (function walk(node) {  // the readout renders in Bokeh's shadow roots
    node.querySelectorAll('[data-quantity]').forEach((el) => { shown[el.dataset.quantity] = el.innerText; });
    node.querySelectorAll('*').forEach((el) => { if (el.shadowRoot) walk(el.shadowRoot); });
  })(root);
  return {mu1: get('mu1').value, sigma1: get('sigma1').value, mu2: get('mu2').value, sigma2: get('sigma2').value,
          geodesic: xy('geodesic'), segment: xy('segment'), point1: xy('point1'), point2: xy('point2'),
          density1: xy('density1'), density2: xy('density2'), readout: get('readout').text, shown: shown,
          top: get('densities').y_range.end};
}""" % _GEO_DOC

# The sources were computed from the sliders' current values, and the readout is on the screen.
_GEO_SETTLED = """(old) => {
  const doc = %s;
  if (!doc) return false;
  const get = (n) => doc.get_model_by_name(n), v = (n) => get(n).value;
  // the segment holds the two points exactly (the geodesic's ends only to rounding)
  const s = get('segment').data;
  return s.x[0] === v('mu1') && s.y[0] === v('sigma1') && s.x[1] === v('mu2') && s.y[1] === v('sigma2')
    && get('readout').text !== old;
}""" % _GEO_DOC

# Page coordinates of a point (mu, sigma) of the figure's plane (or (x, p(x)) of its densities).
_GEO_TO_PAGE = """([mu, sigma, name = 'plane']) => {
  const plot = (%s).get_model_by_name(name);
  const find = (v) => v.model === plot ? v : (v.child_views ?? []).map(find).find(Boolean);
  const view = [...Bokeh.index.roots].map(find).find(Boolean);
  const rect = view.canvas_view.el.getBoundingClientRect();
  const f = view.frame.bbox, xr = plot.x_range, yr = plot.y_range;
  return [rect.left + f.left + (mu - xr.start) / (xr.end - xr.start) * f.width,
          rect.top + f.top + (yr.end - sigma) / (yr.end - yr.start) * f.height];
}""" % _GEO_DOC


def _open_geodesic(browser, site, width=1280, height=900):
    page = browser.new_page(viewport={"width": width, "height": height})
    watched = _watch(page, site)
    page.goto(f"{site}/{GEODESIC_PAGE}", wait_until="load")
    assert page.locator(".natgrad-live").count() == 1, \
        f"{GEODESIC_PAGE} holds no live figure: the chapter shows natgrad_lib.live_geodesic.LiveGeodesic"
    page.wait_for_selector(".natgrad-live-ready", timeout=20000)
    page.locator(".natgrad-live").scroll_into_view_if_needed()
    return page, watched


def _geo_state(page, old_readout=None):
    """The figure's state once it has followed the sliders (and, given ``old_readout``, once the
    readout has changed from it): conditions, never a delay."""
    page.wait_for_function(_GEO_SETTLED, arg=old_readout, timeout=5000)
    return page.evaluate(_GEO_STATE)


def _assert_geodesic_matches_natgrad_lib(state, what):
    """The page's geodesic, segment, points, densities and readout are natgrad_lib's for its sliders."""
    import numpy as np

    from natgrad_lib import live_geodesic
    from natgrad_lib.divergences import kl_divergence
    from natgrad_lib.fisher_rao import fisher_rao_distance, geodesic

    p, q = (state["mu1"], state["sigma1"]), (state["mu2"], state["sigma2"])
    got = np.column_stack([state["geodesic"]["x"], state["geodesic"]["y"]])
    expected = geodesic(p, q, np.linspace(0.0, 1.0, live_geodesic.N_GEODESIC))
    assert got.shape == expected.shape, f"{what}: {got.shape} geodesic points, natgrad_lib {expected.shape}"
    rel = np.hypot(*(got - expected).T) / np.hypot(*expected.T)
    assert rel.max() <= 1e-9, f"{what}: the geodesic differs from natgrad_lib's by {rel.max():.2e}"
    assert state["segment"] == {"x": [p[0], q[0]], "y": [p[1], q[1]]}, what
    assert state["point1"] == {"x": [p[0]], "y": [p[1]]} and state["point2"] == {"x": [q[0]], "y": [q[1]]}, what
    for name, (mu, s) in (("density1", p), ("density2", q)):
        x = np.array(state[name]["x"])
        pdf = np.exp(-0.5 * ((x - mu) / s) ** 2) / (s * math.sqrt(2 * math.pi))
        np.testing.assert_allclose(state[name]["y"], pdf, rtol=1e-12, atol=1e-300, err_msg=f"{what}: {name}")
    d = fisher_rao_distance(p, q)
    expected = {"d": d, "kl12": kl_divergence(p, q, "mean_std"), "kl21": kl_divergence(q, p, "mean_std"),
                "half": 0.5 * d * d}
    assert state["top"] == pytest.approx(live_geodesic.density_top(p, q), rel=1e-12), f"{what}: densities' axis"
    half_unit = 0.5 * 10.0 ** -live_geodesic.DIGITS
    for key, value in expected.items():
        shown = state["shown"][key]  # what the reader reads, e.g. "Fisher-Rao distance d = 1.2345"
        printed = float(shown.rsplit("=", 1)[1])
        assert abs(printed - value) <= half_unit * (1 + 1e-9), f"{what}: {shown!r}, natgrad_lib {key} = {value!r}"
        assert len(shown.rsplit(".", 1)[1]) == live_geodesic.DIGITS, f"{what}: {shown!r}"
    return expected


def _assert_geodesic_drawn(page, state, what):
    """In a screenshot, as a reader sees it: the geodesic, the two points and the two densities in
    their colours where the page's sources say they are."""
    from PIL import Image

    from natgrad_lib.live_geodesic import STYLE

    image = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
    g = state["geodesic"]
    segment = [page.evaluate(_GEO_TO_PAGE, [x, y]) for x, y in zip(state["segment"]["x"], state["segment"]["y"])]
    points = [page.evaluate(_GEO_TO_PAGE, [state[f"point{i}"]["x"][0], state[f"point{i}"]["y"][0]]) for i in (1, 2)]
    n = len(g["x"])
    along = [page.evaluate(_GEO_TO_PAGE, [g["x"][i], g["y"][i]]) for i in range(n // 5, n - n // 5, n // 10)]
    clear = [p for p in along if _far_from_lines(p, [segment], 4) and _far_from(p, points, 12)]
    missing = [p for p in clear if not _shows(image, p, _rgb(STYLE["geodesic"]["color"]), tolerance=80)]
    assert not missing, f"{what}: the geodesic is not drawn at {missing} of {len(clear)} points"
    for i, xy in zip((1, 2), points):
        assert _shows(image, xy, _rgb(STYLE[f"point{i}"]["color"]), radius=1), f"{what}: point {i} not drawn at {xy}"
    peaks = []
    for i in (1, 2):
        d = state[f"density{i}"]
        k = max(range(len(d["y"])), key=d["y"].__getitem__)
        peaks.append(page.evaluate(_GEO_TO_PAGE, [d["x"][k], d["y"][k], "densities"]))
    for i, xy in zip((1, 2), peaks):
        if _far_from(xy, [peaks[2 - i]], 10):
            assert _shows(image, xy, _rgb(STYLE[f"density{i}"]["color"]), radius=3), f"{what}: p{i} not drawn at {xy}"
    return image


def test_live_geodesic_loads_and_opens_with_natgrad_libs_state(browser, site):
    """The page embeds the figure offline, and what it shows first is natgrad_lib's."""
    page, (external, failed, errors) = _open_geodesic(browser, site)
    state = _geo_state(page)
    _assert_geodesic_matches_natgrad_lib(state, "on opening")
    _assert_geodesic_drawn(page, state, "on opening")
    page.close()
    assert not external, f"requests left the site: {external}"
    assert not failed, f"failed requests: {failed}"
    assert not _unexpected(errors), errors


def test_live_geodesic_works_by_keyboard(browser, site):
    """Tab to a slider, arrow keys move it; the points, geodesic, densities and readout follow."""
    from playwright.sync_api import expect

    page, (_, _, errors) = _open_geodesic(browser, site)
    first = _geo_state(page)
    handle = page.get_by_role("slider", name="mean μ₂")
    handle.focus()
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    state = _geo_state(page, first["readout"])
    assert state["mu2"] == pytest.approx(first["mu2"] + 4 * 0.05), "ArrowRight did not move mean μ₂ by 4 steps"
    assert (state["mu1"], state["sigma1"], state["sigma2"]) == (first["mu1"], first["sigma1"], first["sigma2"])
    _assert_geodesic_matches_natgrad_lib(state, "after mean μ₂ ArrowRight x4")
    _assert_geodesic_drawn(page, state, "after mean μ₂ ArrowRight x4")
    # every slider is reached by Tab from the first, each with its name, and Reset by Tab too
    page.get_by_role("slider", name="mean μ₁").focus()
    names = []
    for _ in range(5):
        focused = page.evaluate(_FOCUSED)
        names.append(focused["name"])
        assert focused["outline"] != "none" and focused["width"] >= 1, f"no visible focus on {focused}"
        page.keyboard.press("Tab")
    assert names == ["mean μ₁", "standard deviation σ₁", "mean μ₂", "standard deviation σ₂", "Reset"], names
    # Home on all four sliders: two equal points, at distance 0 with both KLs 0
    for name in ("mean μ₁", "standard deviation σ₁", "mean μ₂", "standard deviation σ₂"):
        page.get_by_role("slider", name=name).focus()
        page.keyboard.press("Home")
    state = _geo_state(page, state["readout"])
    assert (state["mu1"], state["sigma1"]) == (state["mu2"], state["sigma2"]) == (-3.0, 0.2), state
    quantities = _assert_geodesic_matches_natgrad_lib(state, "with two equal points")
    assert quantities == {"d": 0.0, "kl12": 0.0, "kl21": 0.0, "half": 0.0}
    assert set(state["geodesic"]["x"]) == {-3.0} and set(state["geodesic"]["y"]) == {0.2}
    page.get_by_role("slider", name="standard deviation σ₁").focus()
    page.keyboard.press("End")
    state = _geo_state(page, state["readout"])
    assert state["sigma1"] == pytest.approx(3.0)
    _assert_geodesic_matches_natgrad_lib(state, "after standard deviation σ₁ End")
    page.get_by_role("button", name="Reset").focus()
    page.keyboard.press("Enter")
    state = _geo_state(page, state["readout"])
    assert [state[k] for k in ("mu1", "sigma1", "mu2", "sigma2")] == [first[k] for k in ("mu1", "sigma1", "mu2", "sigma2")]
    assert state["readout"] == first["readout"]
    expect(handle).to_have_attribute("aria-label", "mean μ₂")
    live = page.evaluate("""() => {  // the readout is a live region: a screen reader says its changes
        const find = (v) => v.model === (%s).get_model_by_name('readout') ? v
                                                                          : (v.child_views ?? []).map(find).find(Boolean);
        const view = [...Bokeh.index.roots].map(find).find(Boolean);
        return [view.el.getAttribute('aria-live'), view.el.innerText !== undefined]; }""" % _GEO_DOC)
    assert live == ["polite", True], live
    page.close()
    assert not _unexpected(errors), errors


def test_live_geodesic_follows_a_drag_and_a_click(browser, site):
    """Dragging a point moves it and the readout follows; a click moves the nearer point there."""
    from PIL import Image

    page, (_, _, errors) = _open_geodesic(browser, site)
    first = _geo_state(page)
    x0, y0 = page.evaluate(_GEO_TO_PAGE, [first["mu2"], first["sigma2"]])
    target = (-2.0, 2.0)
    x1, y1 = page.evaluate(_GEO_TO_PAGE, list(target))
    page.mouse.move(x0, y0)
    page.mouse.down()
    for i in range(1, 11):
        page.mouse.move(x0 + (x1 - x0) * i / 10, y0 + (y1 - y0) * i / 10)
    page.mouse.up()
    state = _geo_state(page, first["readout"])
    assert state["mu2"] == pytest.approx(target[0], abs=0.03) and state["sigma2"] == pytest.approx(target[1], abs=0.03)
    assert (state["mu1"], state["sigma1"]) == (first["mu1"], first["sigma1"]), "the drag moved the other point"
    _assert_geodesic_matches_natgrad_lib(state, "after a drag of point 2")
    # drawn where the page computed it, and the old geodesic is gone where the new one does not pass
    image = _assert_geodesic_drawn(page, state, "after a drag of point 2")
    new = [page.evaluate(_GEO_TO_PAGE, [x, y]) for x, y in zip(state["geodesic"]["x"], state["geodesic"]["y"])]
    old = [page.evaluate(_GEO_TO_PAGE, [x, y]) for x, y in zip(first["geodesic"]["x"], first["geodesic"]["y"])]
    gone = [p for p in old[::5] if _far_from_lines(p, [new], 10)]
    left = [p for p in gone if _shows(image, p, (0, 0, 0), tolerance=80)]
    assert len(gone) >= 5 and not left, f"the old geodesic is still drawn at {left[:5]} of {len(gone)}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(".natgrad-live").screenshot(path=str(SCREENSHOTS / "geodesic_explorer_after_drag.png"))
    # a click nearer to point 1 moves point 1, not point 2
    near1 = (state["mu1"] + 0.4, state["sigma1"] + 0.3)
    page.mouse.click(*page.evaluate(_GEO_TO_PAGE, list(near1)))
    after = _geo_state(page, state["readout"])
    assert after["mu1"] == pytest.approx(near1[0], abs=0.03) and after["sigma1"] == pytest.approx(near1[1], abs=0.03)
    assert (after["mu2"], after["sigma2"]) == (state["mu2"], state["sigma2"])
    _assert_geodesic_matches_natgrad_lib(after, "after a click near point 1")
    _assert_geodesic_drawn(page, after, "after a click near point 1")
    page.close()
    assert not _unexpected(errors), errors


@pytest.mark.parametrize("width, height, name", [(1280, 900, "geodesic_explorer.png"),
                                                 (390, 844, "geodesic_explorer_phone.png")])
def test_live_geodesic_fits_the_screen(browser, site, width, height, name):
    """On a wide screen and on a phone the figure fits its column; screenshots for reviewers."""
    page, _ = _open_geodesic(browser, site, width, height)
    _settle(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    box = page.locator(".natgrad-live").bounding_box()
    article = page.locator("article").bounding_box()
    assert box["x"] >= article["x"] - 1 and box["x"] + box["width"] <= article["x"] + article["width"] + 1, (box, article)
    for model in ("plane", "densities"):  # both plots and all sliders are inside the figure
        inner = page.evaluate(f"""() => {{
            const plot = ({_GEO_DOC}).get_model_by_name('{model}');
            const find = (v) => v.model === plot ? v : (v.child_views ?? []).map(find).find(Boolean);
            const r = [...Bokeh.index.roots].map(find).find(Boolean).el.getBoundingClientRect();
            return [r.left, r.right, r.width]; }}""")
        assert inner[0] >= box["x"] - 1 and inner[1] <= box["x"] + box["width"] + 1 and inner[2] >= 280, (model, inner)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(".natgrad-live").screenshot(path=str(SCREENSHOTS / name))
    page.close()
