"""The composite GitHub Action: its scripts, run as a runner would run them (minus the upload)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, building_the_checkout

# `pip install` of the checkout builds in its `build/` directory: one installing test at a time.
pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("installs-the-checkout")]

ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
_EXPRESSION = re.compile(r"\$\{\{\s*(?P<context>inputs|github|steps)\.(?P<name>[\w.-]+)\s*\}\}")


def test_inputs_reach_scripts_only_through_the_environment():
    steps = ACTION["runs"]["steps"]
    assert ACTION["runs"]["using"] == "composite"
    assert all("${{" not in step.get("run", "") for step in steps)  # no script injection
    [upload] = [step for step in steps if "uses" in step]
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert upload["with"] == {"sarif_file": "${{ inputs.sarif-file }}", "category": "pinlint"}
    assert steps[-1]["name"] == "Fail on findings"  # fails the job only after the upload
    assert [step["uses"] for step in steps if "uses" in step] == ["github/codeql-action/upload-sarif@v4"]


def _resolve(value: str, inputs: dict[str, str], context: dict[str, str]) -> str:
    """An expression as the runner fills it in: a context value it lacks (a step output a failed
    step did not write, the pull request of a push) is empty."""
    return _EXPRESSION.sub(
        lambda m: inputs[m["name"]] if m["context"] == "inputs" else context.get(f"{m['context']}.{m['name']}", ""), value
    )


def _run_step(
    step: dict, inputs: dict[str, str], cwd: Path, runner_temp: Path, context: dict[str, str] | None = None, **env: str
) -> subprocess.CompletedProcess:
    """One step, as a runner runs it: `bash -e`, inputs and contexts through the environment, its
    outputs (through $GITHUB_OUTPUT) added to ``context``."""
    context = context if context is not None else {}
    context.setdefault("github.action_path", str(ROOT))
    outputs = runner_temp.parent / f"{runner_temp.name}.github-output"  # beside RUNNER_TEMP, which a test may list
    outputs.write_text("", encoding="utf-8")
    environment = {**os.environ, "RUNNER_TEMP": str(runner_temp), "RUNNER_OS": "Linux", "GITHUB_OUTPUT": str(outputs), **env}
    environment.pop("GITHUB_STEP_SUMMARY", None)
    environment.update({key: _resolve(value, inputs, context) for key, value in step.get("env", {}).items()})
    with building_the_checkout() if step.get("name") == "Install pinlint" else contextlib.nullcontext():
        done = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=cwd, env=environment, capture_output=True, text=True)
    for line in outputs.read_text(encoding="utf-8").splitlines():
        name, _, value = line.partition("=")
        context[f"steps.{step.get('id')}.outputs.{name}"] = value
    return done


def _step(name: str) -> dict:
    [step] = [step for step in ACTION["runs"]["steps"] if step["name"] == name]
    return step


DEFAULTS = {name: spec["default"] for name, spec in ACTION["inputs"].items()}


def test_windows_runners_are_refused_with_a_message(tmp_path):
    result = _run_step(_step("Install pinlint"), DEFAULTS, tmp_path, tmp_path, RUNNER_OS="Windows")
    assert result.returncode == 1
    assert result.stdout == "::error title=pinlint::the pinlint action runs on Linux and macOS runners, not on Windows\n"
    assert list(tmp_path.iterdir()) == []  # nothing installed


@pytest.mark.slow
def test_the_steps_install_pinlint_lint_once_and_fail_after_the_upload(tmp_path):
    project = tmp_path / "project"
    (project / "app").mkdir(parents=True)
    (project / "app" / "db.py").write_text('def f(cur):\n    cur.execute("LISTEN jobs")\n', encoding="utf-8")
    (project / "my app").mkdir()
    (project / "my app" / "db.py").write_text('def f(cur):\n    cur.execute("LISTEN jobs")\n', encoding="utf-8")
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()

    install = _run_step(_step("Install pinlint"), DEFAULTS, project, runner_temp)
    assert install.returncode == 0, install.stderr
    lint = _run_step(_step("Lint"), {**DEFAULTS, "args": "app"}, project, runner_temp)
    assert lint.returncode == 0, lint.stderr  # findings fail the job later, after the upload
    assert lint.stdout.startswith("::error file=app/db.py,line=2,endLine=2,col=17,endColumn=30,title=pinlint PIN110 (listen)::")
    report = json.loads((project / "pinlint.sarif").read_text(encoding="utf-8"))
    [result] = report["runs"][0]["results"]
    assert result["ruleId"] == "PIN110"
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "app/db.py"
    fail = _run_step(_step("Fail on findings"), DEFAULTS, project, runner_temp)
    assert (fail.returncode, fail.stdout) == (1, "pinlint found problems: see the annotations and the job summary\n")

    # Quotes split the words as a shell would; nothing is expanded.
    quoted = _run_step(_step("Lint"), {**DEFAULTS, "args": '"my app" --target pgbouncer', "upload-sarif": "false"}, project, runner_temp)
    assert quoted.returncode == 0, quoted.stderr
    assert quoted.stdout.startswith("::error file=my app/db.py,line=2,")
    globbed = _run_step(_step("Lint"), {**DEFAULTS, "args": "app/*.py $HOME"}, project, runner_temp)
    assert globbed.returncode == 1
    assert globbed.stderr == "pinlint: error: no such file or directory: app/*.py, $HOME\n"
    unbalanced = _run_step(_step("Lint"), {**DEFAULTS, "args": '"app'}, project, runner_temp)
    assert unbalanced.returncode == 1
    assert unbalanced.stderr == "pinlint: the args input cannot be split into words: No closing quotation\n"


@pytest.mark.slow
def test_on_a_pull_request_only_its_lines_are_annotated_from_a_shallow_clone(tmp_path):
    from git_repo import Repo

    origin = Repo(tmp_path / "origin")
    origin.write("app/db.py", 'def f(cur):\n    cur.execute("LISTEN jobs")\n')
    origin.commit("the base")
    base = origin.git("rev-parse", "HEAD").strip()
    origin.git("checkout", "--quiet", "-b", "pull")
    origin.write("app/db.py", 'def f(cur):\n    cur.execute("LISTEN jobs")\n    cur.execute("LISTEN more")\n')
    origin.commit("the pull request")
    # As actions/checkout does by default: one commit deep.
    project = tmp_path / "project"
    subprocess.run(
        ["git", "clone", "--quiet", "--depth=1", "--branch=pull", (tmp_path / "origin").as_uri(), str(project)],
        check=True, capture_output=True, env={**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull},
    )
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    assert _run_step(_step("Install pinlint"), DEFAULTS, project, runner_temp).returncode == 0

    def lint(inputs: dict[str, str]) -> tuple[subprocess.CompletedProcess, subprocess.CompletedProcess]:
        context = {"github.event.pull_request.base.sha": base}
        changes = _run_step(_step("Find the revision the findings are new since"), inputs, project, runner_temp, context)
        return changes, _run_step(_step("Lint"), inputs, project, runner_temp, context)

    changes, annotate = lint(DEFAULTS)
    assert changes.returncode == 0, changes.stderr
    assert annotate.returncode == 0, annotate.stderr
    # The SARIF report keeps every finding; the annotations are the pull request's line only.
    assert [r["locations"][0]["physicalLocation"]["region"]["startLine"]
            for r in json.loads((project / "pinlint.sarif").read_text())["runs"][0]["results"]] == [2, 3]
    assert [line.split("::")[1] for line in annotate.stdout.splitlines()] == [
        "error file=app/db.py,line=3,endLine=3,col=17,endColumn=30,title=pinlint PIN110 (listen)"
    ]
    # "none" annotates every finding; a revision that is an option is refused.
    _, annotate = lint({**DEFAULTS, "changed-since": "none"})
    assert len(annotate.stdout.splitlines()) == 2
    changes, _ = lint({**DEFAULTS, "changed-since": "--upload-pack=touch x"})
    assert changes.returncode == 2 and changes.stdout == "::error title=pinlint::changed-since is not a git revision\n"
    assert not (project / "x").exists()
