"""Shared helpers for the natgrad_lib unit tests.

Everything here is written from the specification only:

* high-precision (mpmath, 50 digits) reference implementations of the chart
  maps, their Jacobians, the closed-form Fisher information, the Gaussian KL
  divergence, the mean negative log-likelihood, its gradient and the score;
* hypothesis strategies (log-uniform sigma, uniform mu, random chart);
* tolerance helpers.

The test modules import this file as ``ngtestkit`` (registered in
``sys.modules`` below) so that it works with every pytest import mode.
"""

import math
import re
import sys

import mpmath as mp
import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

sys.modules.setdefault("ngtestkit", sys.modules[__name__])
# the book's Sphinx extensions (_ext/) hold code the tests use too, e.g. user_expressions
sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent.parent / "_ext"))

CHART_NAMES = ("mean_std", "mean_var", "mean_precision", "mean_logstd", "natural")
DPS = 50

# Deterministic, database-free hypothesis settings (no .hypothesis/ directory,
# identical examples on every run).
SETTINGS = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
FEW = settings(SETTINGS, max_examples=15)
MANY = settings(SETTINGS, max_examples=50)

MU_RANGE = 1e3
SIGMA_RANGE = (1e-3, 1e3)

# Extreme points of the spec'd accuracy range (mu, sigma), plus a generic one.
EXTREME_POINTS = [
    (mu, s) for mu in (-1e3, 0.0, 1e3) for s in (1e-3, 1.0, 1e3)
] + [(0.37, 2.5)]


def point_id(p):
    return f"mu={p[0]:g},s={p[1]:g}"


# ----------------------------------------------------------------------------
# hypothesis strategies
# ----------------------------------------------------------------------------
charts = st.sampled_from(CHART_NAMES)
mus = st.floats(-MU_RANGE, MU_RANGE, allow_nan=False, allow_subnormal=False)
log10_sigmas = st.floats(-3.0, 3.0, allow_nan=False)


@st.composite
def distributions(draw, mu_range=MU_RANGE, log10_sigma=(-3.0, 3.0)):
    """(mu, sigma) with uniform mu and log-uniform sigma."""
    mu = draw(st.floats(-mu_range, mu_range, allow_nan=False, allow_subnormal=False))
    ls = draw(st.floats(log10_sigma[0], log10_sigma[1], allow_nan=False))
    s = min(max(10.0 ** ls, 10.0 ** log10_sigma[0]), 10.0 ** log10_sigma[1])
    return mu, s


moderate_distributions = distributions(mu_range=10.0, log10_sigma=(-1.0, 1.0))


@st.composite
def datasets(draw, mu, s, n_min=2, n_max=40, offset=3.0, ratio=(0.3, 3.0)):
    """A 1-D data set near N(mu, s^2): mean offset <= `offset` sigmas, spread
    ratio in `ratio` (log-uniform)."""
    n = draw(st.integers(n_min, n_max))
    seed = draw(st.integers(0, 2**32 - 1))
    c = draw(st.floats(-offset, offset))
    r = 10.0 ** draw(st.floats(math.log10(ratio[0]), math.log10(ratio[1])))
    z = np.random.default_rng(seed).standard_normal(n)
    return mu + s * (c + r * z)


# ----------------------------------------------------------------------------
# mpmath reference implementation (independent of the library)
# ----------------------------------------------------------------------------
def _mpv(theta):
    arr = np.asarray(theta, dtype=float).ravel()
    return [mp.mpf(float(t)) for t in arr]


def _ms_from(theta, chart):
    """(mu, sigma) as mpf from a point given in `chart` (exact float input)."""
    a, b = _mpv(theta)
    if chart == "mean_std":
        return a, b
    if chart == "mean_var":
        return a, mp.sqrt(b)
    if chart == "mean_precision":
        return a, 1 / mp.sqrt(b)
    if chart == "mean_logstd":
        return a, mp.exp(b)
    if chart == "natural":
        s2 = -1 / (2 * b)
        return a * s2, mp.sqrt(s2)
    raise KeyError(chart)


def _chart_from_ms(mu, s, chart):
    if chart == "mean_std":
        return [mu, s]
    if chart == "mean_var":
        return [mu, s**2]
    if chart == "mean_precision":
        return [mu, 1 / s**2]
    if chart == "mean_logstd":
        return [mu, mp.log(s)]
    if chart == "natural":
        return [mu / s**2, -1 / (2 * s**2)]
    raise KeyError(chart)


def _jac_to_ms(theta_mp, chart):
    """d(mu, sigma)/d(theta_chart) as a 2x2 mp.matrix, theta_mp in `chart`."""
    a, b = theta_mp
    if chart == "mean_std":
        return mp.matrix([[1, 0], [0, 1]])
    if chart == "mean_var":
        return mp.matrix([[1, 0], [0, 1 / (2 * mp.sqrt(b))]])
    if chart == "mean_precision":
        return mp.matrix([[1, 0], [0, -b ** (-1.5) / 2]])
    if chart == "mean_logstd":
        return mp.matrix([[1, 0], [0, mp.exp(b)]])
    if chart == "natural":
        return mp.matrix([[-1 / (2 * b), a / (2 * b**2)], [0, (-2 * b) ** (-1.5)]])
    raise KeyError(chart)


def ref_ms(theta, chart):
    """(mu, sigma) as floats (for building samples etc.)."""
    with mp.workdps(DPS):
        mu, s = _ms_from(theta, chart)
        return float(mu), float(s)


def ref_convert(theta, from_chart, to_chart):
    """High precision conversion of the (float) point theta; list of mpf."""
    with mp.workdps(DPS):
        mu, s = _ms_from(theta, from_chart)
        return [+v for v in _chart_from_ms(mu, s, to_chart)]


def point_in_chart(mu, s, chart):
    """The distribution N(mu, s^2) written in `chart`, correctly rounded."""
    with mp.workdps(DPS):
        vals = _chart_from_ms(mp.mpf(mu), mp.mpf(s), chart)
        return np.array([float(v) for v in vals])


def ref_jacobian(theta, from_chart, to_chart):
    """J[i, j] = d theta_to[i] / d theta_from[j] (mpmath matrix)."""
    with mp.workdps(DPS):
        ta = _mpv(theta)
        mu, s = _ms_from(theta, from_chart)
        tb = _chart_from_ms(mu, s, to_chart)
        j_a = _jac_to_ms(ta, from_chart)
        j_b = _jac_to_ms(tb, to_chart)
        return j_b**-1 * j_a


def ref_fisher(theta, chart):
    """Closed-form one-observation Fisher information (spec formulas)."""
    with mp.workdps(DPS):
        a, b = _mpv(theta)
        mu, s = _ms_from(theta, chart)
        if chart == "mean_std":
            return mp.matrix([[1 / b**2, 0], [0, 2 / b**2]])
        if chart == "mean_var":
            return mp.matrix([[1 / b, 0], [0, 1 / (2 * b**2)]])
        if chart == "mean_precision":
            return mp.matrix([[b, 0], [0, 1 / (2 * b**2)]])
        if chart == "mean_logstd":
            return mp.matrix([[mp.exp(-2 * b), 0], [0, 2]])
        if chart == "natural":
            c = 2 * mu * s**2
            return mp.matrix([[s**2, c], [c, 2 * s**4 + 4 * mu**2 * s**2]])
        raise KeyError(chart)


def ref_fisher_float(theta, chart):
    return to_float(ref_fisher(theta, chart))


def ref_kl_ms(mu_p, s_p, mu_q, s_q):
    with mp.workdps(DPS):
        return mp.log(s_q / s_p) + (s_p**2 + (mu_p - mu_q) ** 2) / (2 * s_q**2) - mp.mpf(1) / 2


def ref_kl(theta_p, theta_q, chart):
    with mp.workdps(DPS):
        mp_, sp = _ms_from(theta_p, chart)
        mq, sq = _ms_from(theta_q, chart)
        return ref_kl_ms(mp_, sp, mq, sq)


def kl_rounding_scale(theta_p, theta_q, chart):
    """Size of the quantities a float evaluation of the KL has to cancel, plus
    its sensitivity to relative perturbations (few ulps) of mu and sigma of
    both points.  A float implementation cannot be more accurate than a small
    multiple of eps times this."""
    with mp.workdps(DPS):
        mu_p, sp = _ms_from(theta_p, chart)
        mu_q, sq = _ms_from(theta_q, chart)
        d = mu_p - mu_q
        terms = abs(mp.log(sq / sp)) + sp**2 / (2 * sq**2) + d**2 / (2 * sq**2) + mp.mpf(1) / 2
        # |x * dKL/dx| for x in (mu_p, s_p, mu_q, s_q)
        sens = (
            abs(mu_p * d / sq**2)
            + abs(mu_q * d / sq**2)
            + abs(-1 + sp**2 / sq**2)
            + abs(1 - (sp**2 + d**2) / sq**2)
        )
        return float(terms + sens)


def ref_nll(data, theta, chart):
    with mp.workdps(DPS):
        mu, s = _ms_from(theta, chart)
        xs = [mp.mpf(float(x)) for x in np.asarray(data, dtype=float)]
        tot = mp.fsum((x - mu) ** 2 for x in xs)
        return mp.log(2 * mp.pi * s**2) / 2 + tot / (2 * s**2 * len(xs))


def ref_nll_grad(data, theta, chart):
    """Gradient of the mean NLL in chart coordinates (list of mpf)."""
    with mp.workdps(DPS):
        t = _mpv(theta)
        mu, s = _ms_from(theta, chart)
        xs = [mp.mpf(float(x)) for x in np.asarray(data, dtype=float)]
        n = len(xs)
        g_mu = mp.fsum(mu - x for x in xs) / (n * s**2)
        g_s = 1 / s - mp.fsum((x - mu) ** 2 for x in xs) / (n * s**3)
        jac = _jac_to_ms(t, chart)
        g = jac.T * mp.matrix([g_mu, g_s])
        return [g[0], g[1]]


def ref_score(x, theta, chart):
    """Score rows (mpmath) for a 1-D array x."""
    with mp.workdps(DPS):
        t = _mpv(theta)
        mu, s = _ms_from(theta, chart)
        jac = _jac_to_ms(t, chart)
        rows = []
        for xi in np.asarray(x, dtype=float):
            xi = mp.mpf(float(xi))
            g = jac.T * mp.matrix([(xi - mu) / s**2, -1 / s + (xi - mu) ** 2 / s**3])
            rows.append([g[0], g[1]])
        return rows


# ----------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------
def to_float(m):
    """mp.matrix, list of mpf or list of lists of mpf -> float ndarray."""
    if isinstance(m, mp.matrix):
        return np.array([[float(m[i, j]) for j in range(m.cols)] for i in range(m.rows)])
    return np.array([[float(v) for v in r] if isinstance(r, (list, tuple)) else float(r) for r in m])


def in_domain(theta, chart):
    theta = np.asarray(theta, dtype=float)
    if theta.shape != (2,) or not np.all(np.isfinite(theta)):
        return False
    if chart in ("mean_std", "mean_var", "mean_precision"):
        return theta[1] > 0
    if chart == "natural":
        return theta[1] < 0
    return True


def fisher_matrix_errors(got, ref):
    """Entry-wise |got - ref| / sqrt(|ref_ii ref_jj|), as float ndarray."""
    with mp.workdps(DPS):
        got = np.asarray(got, dtype=float)
        err = np.zeros((2, 2))
        for i in range(2):
            for j in range(2):
                scale = mp.sqrt(abs(ref[i, i] * ref[j, j]))
                err[i, j] = float(abs(mp.mpf(float(got[i, j])) - ref[i, j]) / scale)
        return err


def assert_fisher_close(got, ref, rtol, what=""):
    got = np.asarray(got)
    assert got.shape == (2, 2), f"{what}: shape {got.shape}, expected (2, 2)"
    assert np.all(np.isfinite(got)), f"{what}: non-finite entries {got}"
    err = fisher_matrix_errors(got, ref)
    assert err.max() <= rtol, (
        f"{what}: max scaled error {err.max():.3e} > {rtol:g}\n got={got!r}\n ref={to_float(ref)!r}"
    )


def component_floor(chart, i):
    """Absolute floor for 'relative' comparisons of coordinate i of a chart:
    log-sigma is dimensionless (scale 1); other coordinates are compared
    relatively (tiny floor only for exact zeros / underflow)."""
    if chart == "mean_logstd" and i == 1:
        return 1.0
    return 1e-300


def assert_point_close(got, ref, chart, rtol, what=""):
    got = np.asarray(got)
    assert got.shape == (2,), f"{what}: shape {got.shape}, expected (2,)"
    assert np.all(np.isfinite(got)), f"{what}: non-finite {got}"
    with mp.workdps(DPS):
        for i in range(2):
            r = mp.mpf(ref[i]) if not isinstance(ref[i], mp.mpf) else ref[i]
            err = abs(mp.mpf(float(got[i])) - r)
            tol = rtol * max(abs(r), component_floor(chart, i))
            assert err <= tol, (
                f"{what}: component {i} of {chart}: got {got[i]!r}, "
                f"expected {mp.nstr(r, 20)}, error {mp.nstr(err, 5)} > {mp.nstr(tol, 5)}"
            )


def message_names(exc, name):
    """True if the exception message mentions the argument `name` as a word."""
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", str(exc)) is not None


# ---------------------------------------------------------------------------------------
# The book build, shared by tests/test_book.py and tests/test_notebooks.py.
import pathlib as _pathlib
import subprocess as _subprocess

import pytest as _pytest

ROOT = _pathlib.Path(__file__).resolve().parent.parent
# The GitHub repository the test build names, so that its pages carry every launch button.
DUMMY_REPOSITORY = "https://github.com/example-org/natgrad-book"


def config_with_repository(url: str, folder: _pathlib.Path) -> _pathlib.Path:
    """A copy of ``_config.yml`` in ``folder`` that names the repository ``url``.

    Jupyter Book finds ``local_extensions`` relative to the configuration file, so the copy
    names them by absolute path.
    """
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    config["repository"]["url"] = url
    extensions = config["sphinx"]["local_extensions"]
    config["sphinx"]["local_extensions"] = {name: str(ROOT / path) for name, path in extensions.items()}
    path = folder / "_config.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _build_book(out: _pathlib.Path) -> dict:
    """Build the book into ``out/_build``, as ``make book`` does; the two runs' outputs as a dict.

    An execution cache that ``make book`` left in this working tree is copied in first:
    ``tools/preexecute.py`` then runs only the chapters it does not hold, and runs them all
    when natgrad_lib or the requirements changed since (its fingerprint).
    """
    import shutil

    made = ROOT / "_build" / ".jupyter_cache"
    if made.is_dir():
        shutil.copytree(made, out / "_build" / ".jupyter_cache")
    pre = _subprocess.run(
        [sys.executable, str(ROOT / "tools" / "preexecute.py"), str(ROOT), str(out / "_build")],
        capture_output=True, text=True, cwd=ROOT, timeout=1500)
    config = config_with_repository(DUMMY_REPOSITORY, out)
    cmd = [str(_pathlib.Path(sys.executable).with_name("jupyter-book")), "build", str(ROOT),
           "--path-output", str(out), "--config", str(config), "-W", "--keep-going"]
    build = _subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=1500)
    return {"pre": [pre.returncode, pre.stdout, pre.stderr], "build": [build.returncode, build.stdout, build.stderr],
            "cmd": cmd}


@_pytest.fixture(scope="session")
def built_book(tmp_path_factory):
    """Build the whole book once per test run, as ``make book`` does, into a temporary folder.

    The chapters are first executed in parallel into the build's execution cache
    (``tools/preexecute.py``; a cache ``make book`` left here is reused, see :func:`_build_book`),
    then ``jupyter-book build`` renders them, with ``_config.yml`` changed in one point:
    ``repository.url`` is :data:`DUMMY_REPOSITORY`, as a published book's would be (the launch
    buttons, the repository links, the install cell of the plain edition). Returns the completed
    process of the build (its output preceded by the pre-execution's) and the HTML folder.

    Under pytest-xdist the workers share one build: the first to ask builds it, under a lock in
    the run's common temporary folder, and the others wait for it and read what it wrote.
    """
    import fcntl
    import json
    import os

    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # one folder per run, above the workers' own
    out = shared / "book"
    record = shared / "book.json"
    with open(shared / "book.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not record.exists():
            out.mkdir(exist_ok=True)
            record.write_text(json.dumps(_build_book(out)))
    runs = json.loads(record.read_text())
    result = _subprocess.CompletedProcess(runs["cmd"], *runs["build"])
    result.preexecute = _subprocess.CompletedProcess([], *runs["pre"])
    return result, out / "_build" / "html"


CHROMIUM = _pathlib.Path("/usr/bin/chromium")


def require_or_skip(reason: str, required: str | None = None):
    """Skip a test for a missing tool or service, or fail it under ``NATGRAD_REQUIRE_BROWSER=1``.

    ``.ci/run`` sets the variable: there the browser, Node.js, pdftotext and the package index
    must be present, and a test that needs one fails (with ``required``, by default ``reason``).
    """
    import os

    if os.environ.get("NATGRAD_REQUIRE_BROWSER") == "1":
        _pytest.fail(required or reason)
    _pytest.skip(reason)


@_pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (never a downloaded browser), shared by the suites.

    Skipped when it is missing, unless ``NATGRAD_REQUIRE_BROWSER=1`` (set by ``.ci/run``), in
    which case the tests that need it fail.
    """
    if not CHROMIUM.exists():
        require_or_skip("Debian's chromium is not installed (apt-get install -y chromium)",
                        required="/usr/bin/chromium is required (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield browser
        browser.close()


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "binder: the reader's environment that Binder builds (tests/test_binder.py)")


# --- running in parallel (pytest-xdist, `make test`) -------------------------------------------
# `make test` runs the suite on two workers. The tests of one group run on the same worker, one
# after another, so that what a group builds once (a JupyterLab, a virtual environment, a
# chapter's run, a page's visit) is built once. The groups start longest first (their rough
# length on 2 cores, in seconds), so that no long group is left to start at the end while the
# other worker idles; the ungrouped tests fill the gaps.
#
# The groups are given to xdist by a scheduler of our own (pytest_xdist_make_scheduler below):
# xdist 3.8's `xdist_group` mark renames `item._nodeid`, which pytest 9 no longer reads, so the
# marked tests were spread over both workers (pytest-dev/pytest-xdist, loadgroup with pytest 9).
GROUP_SECONDS = {"lab": 300, "axe": 200, "pages": 90, "pdf": 80, "colab": 70, "binder": 60, "metrics": 20}
_MODULE_GROUPS = {"test_lab.py": "lab", "test_pdf.py": "pdf", "test_binder.py": "binder",
                  "test_reader_metrics.py": "metrics"}
# The tests of test_book.py that read the session's visits of the pages (the `visit` fixture).
VISIT_TESTS = ("test_page_loads_offline_without_errors", "test_visible_code_fits_the_column",
               "test_mathjax_renders_every_formula", "test_derivations_show_the_posts_equation_numbers",
               "test_console_allow_list_is_not_stale")


def group_of(nodeid: str) -> str | None:
    """The group of a test, from its id alone (the controller that schedules sees only ids)."""
    path, _, rest = nodeid.partition("::")
    module = path.rsplit("/", 1)[-1]
    function, _, param = rest.partition("[")
    param = param[:-1]
    if module in _MODULE_GROUPS:
        return _MODULE_GROUPS[module]
    if module == "test_book.py":
        if function == "test_no_serious_accessibility_violation":
            return "axe"  # both modes: one session's audits (the `audits` fixture)
        return "pages" if function in VISIT_TESTS else None
    if module == "test_editions.py" and function == "test_a_chapter_copied_alone_runs_to_the_end":
        return "colab"
    if module == "test_notebooks.py" and param.endswith(".ipynb"):
        return f"run-{param[:-len('.ipynb')]}"  # the tests that share a chapter's run
    return None


@_pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session, config, items):
    for item in items:  # the ids name the groups right: the tests that share a visit are together
        if "visit" in getattr(item, "fixturenames", ()):
            assert group_of(item.nodeid) == "pages", f"add {item.originalname} to VISIT_TESTS"
    def longest_first(item):  # a stable sort: the groups longest first, then the rest in order
        group = group_of(item.nodeid)
        return -GROUP_SECONDS.get(group, 5) if group else 0

    items.sort(key=longest_first)


@_pytest.hookimpl(tryfirst=True, optionalhook=True)  # optional: `-p no:xdist` runs without it
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        """xdist's scope scheduling with :func:`group_of` as the scope (an ungrouped test alone)."""

        def _split_scope(self, nodeid: str) -> str:
            return group_of(nodeid) or nodeid

    return GroupScheduling(config, log)
