"""Time of ``make pdf`` after ``make book``: the print edition from the built HTML.

Runs what ``tools/make_pdf.py`` runs (join the pages, let MathJax set the whole book, print
with Chromium until the contents' page numbers settle, pack the PDF) on ``_build/html`` and
prints the time of each step and the total, in a fresh Chromium each repeat. Target on a
2-core machine: total <= 90 s. The last line is exactly
``make pdf: median T s (document D s, typeset S s, P prints of about Q s each, finish F s), N pages, M MB``.

    .venv/bin/python benchmarks/bench_pdf.py [repeats]
"""

from __future__ import annotations

import io
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import make_pdf  # noqa: E402


def once(html: Path) -> dict:
    from playwright.sync_api import sync_playwright
    from pypdf import PdfReader

    marks = [("start", time.perf_counter())]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=make_pdf.ARGS)
        try:
            marks.append(("launch", time.perf_counter()))
            pdf, _ = make_pdf.print_pdf(html, browser, on_step=lambda name: marks.append((name, time.perf_counter())))
        finally:
            browser.close()
    steps = {name: t - marks[i][1] for i, (name, t) in enumerate(marks[1:])}
    steps["total"] = marks[-1][1] - marks[0][1]
    steps["pages"] = len(PdfReader(io.BytesIO(pdf)).pages)
    steps["MB"] = len(pdf) / 1e6
    return steps


def main(repeats: int = 1) -> None:
    html = ROOT / "_build" / "html"
    if not (html / "index.html").is_file():
        sys.exit("run `make book` first")
    runs = [once(html) for _ in range(repeats)]
    for run in runs:
        print("  ".join(f"{k} {v:.1f}" for k, v in run.items()))
    last = runs[-1]
    prints = [v for k, v in last.items() if k.startswith("print ")]
    print(f"make pdf: median {statistics.median(r['total'] for r in runs):.1f} s "
          f"(document {last['document']:.1f} s, typeset {last['typeset']:.1f} s, {len(prints)} prints of about "
          f"{statistics.mean(prints):.1f} s each, finish {last['finish']:.1f} s), {last['pages']} pages, "
          f"{last['MB']:.1f} MB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
