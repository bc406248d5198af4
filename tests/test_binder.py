"""Binder: the reader's environment that mybinder.org builds from ``binder/`` with repo2docker.

The build is repeated here in a fresh virtual environment with the test runner's Python (the
Python of ``binder/runtime.txt`` and CI), step by step as repo2docker's Python buildpack runs it
(``repo2docker/buildpacks/python/__init__.py`` and ``base.py`` in jupyterhub/repo2docker):

1. the repository is copied into the image's home (``COPY src/ ${REPO_DIR}/``), which is the
   working directory of every later step (``WORKDIR ${REPO_DIR}``); here: the files git would
   clone, plus new files not yet committed, copied into a temporary folder;
2. ``${KERNEL_PYTHON_PREFIX}/bin/pip install --no-cache-dir -r "binder/requirements.txt"``, after
   the copy because the file names a local constraints file (``-c``). Here pip may use its
   cache, and ``--no-compile`` leaves the byte-code to the first import: it changes nothing
   that is installed and saves about half a minute of a cold run;
3. ``chmod +x binder/postBuild`` and ``./binder/postBuild``, which installs natgrad_lib.

Then, from a folder outside the repository, the environment must hold natgrad_lib (installed,
not found in the source tree), JupyterLab's MyST and Bokeh extensions and no test or build tool,
every package at the version ``requirements.txt`` pins, and it must run a chapter top to bottom
in its own kernel, from ``chapters/`` as a Binder reader does, without installing anything.

Select these tests with ``-m binder``; leave them out with ``-m "not binder"``. They are
skipped only when pip can reach no package index and its cache lacks a wheel, and never under
``NATGRAD_REQUIRE_BROWSER=1`` (CI).
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest
from ngtestkit import require_or_skip

ROOT = pathlib.Path(__file__).resolve().parent.parent

# The chapter a Binder reader runs here: quick (about 6 s), and it uses more of the reader's
# environment than any other of its size: SciPy, ipywidgets, and the live explorer (Bokeh, the
# jupyter_bokeh loader's output, and natgrad_lib's package data js/live_explorer.mjs).
CHAPTER = "explorer.ipynb"

# In `make test`'s environment, never in a reader's (canonical project names)
NOT_FOR_READERS = ("pytest", "pytest-xdist", "hypothesis", "playwright", "axe-playwright-python",
                   "jupyter-book", "sphinx", "myst-nb", "pypdf")
# What the reader's JupyterLab needs beyond the chapters' imports
FOR_READERS = ("jupyterlab", "jupyterlab-myst", "jupyter-bokeh", "ipykernel", "ipywidgets",
               "bokeh", "numpy", "scipy", "matplotlib", "sympy", "natgrad-lib")

# pip's words when it could not reach an index (and so found no wheel in its cache either)
OFFLINE = ("NewConnectionError", "Failed to establish a new connection", "Network is unreachable",
           "Temporary failure in name resolution", "Name or service not known",
           "ConnectTimeoutError", "ProxyError")

pytestmark = pytest.mark.binder


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned_versions() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[canonical(name)] = version.strip()
    return pins


def repository_files() -> list[pathlib.Path]:
    """The files a clone of the repository has, and new files not yet committed."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [pathlib.Path(name) for name in listed.split("\0") if name and (ROOT / name).is_file()]


def run(cmd, *, cwd, env, timeout=1200):
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def tail(result, lines=60) -> str:
    out = (result.stdout + result.stderr).splitlines()
    return "\n".join(out[-lines:])


def unreachable_index(result) -> None:
    """Skip (fail in CI) when a failed pip install could not reach a package index."""
    lines = [line for line in (result.stdout + result.stderr).splitlines()
             if any(word in line for word in OFFLINE)]
    if not lines:
        return
    reason = ("pip could not reach a package index, and its cache lacks wheels that binder/ "
              f"needs: {lines[-1].strip()[:300]}")
    require_or_skip(reason)


class BinderEnv:
    def __init__(self, base: pathlib.Path):
        self.repo = base / "repo"  # ${REPO_DIR}, the image's home
        self.prefix = base / "env"  # ${KERNEL_PYTHON_PREFIX} = ${NB_PYTHON_PREFIX}
        self.elsewhere = base / "elsewhere"  # a working directory outside the repository
        self.python = self.prefix / "bin" / "python"
        home = base / "home"
        self.env = {key: value for key, value in os.environ.items()
                    if key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")}
        self.env.update({
            "PATH": f"{self.prefix / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
            "KERNEL_PYTHON_PREFIX": str(self.prefix),
            "NB_PYTHON_PREFIX": str(self.prefix),
            "REPO_DIR": str(self.repo),
            # a reader's fresh Jupyter and IPython set-up, not this machine's
            "JUPYTER_CONFIG_DIR": str(home / ".jupyter"),
            "JUPYTER_DATA_DIR": str(home / ".local" / "share" / "jupyter"),
            "JUPYTER_RUNTIME_DIR": str(home / ".local" / "share" / "jupyter" / "runtime"),
            "IPYTHONDIR": str(home / ".ipython"),
        })

    def pip(self, *args: str):
        return run([str(self.python), "-m", "pip", *args], cwd=self.elsewhere, env=self.env)

    def freeze(self) -> str:
        result = self.pip("freeze", "--all")
        assert result.returncode == 0, tail(result)
        return result.stdout

    def installed(self) -> dict[str, str]:
        result = self.pip("list", "--format=json")
        assert result.returncode == 0, tail(result)
        return {canonical(d["name"]): d["version"] for d in json.loads(result.stdout)}


@pytest.fixture(scope="module")
def binder(tmp_path_factory):
    """The environment repo2docker builds from binder/, built once for this module."""
    base = tmp_path_factory.mktemp("binder")
    env = BinderEnv(base)
    env.elsewhere.mkdir()
    for name in repository_files():
        target = env.repo / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)

    created = run([sys.executable, "-m", "venv", str(env.prefix)], cwd=env.elsewhere, env=env.env)
    assert created.returncode == 0, f"python -m venv failed:\n{tail(created)}"

    pip = str(env.prefix / "bin" / "pip")
    requirements = run([pip, "install", "--no-compile", "-r", "binder/requirements.txt"],
                       cwd=env.repo, env=env.env)
    if requirements.returncode != 0:
        unreachable_index(requirements)
        pytest.fail(f"pip install -r binder/requirements.txt failed:\n{tail(requirements)}")

    post_build = run(["bash", "-c", "chmod +x binder/postBuild && ./binder/postBuild"],
                     cwd=env.repo, env=env.env)
    if post_build.returncode != 0:
        unreachable_index(post_build)
        pytest.fail(f"binder/postBuild failed:\n{tail(post_build)}")
    env.packages = env.installed()
    yield env
    shutil.rmtree(base, ignore_errors=True)  # half a gigabyte


def test_binder_runtime_is_the_python_ci_uses():
    runtime = (ROOT / "binder" / "runtime.txt").read_text(encoding="utf-8").strip()
    assert runtime == f"python-{sys.version_info.major}.{sys.version_info.minor}", (
        f"binder/runtime.txt asks for {runtime!r}; the tests run on {sys.version.split()[0]}")


def test_binder_installs_natgrad_lib_into_its_environment(binder):
    probe = "import json, sys, natgrad_lib; print(json.dumps([sys.prefix, natgrad_lib.__file__]))"
    result = run([str(binder.python), "-c", probe], cwd=binder.elsewhere, env=binder.env)
    assert result.returncode == 0, f"natgrad_lib does not import elsewhere:\n{tail(result)}"
    prefix, module = json.loads(result.stdout.splitlines()[-1])
    site = binder.prefix.resolve()
    assert pathlib.Path(prefix).resolve() == site
    module = pathlib.Path(module).resolve()
    assert module.is_relative_to(site) and "site-packages" in module.parts, (
        f"natgrad_lib was imported from {module}, not installed into {site}")
    # its package data: the live explorer's JavaScript, which natgrad_lib.live reads
    shipped = {path.name for path in (ROOT / "natgrad_lib" / "js").glob("*.mjs")}
    installed = {path.name for path in (module.parent / "js").glob("*.mjs")}
    assert shipped and installed == shipped, f"package data: {installed} installed, {shipped} shipped"
    # postBuild leaves the reader's file browser as the repository is
    assert not (binder.repo / "build").exists()
    assert not (binder.repo / "natgrad_lib.egg-info").exists()


def test_binder_has_the_readers_tools_and_no_test_or_build_tools(binder):
    installed = binder.packages
    check = binder.pip("check")
    assert check.returncode == 0, f"the reader's environment is inconsistent:\n{tail(check)}"
    assert not [name for name in NOT_FOR_READERS if name in installed], (
        f"test or build tools in the reader's environment: "
        f"{[name for name in NOT_FOR_READERS if name in installed]}")
    assert not [name for name in FOR_READERS if name not in installed], (
        f"missing from the reader's environment: {[n for n in FOR_READERS if n not in installed]}")


def test_binder_has_the_pinned_versions_and_nothing_unpinned(binder):
    pins = pinned_versions()
    installed = binder.packages
    unpinned = sorted(set(installed) - set(pins) - {"natgrad-lib", "pip"})
    assert not unpinned, f"installed but not pinned in requirements.txt: {unpinned}"
    differ = {name: (version, pins[name]) for name, version in installed.items()
              if name in pins and name != "setuptools" and version != pins[name]}
    assert not differ, f"installed (left) at another version than requirements.txt pins: {differ}"


RUN_CHAPTER = r"""
import json, sys
import nbclient, nbformat

nb = nbformat.read(sys.argv[1], as_version=4)
nb.cells.append(nbformat.v4.new_code_cell(
    "import sys, natgrad_lib\nprint(sys.prefix)\nprint(natgrad_lib.__file__)"))
# as JupyterLab does: the kernel the notebook names, started in the notebook's folder
nbclient.NotebookClient(nb, timeout=300, resources={"metadata": {"path": "."}}).execute()
print(json.dumps(nb.cells[-1].outputs[0]["text"].splitlines()))
"""


def test_binder_runs_a_chapter_without_installing_anything(binder):
    before = binder.freeze()
    chapters = binder.repo / "chapters"
    result = run([str(binder.python), "-c", RUN_CHAPTER, CHAPTER], cwd=chapters, env=binder.env,
                 timeout=600)
    assert result.returncode == 0, f"{CHAPTER} failed in the Binder environment:\n{tail(result)}"
    prefix, module = json.loads(result.stdout.splitlines()[-1])
    site = binder.prefix.resolve()
    assert pathlib.Path(prefix).resolve() == site, f"the kernel ran in {prefix}, not in {site}"
    assert pathlib.Path(module).resolve().is_relative_to(site), module
    after = binder.freeze()
    assert after == before, f"running {CHAPTER} installed or changed packages"
