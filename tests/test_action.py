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
_EXPRESSION = re.compile(r"\$\{\{\s*(?P<context>inputs|github)\.(?P<name>[\w-]+)\s*\}\}")


def test_inputs_reach_scripts_only_through_the_environment():
    steps = ACTION["runs"]["steps"]
    assert ACTION["runs"]["using"] == "composite"
    assert all("${{" not in step.get("run", "") for step in steps)  # no script injection
    [upload] = [step for step in steps if "uses" in step]
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert upload["with"] == {"sarif_file": "${{ inputs.sarif-file }}", "category": "pinlint"}
    assert steps[-1]["name"] == "Annotate the findings"  # fails the job only after the upload


def _resolve(value: str, inputs: dict[str, str]) -> str:
    return _EXPRESSION.sub(
        lambda m: inputs[m["name"]] if m["context"] == "inputs" else {"action_path": str(ROOT)}[m["name"]], value
    )


def test_the_steps_install_pinlint_write_sarif_and_annotate(tmp_path):
    project = tmp_path / "project"
    (project / "app").mkdir(parents=True)
    (project / "app" / "db.py").write_text('def f(cur):\n    cur.execute("LISTEN jobs")\n', encoding="utf-8")
    inputs = {name: spec["default"] for name, spec in ACTION["inputs"].items()}
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    results = []
    for step in ACTION["runs"]["steps"]:
        if "run" not in step:
            continue
        env = {**os.environ, "RUNNER_TEMP": str(runner_temp)}
        env.update({key: _resolve(value, inputs) for key, value in step.get("env", {}).items()})
        results.append(subprocess.run(["bash", "-e", "-c", step["run"]], cwd=project, env=env, capture_output=True, text=True))
    install, sarif, annotate = results
    assert install.returncode == 0, install.stderr
    assert sarif.returncode == 0, sarif.stderr
    report = json.loads((project / "pinlint.sarif").read_text(encoding="utf-8"))
    [result] = report["runs"][0]["results"]
    assert result["ruleId"] == "PIN110"
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "app/db.py"
    assert annotate.returncode == 1
    assert annotate.stdout.startswith("::error file=app/db.py,line=2,endLine=2,col=17,endColumn=30,title=pinlint PIN110 (listen)::")
