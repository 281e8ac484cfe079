"""SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

What the spec and GitHub need, and others leave out: `columnKind` (mandatory once there are
results; pinlint's columns count code points), URIs relative to a `uriBaseId` (GitHub resolves
them against the repository root), `partialFingerprints` that survive lines moving, and each
used rule with its documentation as `help`.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

from pinlint import REPOSITORY_URL, __version__
from pinlint.diagnostics import Confidence, Finding, lowest
from pinlint.engine import Report
from pinlint.output.fingerprint import fingerprints
from pinlint.output.text import json_text
from pinlint.rules import BY_CODE, Rule

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SOURCE_ROOT = "%SRCROOT%"
# GitHub ranks alerts by the rule's precision; a rule is as precise as its least certain finding.
_PRECISION = {Confidence.HIGH: "very-high", Confidence.MEDIUM: "high", Confidence.LOW: "medium"}


def render(report: Report) -> str:
    confidence: dict[str, Confidence] = {}
    for finding in report.findings:
        confidence[finding.code] = lowest(finding.confidence, confidence.get(finding.code, finding.confidence))
    codes = sorted(confidence)
    index = {code: i for i, code in enumerate(codes)}
    results = [
        _result(finding, index[finding.code], fingerprint)
        for finding, fingerprint in zip(report.findings, fingerprints(report))
    ]
    run = {
        "tool": {
            "driver": {
                "name": "pinlint",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": REPOSITORY_URL,
                "rules": [_rule(BY_CODE[code], confidence[code]) for code in codes],
            }
        },
        "originalUriBaseIds": {SOURCE_ROOT: {"uri": Path.cwd().as_uri().rstrip("/") + "/"}},
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    document = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return json_text(document, indent=2) + "\n"


def _rule(rule: Rule, confidence: Confidence) -> dict:
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": _first_paragraph(rule.doc)[:1024]},
        "help": {"text": rule.doc, "markdown": rule.doc},
        "helpUri": rule.url,
        "properties": {"precision": _PRECISION[confidence], "tags": ["database", "connection-pooling"]},
    }


def _first_paragraph(doc: str) -> str:
    """The sentence under a rule doc's `# CODE name` heading."""
    paragraphs = [p.strip() for p in doc.split("\n\n") if p.strip() and not p.lstrip().startswith("#")]
    return " ".join(paragraphs[0].split()) if paragraphs else ""


def _result(finding: Finding, rule_index: int, fingerprint: str) -> dict:
    region = {"startLine": finding.row, "startColumn": finding.col, "endLine": finding.end_row, "endColumn": finding.end_col}
    return {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": finding.severity.value,
        "message": {"text": f"{finding.message}. Fix: {finding.fix}"},
        "locations": [{"physicalLocation": {"artifactLocation": _artifact(finding.path), "region": region}}],
        "partialFingerprints": {"pinlint/v1": fingerprint},
        "properties": {"confidence": finding.confidence.value, "consequences": finding.consequences},
    }


def _artifact(path: str) -> dict:
    if Path(path).is_absolute():  # a file outside the directory pinlint ran in
        return {"uri": Path(path).as_uri()}
    # The name's own bytes: one that is not UTF-8 was read into surrogates, which quote() refuses.
    return {"uri": quote(os.fsencode(path)), "uriBaseId": SOURCE_ROOT}
