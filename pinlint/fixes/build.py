"""From findings to fixes: the file is linted again, keeping where each hit is, and each hit's
repair (`pinlint.fixes.repairs`) is written as edits of the text."""

from __future__ import annotations

import re
from pathlib import Path

from pinlint.diagnostics import Finding
from pinlint.fixes import Edit, Fix
from pinlint.fixes.repairs import Keywords, SqlEdits, Value
from pinlint.fixes.transactions import ScriptTransactions
from pinlint.settings import Settings
from pinlint.sql.lexer import POSTGRES, line_starts

# What a SQL edit may replace: a keyword, a function name, a constant (`false`, `'f'`); never a
# template field or anything that spans tokens.
_REPLACEABLE = re.compile(r"[A-Za-z_]+|'[A-Za-z]*'")


def build_fixes(
    text: str, display: str, settings: Settings, path: Path | None, findings: list[Finding] | None = None
) -> list[Fix]:
    """Fixes for ``findings`` of the text (None: for every finding linting it gives now)."""
    from pinlint.connections.files import config_format
    from pinlint.discovery import PYTHON_SUFFIXES
    from pinlint.engine import lint_text

    is_python = display.endswith(PYTHON_SUFFIXES)
    if not is_python and config_format(display) is not None:
        return []  # connection settings in config files are left to their owners
    report = lint_text(text, display, settings, is_python, path, fixing=True)
    origins = {_key(f): origin for f, origin in report.origins.items() if origin is not None}
    if findings is None:
        findings = report.findings
    starts = line_starts(text)
    python = _PythonFixes(text, starts) if is_python else None
    script: list[ScriptTransactions] = []  # the .sql file's, read when first needed
    fixes = []
    for finding in findings:
        origin = origins.get(_key(finding))
        if origin is None:
            continue
        if python is not None:
            fix = python.fix(finding, origin)
        else:
            fix = _sql_file_fix(text, finding, origin, script)
        if fix is not None:
            fixes.append(fix)
    return fixes


def _key(finding: Finding) -> tuple:
    return finding.code, finding.row, finding.col, finding.message


def _fix(finding: Finding, title: str, safe: bool, edits: list[Edit]) -> Fix:
    return Fix(finding.code, finding.row, finding.col, title, safe, tuple(edits))


def _sql_file_fix(text: str, finding: Finding, hit, script: list[ScriptTransactions]) -> Fix | None:
    repair = hit.repair
    if not isinstance(repair, SqlEdits) or not _postgres(finding):
        return None
    if repair.needs_transaction:
        if not script:
            script.append(ScriptTransactions(text))
        if not script[0].inside(hit.offset):
            return None
    edits = _sql_edits(text, 0, len(text), repair)
    return None if edits is None else _fix(finding, repair.title, repair.safe, edits)


def _postgres(finding: Finding) -> bool:
    return finding.dialect is None or finding.dialect.name == POSTGRES


def _sql_edits(sql: str, base: int, usable: int, repair: SqlEdits) -> list[Edit] | None:
    """``repair``'s edits of the SQL text ``sql``, as edits of a file where that text starts at
    ``base``; None unless each lies in the first ``usable`` characters and replaces one word
    or constant exactly as written (an insertion goes after a space)."""
    edits = []
    for start, end, replacement in repair.edits:
        if end > usable:
            return None
        if start == end:
            if start == 0 or not sql[start - 1].isspace():
                return None
        elif not _REPLACEABLE.fullmatch(sql[start:end]):
            return None
        edits.append(Edit(base + start, base + end, replacement))
    return edits


class _PythonFixes:
    """Fixes in one Python file: codemods of the calls the hits are anchored at, and SQL edits
    inside plain string literals."""

    def __init__(self, text: str, starts: list[int]) -> None:
        self.text = text
        self.starts = starts
        self._imports = None
        self._transactions: dict[int, ScriptTransactions] = {}  # per SQL text (by identity), once read

    def fix(self, finding: Finding, origin) -> Fix | None:
        from pinlint.fixes import codemods

        repair = origin.hit.repair
        node = origin.node
        if isinstance(repair, SqlEdits):
            return self._sql_in_literal(finding, origin, repair)
        if not isinstance(repair, (Keywords, Value)) or node is None:
            return None
        edits = codemods.edits(self.text, self.starts, origin, repair)
        if edits is None:
            return None
        if repair.imports:
            if self._imports is None:
                self._imports = codemods.ModuleImports(self.text, self.starts)
            added = self._imports.edits(repair.imports)
            if added is None:
                return None
            edits += added
        return _fix(finding, repair.title, repair.safe, edits)

    def _sql_in_literal(self, finding: Finding, origin, repair: SqlEdits) -> Fix | None:
        import libcst as cst

        node, sql = origin.node, origin.sql
        if not isinstance(node, cst.SimpleString) or sql is None or not _postgres(finding):
            return None
        if repair.needs_transaction and not (origin.in_transaction or self._in_transaction(sql, origin.hit.offset)):
            return None
        quote, raw = node.quote, node.value
        content = raw[len(node.prefix) + len(quote) : len(raw) - len(quote)]
        if "\\" in content or "\r" in content:
            return None  # escapes: the SQL text is not the literal's characters
        usable = _common_prefix(sql, content)
        # The finding is placed at the literal's opening quote.
        base = self.starts[finding.row - 1] + finding.col - 1 + len(quote)
        if self.text[base - len(quote) : base + len(content) + len(quote)] != raw[len(node.prefix) :]:
            return None
        edits = _sql_edits(sql, base, usable, repair)
        if edits is None or any(quote[0] in e.replacement for e in edits):
            return None
        return _fix(finding, repair.title, repair.safe, edits)


    def _in_transaction(self, sql: str, offset: int) -> bool:
        transactions = self._transactions.get(id(sql))
        if transactions is None:
            transactions = self._transactions[id(sql)] = ScriptTransactions(sql, script=False)
        return transactions.inside(offset)


def _common_prefix(a: str, b: str) -> int:
    size = min(len(a), len(b))
    for index in range(size):
        if a[index] != b[index]:
            return index
    return size
