"""The HTML book: it builds with warnings as errors, and its pages work in a real browser offline.

The build runs once per test session into a temporary folder (so it never touches
``_build/``) and executes every chapter, exactly like ``make book``. The browser tests
drive Debian's Chromium through Playwright; they are skipped when it is missing unless
``NATGRAD_REQUIRE_BROWSER=1`` (set by ``.ci/run``), in which case they fail.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import pathlib
import threading

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
CHROMIUM = pathlib.Path("/usr/bin/chromium")
# Console messages the toolchain is known to print and that do not break a page; each is
# tracked in the issue on the browser experience and kept out of the failures here.
KNOWN_CONSOLE_NOISE = ("THEBE_JS_URL", "Got invalid theme mode")


def test_book_builds_with_warnings_as_errors(built_book):
    result, html = built_book
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-5000:]
    assert "WARNING" not in log.replace("[IPKernelApp] WARNING | Kernel is running over TCP", ""), log[-5000:]
    for page in ["index.html", "chapters/helper_library.html", "chapters/bibliography.html"]:
        assert (html / page).is_file(), f"{page} missing from the build"


def test_glued_numbers_reach_the_page(built_book):
    _, html = built_book
    text = (html / "chapters/helper_library.html").read_text(encoding="utf-8")
    assert "{glue" not in text, "a glue role was left unrendered"
    pasted = re.findall(r'<span class="pasted-text">([^<]*)</span>', text)
    assert len(pasted) >= 8 and all(re.fullmatch(r"[-+0-9.e]+", value) for value in pasted), pasted


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


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("NATGRAD_REQUIRE_BROWSER") == "1":
            pytest.fail("/usr/bin/chromium is required (apt-get install -y chromium)")
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield browser
        browser.close()


PAGES = ["index.html", *sorted(f"chapters/{p.stem}.html" for p in (ROOT / "chapters").glob("*.ipynb"))]


@pytest.mark.parametrize("page_path", PAGES)
def test_page_renders_math_offline_without_errors(browser, site, page_path):
    page = browser.new_page()
    external, errors, failed = [], [], []
    page.on("request", lambda r: None if r.url.startswith((site, "data:", "blob:")) else external.append(r.url))
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{site}/{page_path}", wait_until="load")
    page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
    page.evaluate("() => MathJax.startup.promise")
    n_math = page.locator("mjx-container").count()
    math_errors = page.locator("mjx-merror").all_text_contents()
    page.close()
    assert not math_errors, f"MathJax could not typeset: {math_errors}"
    assert not external, f"requests left the site: {external}"
    assert not failed, f"failed requests: {failed}"
    assert n_math > 0 if page_path != "index.html" else True, "no formula was rendered by MathJax"
    assert not [e for e in errors if not any(k in e for k in KNOWN_CONSOLE_NOISE)], errors


def test_explorer_animations_play_without_a_kernel(browser, site):
    """Switch to the second chart's tab and press Play: the animation's frames advance."""
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{site}/chapters/explorer.html", wait_until="load")
    labels = page.locator("label.sd-tab-label")
    assert labels.count() == 5, "one tab per chart"
    labels.nth(1).click()
    panel = page.locator(".sd-tab-content:visible")
    frame = panel.locator("img").first
    before = frame.get_attribute("src")
    panel.locator("button[title='Play']").click()
    page.wait_for_timeout(1500)
    after = frame.get_attribute("src")
    slider = int(panel.locator("input[type=range]").first.input_value())
    page.close()
    assert before != after and slider > 0, "pressing Play did not advance the frames"
    assert not [e for e in errors if not any(k in e for k in KNOWN_CONSOLE_NOISE)], errors


def test_explorer_page_has_no_dead_widget_and_stays_small(built_book):
    _, html = built_book
    page = (html / "chapters/explorer.html").read_text(encoding="utf-8")
    assert "widget-view+json" not in page.split("<article", 1)[-1].split("</article>", 1)[0], "a widget view leaked"
    assert len(page.encode()) < 3 * 1024 * 1024, f"explorer page is {len(page.encode()) / 1e6:.2f} MB"
