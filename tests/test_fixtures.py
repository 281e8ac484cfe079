"""Every fixture file: exactly the annotated findings, no more, no fewer."""

from __future__ import annotations

import pytest

from conftest import FIXTURES
from fixture_expectations import Expected, expectations, fixture_settings
from pinlint.discovery import is_lintable
from pinlint.engine import lint_source

PROJECTS = FIXTURES / "projects"
# Deployment fixtures are whole projects whose files decide the targets (tests/test_deployment.py).
FIXTURE_FILES = sorted(
    p for p in FIXTURES.rglob("*") if p.is_file() and is_lintable(p) and FIXTURES / "deployments" not in p.parents
)


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.relative_to(FIXTURES).as_posix())
def test_fixture_findings_match_annotations(path):
    settings = fixture_settings(path)
    # A fixture project's modules are judged with the project around them (its wrappers, its
    # constants); the others on their own.
    in_project = PROJECTS in path.parents
    report = lint_source(path.read_bytes(), path.name, settings, path=path if in_project else None)
    expected = expectations(path)
    with_col = {(e.row, e.code): e.col for e in expected if e.col is not None}
    actual = sorted(Expected(f.row, f.code, f.col if (f.row, f.code) in with_col else None) for f in report.findings)
    messages = {(f.row, f.code): f.message for f in report.findings}
    missing = [e for e in expected if e not in actual]
    unexpected = [f"{a} {messages[(a.row, a.code)]}" for a in actual if a not in expected]
    assert not missing and not unexpected, f"missing: {missing}\nunexpected: {unexpected}"


def test_every_rule_has_fixtures():
    from pinlint.rules import LINT_RULES

    text = "\n".join(p.read_text(encoding="utf-8") for p in FIXTURE_FILES)
    assert [r.code for r in LINT_RULES if f"expect: {r.code}" not in text] == []
