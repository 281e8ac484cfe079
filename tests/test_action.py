"""The composite GitHub Action: its scripts, run as a runner would run them (minus the upload)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import pytest
import yaml

from conftest import ROOT

pytestmark = pytest.mark.integration

ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
_EXPRESSION = re.compile(r"\$\{\{\s*(?P<context>inputs|github|steps)\.(?P<name>[\w.-]+)\s*\}\}")


def test_inputs_reach_scripts_only_through_the_environment():
    steps = ACTION["runs"]["steps"]
    assert ACTION["runs"]["using"] == "composite"
    assert all("${{" not in step.get("run", "") for step in steps)  # no script injection
    [upload] = [step for step in steps if "uses" in step]
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert upload["with"] == {"sarif_file": "${{ inputs.sarif-file }}", "category": "pinlint"}
    assert steps[-1]["name"] == "Annotate the findings"  # fails the job only after the upload


def _resolve(value: str, inputs: dict[str, str], context: dict[str, str]) -> str:
    return _EXPRESSION.sub(lambda m: inputs[m["name"]] if m["context"] == "inputs" else context.get(m[0][3:-2].strip(), ""), value)


@pytest.fixture(scope="module")
def runner_temp(tmp_path_factory):
    """$RUNNER_TEMP with pinlint installed by the action's first step, once for these tests."""
    runner_temp = tmp_path_factory.mktemp("runner-temp")
    [install] = [step for step in ACTION["runs"]["steps"] if step.get("name") == "Install pinlint"]
    env = {**os.environ, "RUNNER_TEMP": str(runner_temp), "PINLINT_SOURCE": str(ROOT), "PINLINT_PYTHON": "python3"}
    done = subprocess.run(["bash", "-e", "-c", install["run"]], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return runner_temp


def run_steps(project, runner_temp, inputs=None, pull_request_base="") -> list[subprocess.CompletedProcess[str]]:
    """The steps after the install, as a runner runs them: `bash -e`, inputs and contexts through
    the environment, step outputs through $GITHUB_OUTPUT."""
    inputs = {**{name: spec["default"] for name, spec in ACTION["inputs"].items()}, **(inputs or {})}
    # A step output that a failed step did not write is empty, as on a runner.
    context = {"github.action_path": str(ROOT), "github.event.pull_request.base.sha": pull_request_base}
    results = []
    for step in ACTION["runs"]["steps"][1:]:
        if "run" not in step:
            continue
        outputs = project.parent / f"output-{step.get('id', 'none')}"
        outputs.write_text("", encoding="utf-8")
        env = {**os.environ, "RUNNER_TEMP": str(runner_temp), "GITHUB_OUTPUT": str(outputs)}
        env.pop("GITHUB_STEP_SUMMARY", None)
        env.update({key: _resolve(value, inputs, context) for key, value in step.get("env", {}).items()})
        results.append(subprocess.run(["bash", "-e", "-c", step["run"]], cwd=project, env=env, capture_output=True, text=True))
        for line in outputs.read_text(encoding="utf-8").splitlines():
            name, _, value = line.partition("=")
            context[f"steps.{step['id']}.outputs.{name}"] = value
    return results


def test_the_steps_install_pinlint_write_sarif_and_annotate(tmp_path, runner_temp):
    project = tmp_path / "project"
    (project / "app").mkdir(parents=True)
    (project / "app" / "db.py").write_text('def f(cur):\n    cur.execute("LISTEN jobs")\n', encoding="utf-8")
    changes, sarif, annotate = run_steps(project, runner_temp)
    assert changes.returncode == 0, changes.stderr
    assert sarif.returncode == 0, sarif.stderr
    report = json.loads((project / "pinlint.sarif").read_text(encoding="utf-8"))
    [result] = report["runs"][0]["results"]
    assert result["ruleId"] == "PIN110"
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "app/db.py"
    assert annotate.returncode == 1
    assert annotate.stdout.startswith("::error file=app/db.py,line=2,endLine=2,col=17,endColumn=30,title=pinlint PIN110 (listen)::")


def test_on_a_pull_request_only_its_lines_are_annotated_from_a_shallow_clone(tmp_path, runner_temp):
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
    changes, sarif, annotate = run_steps(project, runner_temp, pull_request_base=base)
    assert changes.returncode == 0, changes.stderr
    assert (tmp_path / "output-changes").read_text(encoding="utf-8") == f"since={base}\n"
    assert [r["locations"][0]["physicalLocation"]["region"]["startLine"]
            for r in json.loads((project / "pinlint.sarif").read_text())["runs"][0]["results"]] == [2, 3]
    assert annotate.returncode == 1, annotate.stderr
    assert [line.split("::")[1] for line in annotate.stdout.splitlines()] == [
        "error file=app/db.py,line=3,endLine=3,col=17,endColumn=30,title=pinlint PIN110 (listen)"
    ]
    # "none" annotates every finding; a revision that is an option is refused.
    *_, annotate = run_steps(project, runner_temp, {"changed-since": "none"}, pull_request_base=base)
    assert len(annotate.stdout.splitlines()) == 2
    changes, *_ = run_steps(project, runner_temp, {"changed-since": "--upload-pack=touch x"})
    assert changes.returncode == 2 and changes.stdout == "::error title=pinlint::changed-since is not a git revision\n"
    assert not (project / "x").exists()
