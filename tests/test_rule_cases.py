"""Each rule's own VALID and INVALID cases (kept beside its logic), run through the engine."""

from __future__ import annotations

import pytest

from pinlint.diagnostics import Confidence
from pinlint.engine import lint_source
from pinlint.rules import LINT_RULES
from pinlint.deployment import Deployment
from pinlint.rules.base import PythonCase
from pinlint.settings import Settings


def _cases(kind: str):
    for rule in LINT_RULES:
        for index, case in enumerate(getattr(rule, kind)):
            yield pytest.param(rule, case, id=f"{rule.code}-{kind.lower()}-{index}")


def _codes(case) -> list[str]:
    if isinstance(case, PythonCase):
        deployment = Deployment(tuple(case.targets), preparing_drivers=case.drivers)
        settings = Settings(targets=tuple(case.targets), min_confidence=Confidence.LOW, deployment=deployment)
        source, filename = case.source, case.filename
    else:
        settings = Settings(targets=tuple(case.targets), dialect=case.dialect, min_confidence=Confidence.LOW)
        source, filename = case.sql, "case.sql"
    return [f.code for f in lint_source(source.encode(), filename, settings).findings]


@pytest.mark.parametrize("rule, case", list(_cases("INVALID")))
def test_invalid_case_is_reported(rule, case):
    assert rule.code in _codes(case)


@pytest.mark.parametrize("rule, case", list(_cases("VALID")))
def test_valid_case_is_silent(rule, case):
    assert rule.code not in _codes(case)


def test_every_rule_has_valid_and_invalid_cases():
    assert [r.code for r in LINT_RULES if not r.VALID or not r.INVALID] == []
