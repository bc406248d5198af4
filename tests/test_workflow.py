"""The publishing workflow, ``.github/workflows/publish.yml``, linted offline.

``check-jsonschema`` validates every workflow against the GitHub-workflow schema it bundles
(SchemaStore's), and ``zizmor`` audits them without the network (unpinned actions, template
injection, persisted credentials, excessive permissions, ...); both are pinned in
``requirements.txt`` and run from this interpreter's ``bin``. A clean result only means something
if the lint can fail, so each is also run on broken copies of the workflow, which it must reject.
The structural tests hold the workflow to what the book needs: the jobs and their order, deploys
only from a push to main, least-privilege tokens, actions pinned to commits, and the branch of
the plain notebooks equal to the one the Colab buttons open (``_ext/plain_edition.py``).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from plain_edition import NOTEBOOKS_BRANCH, NOTEBOOKS_DIR  # _ext/, on the path through conftest.py

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
WORKFLOW = WORKFLOWS / "publish.yml"
BIN = Path(sys.executable).parent
IMAGE = "python:3.11-bookworm"
ON_PUSH_TO_MAIN = "github.event_name == 'push' && github.ref == 'refs/heads/main'"
SHA_PIN = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def check_jsonschema(*paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows",
         *map(str, paths)],
        capture_output=True, text=True, timeout=120)


def zizmor(directory: Path) -> subprocess.CompletedProcess:
    # --strict-collection: a workflow zizmor cannot parse is an error, not a warning and a skip.
    return subprocess.run(
        [str(BIN / "zizmor"), "--offline", "--strict-collection", "--no-progress",
         "--color", "never", str(directory)],
        capture_output=True, text=True, timeout=120)


def output(result: subprocess.CompletedProcess) -> str:
    return f"exit code {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


def load(path: Path = WORKFLOW) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def triggers(workflow: dict) -> dict:
    # YAML 1.1 reads the key `on` as the boolean True.
    return workflow.get("on", workflow.get(True))


def steps(job: dict) -> list[dict]:
    return job.get("steps", [])


def uses(job: dict, action: str) -> list[dict]:
    """The steps of ``job`` that use ``action`` (owner/name, at any ref)."""
    return [s for s in steps(job) if s.get("uses", "").split("@")[0] == action]


def runs(job: dict) -> str:
    return "\n".join(s.get("run", "") for s in steps(job))


# ---------------------------------------------------------------------------------------------
# The lints, on the workflow as committed.

def test_workflows_match_the_github_workflow_schema():
    result = check_jsonschema(*sorted(WORKFLOWS.glob("*.y*ml")))
    assert result.returncode == 0, output(result)


def test_zizmor_finds_nothing():
    result = zizmor(WORKFLOWS)
    assert result.returncode == 0, output(result)


# ---------------------------------------------------------------------------------------------
# ... and on broken copies: each lint rejects them, for the reason given.

def _mutate(text: str, old: str, new: str) -> str:
    assert old in text, f"the mutation's anchor {old!r} is not in {WORKFLOW.name}"
    return text.replace(old, new)


BROKEN = {
    # check-jsonschema: a misspelt key, a value of the wrong type, an unknown event
    "misspelt runs-on": ("check-jsonschema", lambda t: _mutate(t, "runs-on:", "run-on:"), "runs-on"),
    "timeout as words": ("check-jsonschema",
                         lambda t: _mutate(t, "timeout-minutes: 60", "timeout-minutes: an hour"),
                         "timeout-minutes"),
    "unknown event": ("check-jsonschema",
                      lambda t: _mutate(t, "  workflow_dispatch:", "  workflow_dispatched:"),
                      "workflow_dispatched"),
    # zizmor: an action pinned to a tag, an attacker's string expanded into a script, every
    # permission for a job that runs the book's code, a trigger that gives a fork's pull request
    # this repository's secrets
    "unpinned uses": ("zizmor",
                      lambda t: re.sub(r"actions/checkout@[0-9a-f]{40}", "actions/checkout@v4", t, count=1),
                      "unpinned-uses"),
    "template injection": ("zizmor",
                           lambda t: _mutate(t, "run: make pdf",
                                             'run: echo "${{ github.event.pull_request.title }}" && make pdf'),
                           "template-injection"),
    "job write-all": ("zizmor",
                      lambda t: _mutate(t, "    permissions:\n      contents: read # to check out the repository\n",
                                        "    permissions: write-all\n"),
                      "excessive-permissions"),
    "pull_request_target": ("zizmor", lambda t: _mutate(t, "\n  pull_request:\n", "\n  pull_request_target:\n"),
                            "dangerous-triggers"),
}


def _copy(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    (folder / WORKFLOW.name).write_text(text, encoding="utf-8")
    return folder


def test_an_unchanged_copy_passes_both_lints(tmp_path):
    """The control for the broken copies: a copy elsewhere is clean, so only the change fails."""
    folder = _copy(tmp_path, WORKFLOW.read_text(encoding="utf-8"))
    for result in (check_jsonschema(folder / WORKFLOW.name), zizmor(folder)):
        assert result.returncode == 0, output(result)


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_copy_fails_its_lint(case, tmp_path):
    tool, mutate, reason = BROKEN[case]
    folder = _copy(tmp_path, mutate(WORKFLOW.read_text(encoding="utf-8")))
    result = check_jsonschema(folder / WORKFLOW.name) if tool == "check-jsonschema" else zizmor(folder)
    assert result.returncode != 0, output(result)
    assert reason in result.stdout + result.stderr, output(result)


# ---------------------------------------------------------------------------------------------
# What the book needs of the workflow.

def test_triggers_and_jobs():
    workflow = load()
    on = triggers(workflow)
    assert on["push"] == {"branches": ["main"]}
    assert "pull_request" in on and "workflow_dispatch" in on
    jobs = workflow["jobs"]
    assert set(jobs) == {"test", "build", "deploy", "publish-notebooks"}
    assert jobs["build"]["needs"] == "test"
    assert jobs["deploy"]["needs"] == "build"
    assert jobs["publish-notebooks"]["needs"] == "build"


def test_deploy_and_notebooks_only_on_a_push_to_main():
    jobs = load()["jobs"]
    for name in ("deploy", "publish-notebooks"):
        assert " ".join(jobs[name].get("if", "").split()) == ON_PUSH_TO_MAIN, name
    for name in ("test", "build"):
        assert "if" not in jobs[name], name


def test_tests_and_build_run_in_debian_12_with_python_3_11():
    jobs = load()["jobs"]
    for name in ("test", "build"):
        container = jobs[name]["container"]
        assert (container["image"] if isinstance(container, dict) else container) == IMAGE, name
    assert "bash .ci/run" in runs(jobs["test"]).split("\n")
    build = runs(jobs["build"])
    assert "make pdf" in build.split("\n")
    assert "cp _build/pdf/natural-gradient-and-fisher.pdf _build/html/" in build
    assert "repository.url" in build and "::warning" in build


def test_the_pdf_served_is_the_one_make_pdf_writes():
    saved = list(sys.path)
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import make_pdf
    finally:
        sys.path[:] = saved
    assert f"cp _build/pdf/{make_pdf.NAME} _build/html/{make_pdf.NAME}" in runs(load()["jobs"]["build"])


def test_the_site_is_uploaded_and_deployed():
    jobs = load()["jobs"]
    (upload,) = uses(jobs["build"], "actions/upload-pages-artifact")
    assert upload["with"]["path"] == "_build/html"
    deploy = jobs["deploy"]
    assert deploy["environment"]["name"] == "github-pages"
    assert deploy["concurrency"]["group"] == "pages"
    assert deploy["concurrency"]["cancel-in-progress"] is False
    assert len(uses(deploy, "actions/deploy-pages")) == 1


def test_tokens_have_least_privilege():
    workflow = load()
    jobs = workflow["jobs"]
    assert workflow["permissions"] == {}
    assert jobs["test"]["permissions"] == {"contents": "read"}
    assert jobs["build"]["permissions"] == {"contents": "read"}
    assert jobs["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert jobs["publish-notebooks"]["permissions"] == {"contents": "write"}
    # The one job that may push runs nothing of the book: it checks nothing out.
    assert not uses(jobs["publish-notebooks"], "actions/checkout")


def test_checkouts_do_not_persist_credentials():
    for name, job in load()["jobs"].items():
        for step in uses(job, "actions/checkout"):
            assert step.get("with", {}).get("persist-credentials") is False, name


def test_no_expression_inside_a_script():
    """``${{ }}`` in ``run:`` is pasted into the script before it runs: values go through env."""
    for name, job in load()["jobs"].items():
        for step in steps(job):
            assert "${{" not in step.get("run", ""), (name, step.get("name"))


def test_every_action_is_pinned_to_a_commit():
    for path in sorted(WORKFLOWS.glob("*.y*ml")):
        for name, job in load(path)["jobs"].items():
            assert "uses" not in job or SHA_PIN.match(job["uses"]), (path.name, name, job["uses"])
            for step in steps(job):
                if "uses" in step:
                    assert SHA_PIN.match(step["uses"]), (path.name, name, step["uses"])
        # ... with the version it stands for in a comment, for readers and for Dependabot.
        for line in path.read_text(encoding="utf-8").splitlines():
            if re.match(r"\s*(- )?uses:", line):
                assert re.search(r"@[0-9a-f]{40} # v\d+(\.\d+)*$", line), (path.name, line)


def test_the_notebooks_branch_is_the_one_the_colab_buttons_open():
    jobs = load()["jobs"]
    publish = jobs["publish-notebooks"]
    assert publish["env"]["NOTEBOOKS_BRANCH"] == NOTEBOOKS_BRANCH
    script = runs(publish)
    assert 'git init -q -b "$NOTEBOOKS_BRANCH"' in script
    assert '"HEAD:refs/heads/$NOTEBOOKS_BRANCH"' in script
    # The branch's root is the folder the build writes the plain edition to, passed on by name.
    (upload,) = [s for s in uses(jobs["build"], "actions/upload-artifact")
                 if s["with"]["name"] == "notebooks"]
    assert upload["with"]["path"].rstrip("/") == f"_build/html/{NOTEBOOKS_DIR}"
    assert upload["with"]["if-no-files-found"] == "error"
    (download,) = uses(publish, "actions/download-artifact")
    assert download["with"]["name"] == "notebooks"
    assert 'cd "$RUNNER_TEMP/notebooks"' in script
    assert download["with"]["path"] == "${{ runner.temp }}/notebooks"
