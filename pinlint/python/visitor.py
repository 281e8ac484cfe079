"""Walk a Python module once and collect every piece of SQL it can send, with how sure we are.

* SQL passed to an execution call (on any receiver) or a SQL constructor: high confidence when
  written out in full, medium when composed (f-string, `%`, `.format()`, `+`).
* A module or function constant that flows into an execution call: medium, reported at the
  constant's literal.
* Any other string that is unmistakably SQL: medium (low when not in capitals). Docstrings,
  bare string statements, log and exception messages, asserts, comparisons and mock
  expectations are never SQL.
* SQLAlchemy `func.<name>(...)` for the SQL functions the rules know.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from pinlint.diagnostics import Confidence, Hit
from pinlint.python.dialect import DialectEvidence
from pinlint.python.sql_calls import (
    BATCH_HELPERS,
    EXECUTION_METHODS,
    SQL_CONSTRUCTORS,
    SQL_FUNCTIONS,
    SQL_KEYWORDS,
    is_text_sink,
)
from pinlint.python.strings import HOLE, STRING_NODES, SqlString, compose, fill_format_fields

_SQLALCHEMY_MODULES = ("sqlalchemy", "sqlalchemy.sql", "sqlalchemy.sql.expression", "sqlalchemy.sql.functions")
_PROSE_KEYWORDS = frozenset({"help", "description", "msg", "message", "verbose_name", "label", "doc", "help_text"})


@dataclass(frozen=True)
class SqlCandidate:
    text: str
    anchor: cst.CSTNode
    span: cst.CSTNode
    confidence: Confidence
    strict: bool = False


@dataclass(frozen=True)
class ApiFinding:
    """A hit about a Python call rather than SQL text."""

    hit: Hit
    node: cst.CSTNode


@dataclass
class _Scope:
    constants: dict[str, list[cst.BaseExpression]] = field(default_factory=dict)


class SqlCollector(cst.CSTVisitor):
    def __init__(self, batch_helper_hit) -> None:
        super().__init__()
        self.evidence = DialectEvidence()
        self.candidates: list[SqlCandidate] = []
        self.api_findings: list[ApiFinding] = []
        self._batch_helper_hit = batch_helper_hit
        self._scopes: list[_Scope] = [_Scope()]
        self._every_scope: list[_Scope] = list(self._scopes)
        self._pending: list[tuple[str, tuple[_Scope, ...]]] = []
        self._free: list[cst.CSTNode] = []
        self._consumed: set[int] = set()
        self._asserted_names: set[str] = set()
        self._sqlalchemy_aliases: set[str] = set()
        self._func_aliases: set[str] = set()

    # -- structure -------------------------------------------------------------------------

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            self._scopes.append(_Scope())
            self._every_scope.append(self._scopes[-1])
        elif isinstance(node, (cst.Import, cst.ImportFrom)):
            self._imports(node)
        elif isinstance(node, cst.Assign):
            self._assign(node.targets[0].target if len(node.targets) == 1 else None, node.value)
        elif isinstance(node, cst.AnnAssign) and node.value is not None:
            self._assign(node.target, node.value)
        elif isinstance(node, cst.Expr) and isinstance(node.value, STRING_NODES):
            return False  # docstrings and other bare strings are never executed
        elif isinstance(node, (cst.Assert, cst.Raise, cst.Comparison)):
            self._remember_asserted(node)
            return False
        elif isinstance(node, cst.Arg) and node.keyword is not None and node.keyword.value in _PROSE_KEYWORDS:
            return False
        elif isinstance(node, cst.Call):
            return self._call(node)
        elif isinstance(node, STRING_NODES):
            self._string(node)
            return False
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if isinstance(original_node, (cst.FunctionDef, cst.ClassDef)):
            self._scopes.pop()
        elif isinstance(original_node, cst.Module):
            self._resolve_names()
            self._collect_free_strings()

    # -- imports, constants ---------------------------------------------------------------

    def _imports(self, node: cst.Import | cst.ImportFrom) -> None:
        if isinstance(node, cst.Import):
            for alias in node.names:
                module = _dotted(alias.name)
                self.evidence.saw_module(module)
                if module == "sqlalchemy":
                    self._sqlalchemy_aliases.add(_alias_name(alias) or "sqlalchemy")
            return
        if node.module is None or node.relative:
            return
        module = _dotted(node.module)
        self.evidence.saw_module(module)
        if isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            self.evidence.saw_module(f"{module}.{_dotted(alias.name)}")
            if module in _SQLALCHEMY_MODULES and _dotted(alias.name) == "func":
                self._func_aliases.add(_alias_name(alias) or "func")

    def _assign(self, target: cst.BaseExpression | None, value: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self._scopes[-1].constants.setdefault(target.value, []).append(value)

    def _remember_asserted(self, node: cst.CSTNode) -> None:
        """Names compared or asserted on hold expected SQL of a test, not SQL to run."""
        stack = [node]
        while stack:
            current = stack.pop()
            if isinstance(current, cst.Name):
                self._asserted_names.add(current.value)
            stack.extend(current.children)

    # -- calls ----------------------------------------------------------------------------

    def _call(self, node: cst.Call) -> bool:
        receiver, name = _call_name(node.func)
        if is_text_sink(receiver, name):
            self._remember_asserted(node)
            return False
        is_method = isinstance(node.func, cst.Attribute)
        if name in SQL_CONSTRUCTORS or (name in EXECUTION_METHODS and is_method) or name in BATCH_HELPERS:
            for argument in _sql_arguments(node, name):
                self._sql_argument(argument)
        if name in BATCH_HELPERS:
            self.api_findings.append(ApiFinding(self._batch_helper_hit(name), node))
        if is_method and name in SQL_FUNCTIONS:
            confidence = self._sqlalchemy_func(node.func.value)  # type: ignore[attr-defined]
            if confidence is not None:
                text = f"SELECT {name}({', '.join(_sql_literal(a.value) for a in node.args)})"
                self.candidates.append(SqlCandidate(text, node, node, confidence))
        return True

    def _sqlalchemy_func(self, value: cst.BaseExpression) -> Confidence | None:
        if isinstance(value, cst.Name):
            if value.value in self._func_aliases:
                return Confidence.HIGH
            return Confidence.MEDIUM if value.value == "func" else None
        if isinstance(value, cst.Attribute) and value.attr.value == "func":
            base = value.value
            return Confidence.HIGH if isinstance(base, cst.Name) and base.value in self._sqlalchemy_aliases else Confidence.MEDIUM
        return None

    def _sql_argument(self, expr: cst.BaseExpression) -> None:
        template = expr
        while True:  # `QUERY % args` and `QUERY.format(...)` execute the constant QUERY
            if isinstance(template, cst.BinaryOperation) and isinstance(template.operator, cst.Modulo):
                template = template.left
            elif isinstance(template, cst.Call) and isinstance(template.func, cst.Attribute) and template.func.attr.value == "format":
                template = template.func.value
            else:
                break
        if isinstance(template, cst.Name):
            self._pending.append((template.value, tuple(self._scopes)))
            return
        string = compose(expr)
        if string is not None:
            self._add(string, Confidence.HIGH if string.literal else Confidence.MEDIUM)

    def _add(self, string: SqlString, confidence: Confidence, strict: bool = False) -> None:
        if id(string.anchor) in self._consumed:
            return
        self._consumed.update(_string_node_ids(string.span))
        # SQL has no `{...}` outside literals: they are str.format / sql.SQL fields filled in later.
        text = fill_format_fields(string).text
        self.candidates.append(SqlCandidate(text, string.anchor, string.span, confidence, strict))

    # -- strings that reach no known call ---------------------------------------------------

    def _string(self, node: cst.CSTNode) -> None:
        string = compose(node)  # type: ignore[arg-type]
        if string is not None:
            self.evidence.saw_string(string.text)
            self._free.append(node)

    def _resolve_names(self) -> None:
        for name, chain in self._pending:
            for scope in reversed(chain):
                values = scope.constants.get(name)
                if values:
                    for value in values:
                        string = compose(value)
                        if string is not None:
                            self._add(string, Confidence.MEDIUM)
                    break

    def _collect_free_strings(self) -> None:
        expected = {
            id(node)
            for scope in self._every_scope
            for name in self._asserted_names
            for value in scope.constants.get(name, ())
            for node in _string_nodes(value)
        }
        for node in self._free:
            if id(node) in self._consumed or id(node) in expected:
                continue
            string = compose(node)  # type: ignore[arg-type]
            if string is not None:
                self._add(string, Confidence.MEDIUM, strict=True)


def _call_name(func: cst.BaseExpression) -> tuple[str, str]:
    if isinstance(func, cst.Name):
        return "", func.value
    if isinstance(func, cst.Attribute):
        receiver = func.value
        receiver_name = receiver.attr.value if isinstance(receiver, cst.Attribute) else getattr(receiver, "value", "")
        return (receiver_name if isinstance(receiver_name, str) else ""), func.attr.value
    return "", ""


def _sql_arguments(node: cst.Call, name: str) -> list[cst.BaseExpression]:
    positional = [a.value for a in node.args if a.keyword is None and not a.star]
    keywords = {a.keyword.value: a.value for a in node.args if a.keyword is not None}
    if name == "RunSQL":
        found = positional[:2] + [keywords[k] for k in ("sql", "reverse_sql") if k in keywords]
        return [item for value in found for item in _sequence_items(value)]
    index = 1 if name in BATCH_HELPERS else 0
    if len(positional) > index:
        return [positional[index]]
    return [keywords[k] for k in SQL_KEYWORDS if k in keywords][:1]


def _sequence_items(value: cst.BaseExpression) -> list[cst.BaseExpression]:
    """RunSQL takes a string, or a list of strings and (sql, params) pairs."""
    if isinstance(value, (cst.List, cst.Tuple)):
        items = []
        for element in value.elements:
            inner = element.value
            if isinstance(inner, (cst.Tuple, cst.List)) and inner.elements:
                inner = inner.elements[0].value
            items.append(inner)
        return items
    return [value]


def _sql_literal(value: cst.BaseExpression) -> str:
    """A Python argument of `func.x(...)` as SQL: constants kept, anything else a placeholder."""
    if isinstance(value, cst.SimpleString):
        text = compose(value)
        return "'" + text.text.replace("'", "''") + "'" if text else HOLE
    if isinstance(value, cst.Name) and value.value in ("True", "False"):
        return value.value.upper()
    if isinstance(value, (cst.Integer, cst.Float)):
        return value.value
    return HOLE


def _string_nodes(node: cst.CSTNode) -> list[cst.CSTNode]:
    found, stack = [], [node]
    while stack:
        current = stack.pop()
        if isinstance(current, STRING_NODES):
            found.append(current)
        stack.extend(current.children)
    return found


def _string_node_ids(node: cst.CSTNode) -> set[int]:
    return {id(n) for n in _string_nodes(node)}


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def _alias_name(alias: cst.ImportAlias) -> str | None:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return None
