"""Execute the book's stale chapters in parallel into Jupyter Book's execution cache.

``jupyter-book build`` (1.x) executes notebooks one after another while it reads them, and
its command line has no option to run them in parallel. The notebooks are independent, so
``make book`` first runs this script: it executes every chapter whose code changed since it was
last cached, one kernel per core, into the same jupyter-cache database the build reads
(``_build/.jupyter_cache``), with the build's own timeout and working directory. The build
then finds every chapter cached and only renders. Cached chapters are not run again, unless
natgrad_lib, the requirements or ``_ext/user_expressions.py`` changed since they were cached
(:func:`forget_if_changed`): then every chapter runs again.

Each run also evaluates the chapter's inline ``{eval}`` expressions where they stand and stores
their values with the outputs (``_ext/user_expressions.py``), which is where the build takes the
numbers in the prose from. A chapter whose prose asks for an expression its cached run did not
evaluate is run again, although its code did not change.

A chapter that fails here is not cached, so the build executes it again and reports the error
with its traceback, as it always does; this script only prints which chapters failed.

Usage: ``python tools/preexecute.py [book_root [build_dir]]``; ``build_dir`` defaults to
``book_root/_build`` and must match the build's ``--path-output``/_build.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import shutil
import sys
import time
import traceback
from pathlib import Path

import nbformat
import yaml
from jupyter_cache import get_cache
from jupyter_cache.cache.db import NbProjectRecord
from nbclient.exceptions import CellExecutionError, CellTimeoutError

from booktoc import toc_files  # tools/ is on sys.path when this runs as a script

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "_ext"))
import user_expressions  # noqa: E402  (the build's own module, in _ext/)


def toc_notebooks(root: Path) -> list[Path]:
    """The ``.ipynb`` files listed in ``_toc.yml``, in reading order."""
    return [root / f"{name}.ipynb" for name in toc_files(root)
            if (root / f"{name}.ipynb").exists()]


def _output_to(path: str) -> None:
    """Send a worker's output, and that of the kernels it starts, to the log file.

    Every kernel announces on stderr that it talks over local TCP; ten of those notices would
    bury the build's own output.
    """
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


def _run(job) -> tuple[int, str]:
    """Execute one chapter with its inline expressions and cache it; (status, uri).

    Status 0 is success, 1 an exception in a cell (running again would only repeat it) and 2
    anything else, such as a kernel that failed to start: kernels launched at the same moment
    can race for a TCP port (zmq "Address already in use").
    """
    uri, cache_path, timeout, allow_errors = job
    cache = get_cache(cache_path)
    try:
        nb = nbformat.read(uri, as_version=4)
        run = user_expressions.execute(nb, Path(uri).parent, timeout=timeout,
                                       allow_errors=allow_errors)
    except (CellExecutionError, CellTimeoutError):
        NbProjectRecord.set_traceback(uri, traceback.format_exc(), cache.db)
        traceback.print_exc()
        return 1, uri
    except Exception:
        traceback.print_exc()
        return 2, uri
    user_expressions.store(cache, uri, run)
    return 0, uri


# What a chapter's outputs depend on besides the chapter itself, which jupyter-cache does not see:
# the library the chapters import, the versions installed and how inline expressions are stored.
FINGERPRINTED = ("natgrad_lib/**/*.py", "natgrad_lib/js/*", "_ext/user_expressions.py",
                 "requirements.txt", "pyproject.toml")
FINGERPRINT_FILE = "natgrad-fingerprint.txt"


def fingerprint(root: Path) -> str:
    """A SHA-256 over the files of :data:`FINGERPRINTED`, their paths and contents."""
    digest = hashlib.sha256()
    for pattern in FINGERPRINTED:
        for path in sorted(root.glob(pattern)):
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def forget_if_changed(root: Path, build_dir: Path) -> bool:
    """Empty the execution cache, and Sphinx's read documents, when the fingerprint changed.

    jupyter-cache keys a run on the chapter's code alone, so a change to natgrad_lib would leave
    the old outputs in the cache; and Sphinx reads a chapter again only when its file changed, so
    its old rendering would stay in the doctrees. Returns whether anything was forgotten.
    """
    cache_dir = build_dir / ".jupyter_cache"
    mark = cache_dir / FINGERPRINT_FILE
    now = fingerprint(root)
    if mark.is_file() and mark.read_text() == now:
        return False
    forgot = cache_dir.exists() or (build_dir / ".doctrees").exists()
    shutil.rmtree(cache_dir, ignore_errors=True)
    shutil.rmtree(build_dir / ".doctrees", ignore_errors=True)
    cache_dir.mkdir(parents=True)
    mark.write_text(now)
    return forgot


def stale(cache, paths: list[Path]) -> list[str]:
    """The chapters without a cached run, or whose run lacks an expression the prose asks for."""
    uris = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        values = user_expressions.cached_values(cache, nb)
        if values is None or user_expressions.missing_expressions(nb, values):
            uris.append(str(path.resolve()))
    return uris


def main(root: Path, build_dir: Path) -> int:
    config = yaml.safe_load((root / "_config.yml").read_text())
    execute = config.get("execute", {})
    if execute.get("execute_notebooks") != "cache" or execute.get("run_in_temp"):
        print("preexecute: the book does not use the local execution cache; nothing to do")
        return 0
    timeout = execute.get("timeout", 30)
    allow_errors = bool(execute.get("allow_errors", False))

    if forget_if_changed(root, build_dir):
        print("preexecute: natgrad_lib, the requirements or _ext/user_expressions.py changed; "
              "every chapter runs again")
    cache_path = str(build_dir / ".jupyter_cache")
    cache = get_cache(cache_path)
    paths = toc_notebooks(root)
    # a notebook edited since the last build becomes a new project record, unmatched in the cache
    for path in paths:
        cache.add_nb_to_project(str(path.resolve()))
    uris = stale(cache, paths)
    if not uris:
        print("preexecute: every chapter is cached")
        return 0

    # biggest (roughly the slowest) first, so that the cores finish at about the same time
    uris.sort(key=lambda uri: Path(uri).stat().st_size, reverse=True)
    jobs = min(len(uris), os.cpu_count() or 1)
    print(f"preexecute: running {len(uris)} chapter(s) on {jobs} core(s)", flush=True)
    start = time.perf_counter()
    work = [(uri, cache_path, timeout, allow_errors) for uri in uris]
    succeeded: list[str] = []
    log = build_dir / "preexecute.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("")
    with multiprocessing.Pool(jobs, initializer=_output_to, initargs=(str(log),)) as pool:
        for _ in range(3):
            results = list(pool.imap_unordered(_run, work, chunksize=1))
            succeeded += [uri for status, uri in results if status == 0]
            again = {uri for status, uri in results if status == 2}
            work = [job for job in work if job[0] in again]
            if not work:
                break
    failed = sorted(set(uris) - set(succeeded))
    print(
        f"preexecute: {len(succeeded)} executed and cached in "
        f"{time.perf_counter() - start:.1f} s",
        flush=True,
    )
    for uri in failed:
        print(f"preexecute: {Path(uri).relative_to(root.resolve())} failed; "
              f"the build runs it again and shows the error (details: {log})")
    return 0


if __name__ == "__main__":
    book_root = Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    build = Path(sys.argv[2]).resolve() if len(sys.argv) > 2 else book_root / "_build"
    sys.exit(main(book_root, build))
