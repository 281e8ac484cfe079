"""Find the SQL in one Python module, run the SQL rules on it, and place each hit in the file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from pinlint.diagnostics import Hit
from pinlint.python.strings import opening_quote_offset
from pinlint.python.visitor import SqlCollector
from pinlint.rules.base import SqlRule
from pinlint.rules.pin118_oversized_statement import OversizedStatement
from pinlint.sql.analyze import analyze_sql
from pinlint.suppression import Suppression


@dataclass(frozen=True)
class PlacedHit:
    hit: Hit
    row: int
    col: int
    end_row: int
    end_col: int


@dataclass
class PythonAnalysis:
    hits: list[PlacedHit]
    sql_suppressions: list[Suppression]  # `-- pinlint: ignore[...]` inside Python strings
    dialect: str


def analyze_python(module: cst.Module, rules: Sequence[SqlRule], dialect: str | None, path: str = "") -> PythonAnalysis:
    """``dialect`` None: infer it from the module's location, imports and URLs."""
    collector = SqlCollector(OversizedStatement().check_batch_helper)
    collector.evidence.saw_path(path)
    module.visit(collector)
    file_dialect = dialect or collector.evidence.dialect()
    if file_dialect is None:  # SQL for an engine the rules do not cover
        return PythonAnalysis([], [], "")
    found: list[tuple[Hit, cst.CSTNode, cst.CSTNode]] = []
    suppressions: list[tuple[Suppression, cst.CSTNode]] = []
    for candidate in collector.candidates:
        analysis = analyze_sql(candidate.text, file_dialect, rules, candidate.confidence, candidate.strict)
        found.extend((hit, candidate.anchor, candidate.span) for hit in analysis.hits)
        suppressions.extend((s, candidate.anchor) for s in analysis.suppressions)
    enabled = {rule.code for rule in rules}
    for api in collector.api_findings:
        if api.hit.code in enabled:
            found.append((api.hit, api.node, api.node))
    if not found and not suppressions:
        return PythonAnalysis([], [], file_dialect)
    # Positions cost a second walk, so they are only computed for modules with something to report.
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    placed = []
    for hit, anchor, span in found:
        start, end = positions[anchor].start, positions[span].end
        column = start.column + opening_quote_offset(anchor) + 1
        placed.append(PlacedHit(hit, start.line, column, end.line, end.column + 1))
    sql_suppressions = []
    for suppression, anchor in suppressions:
        start = positions[anchor].start
        suppression.row, suppression.col = start.line, start.column + opening_quote_offset(anchor) + 1
        sql_suppressions.append(suppression)
    return PythonAnalysis(placed, sql_suppressions, file_dialect)

