"""Every chapter wherever a reader opens it: the install cell and the plain-Markdown edition.

**The install cell.** The first code cell of every chapter installs the book's helper library
``natgrad_lib`` from the book's repository (``repository.url`` and ``repository.branch`` in
``_config.yml``) when it cannot be imported: a notebook downloaded alone, or opened in Colab,
runs to the end. Inside the repository the import succeeds and the cell does nothing; it never
touches the network there. ``tools/nbnormalise.py`` writes the cell from ``_config.yml`` (so
the committed notebooks follow the configuration), and the build writes it again into every
notebook it publishes, from the configuration it was given.
"""

from __future__ import annotations

from pathlib import Path

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
            "natgrad_lib is not installed and this copy of the book names no "
            "repository to install it from: clone the book and run `make lab`"
        ) from None
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",
                    f"natgrad_lib @ git+{{REPOSITORY}}@{{BRANCH}}"], check=True)
    importlib.invalidate_caches()
    print(f"Installed natgrad_lib from {{REPOSITORY}} ({{BRANCH}}).")'''
