"""Find the SQL, connections and driver calls in one Python module, run the rules on them, and
place each hit in the file."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Sequence

import libcst as cst

from pinlint.diagnostics import DialectReading, Evidence, Hit
from pinlint.project_versions import NO_VERSIONS, LazyVersions
from pinlint.drivers.django import server_side_cursors
from pinlint.drivers.api import HookKind
from pinlint.python.dialect import OTHER, FileDialect
from pinlint.python.first_pass import may_hold_sql
from pinlint.python.positions import positions as node_positions
from pinlint.python.project_index import ProjectModules
from pinlint.python.strings import opening_quote_offset
from pinlint.python.test_data import is_test_module
from pinlint.python.transactions import Transactions
from pinlint.python.visitor import SqlCollector
from pinlint.python.walk import walk
from pinlint.rules.base import Rule
from pinlint.rules.pin118_oversized_statement import OversizedStatement
from pinlint.sent import SentConnection, SentSql, sent_connection, startup_anchors
from pinlint.sql.analyze import analyze_sql
from pinlint.sql.lexer import MYSQL, POSTGRES
from pinlint.suppression import Suppression

# Whether the Django project around a file keeps server-side cursors (None: no settings found).
ProjectSettings = Callable[[], "bool | None"]
# The project's dialect (None: undecided) and its evidence (`pinlint.python.project_dialect`).
ProjectDialect = Callable[[], "tuple[str | None, tuple[Evidence, ...]]"]


@dataclass(frozen=True)
class PlacedHit:
    hit: Hit
    row: int
    col: int
    end_row: int
    end_col: int
    # With ``keep_nodes`` (fixing): where the hit was found. ``node``: its anchor; ``sql``: the
    # text of the SQL literal it is in, if any; ``in_transaction``: the code shows that SQL runs
    # inside a transaction.
    node: cst.CSTNode | None = field(default=None, compare=False)
    sql: str | None = field(default=None, compare=False)
    in_transaction: bool = field(default=False, compare=False)


@dataclass
class PythonAnalysis:
    hits: list[PlacedHit]
    sql_suppressions: list[Suppression]  # `-- pinlint: ignore[...]` inside Python strings
    # With ``collect``: every SQL text judged and every connection recognised (`pinlint.sent`).
    sent_sql: list[SentSql] = field(default_factory=list)
    sent_connections: list[SentConnection] = field(default_factory=list)


def analyze_python(
    module: cst.Module,
    rules: Sequence[Rule],
    dialect: str | None,
    path: str = "",
    django_server_side_cursors: ProjectSettings = lambda: None,
    project: ProjectModules | None = None,
    project_dialect: ProjectDialect = lambda: (None, ()),
    collect: bool = False,
    versions: LazyVersions = NO_VERSIONS,
    keep_nodes: bool = False,
) -> PythonAnalysis:
    """``dialect``: the configured one; None: from each SQL text's syntax, the project
    (``project_dialect``, asked only once there is SQL to read) and the module's location,
    imports and URLs (`pinlint.python.dialect`). ``project``: the project's modules as seen from
    this file, when it is one (calls of their wrappers are judged); ``collect``: also place every
    SQL text judged and every connection recognised; ``versions``: the project's drivers' and
    frameworks' versions, which rules judge connections and calls by; ``keep_nodes``: keep what
    a fix needs to know of each hit (`PlacedHit.node`)."""
    collector = SqlCollector(OversizedStatement().check_batch_helper, project, is_test_module(path))
    collector.evidence.saw_path(path)
    walk(module, collector)
    reading = FileDialect(dialect, collector.evidence, project_dialect)
    if reading.left_alone:  # SQL for an engine the rules do not cover
        return PythonAnalysis([], [])
    found: list[tuple[Hit, cst.CSTNode, cst.CSTNode]] = []
    suppressions: list[tuple[Suppression, cst.CSTNode]] = []
    transactions = Transactions(collector, module)
    judged: list[tuple[str, cst.CSTNode]] = []

    def engine(named: tuple[str, str] | None) -> str:
        """The engine of a class named after one, else the file's default (which asks the
        project only now, when there is SQL to read)."""
        return named[0] if named is not None else reading.default

    sources: dict[int, tuple[str, bool]] = {}  # id of a hit -> its SQL text, and whether in a transaction
    for candidate in collector.candidates:
        # A class named after an engine (`MySQLDatabase`) holds that engine's SQL, whatever the file says.
        named = collector.engine_of(candidate.functions) if dialect is None else None
        if named is not None and named[0] == OTHER:
            continue  # SQL of an engine the rules do not speak for
        # Most strings of a module are not SQL: spare them the tokenizer (and the project a look).
        if not (may_hold_sql(candidate.text, POSTGRES) or engine(named) == MYSQL and may_hold_sql(candidate.text, MYSQL)):
            continue
        if engine(named) == OTHER:
            break  # the project's engines are none the rules speak for
        judged.append((candidate.text, candidate.anchor))
        hook = collector.hook_of(candidate.functions)
        analysis = analyze_sql(
            candidate.text, engine(named), rules, candidate.confidence, candidate.strict, hook,
            no_transaction=transactions.outside(candidate.text, candidate.anchor),
            by_syntax=dialect is None, talks_to_sqlite=reading.sqlite_only,
        )
        in_class = named and DialectReading(named[0], (Evidence("code", named[0], f"written in class `{named[1]}`"),))
        hits = []
        for hit in _most_specific(analysis.hits):
            by_class = in_class and not (hit.dialect and hit.dialect.evidence)  # its syntax named no engine
            hits.append(_in_hook(replace(hit, dialect=reading.with_evidence(in_class if by_class else hit.dialect)), hook))
        if keep_nodes and hits:
            inside = transactions.inside(candidate.anchor)
            sources.update((id(hit), (candidate.text, inside)) for hit in hits)
        found.extend((hit, candidate.anchor, candidate.span) for hit in hits)
        suppressions.extend((s, candidate.anchor) for s in analysis.suppressions)
    enabled = {rule.code for rule in rules}
    for api in collector.api_findings:
        if api.hit.code in enabled:
            found.append((_in_hook(api.hit, collector.hook_of(api.functions)), api.node, api.node))
    server_side = None
    for connection, functions in collector.connections:
        connection.versions = versions
        for rule in rules:
            for hit in rule.check_connection(connection):
                found.append(_placed_at(hit, connection.anchor, collector.hook_of(functions)))
    for call, functions in collector.api_calls:
        if call.api == "django.QuerySet.iterator":
            if server_side is None:
                local = collector.django_settings
                server_side = server_side_cursors(local) if local else django_server_side_cursors()
            call.facts["server_side_cursors"] = server_side
        call.versions = versions
        for rule in rules:
            for hit in rule.check_call(call):
                found.append(_placed_at(hit, call.anchor, collector.hook_of(functions)))
    found = [f for f in found if id(f[1]) not in collector.reported_elsewhere]
    if not found and not suppressions and not collect:
        return PythonAnalysis([], [])
    # Positions cost a second walk, so they are only computed for modules with something to report,
    # and only for the nodes that are.
    placing = [node for _, anchor, span in found for node in (anchor, span)] + [anchor for _, anchor in suppressions]
    positions = node_positions(module, placing)
    placed = []
    for hit, anchor, span in found:
        start, end = positions[anchor].start, positions[span].end
        column = start.column + opening_quote_offset(anchor) + 1
        if keep_nodes:
            text, inside = sources.get(id(hit), (None, False))
            placed.append(PlacedHit(replace(hit, anchor=None), start.line, column, end.line, end.column + 1, anchor, text, inside))
        else:
            placed.append(PlacedHit(replace(hit, anchor=None), start.line, column, end.line, end.column + 1))
    sql_suppressions = []
    for suppression, anchor in suppressions:
        start = positions[anchor].start
        suppression.row, suppression.col = start.line, start.column + opening_quote_offset(anchor) + 1
        sql_suppressions.append(suppression)
    analysis = PythonAnalysis(placed, sql_suppressions)
    if collect:
        _collect_sent(analysis, path, module, judged, collector)
    return analysis


def _collect_sent(analysis: PythonAnalysis, path: str, module: cst.Module, judged: list, collector: SqlCollector) -> None:
    # Settings a project wrapper writes are nodes of the wrapper's module: they have no place here.
    nodes = [anchor for _, anchor in judged]
    for connection, _ in collector.connections:
        nodes += [connection.anchor, *(anchor for _, anchor in startup_anchors(connection))]
    positions = node_positions(module, [n for n in nodes if isinstance(n, cst.CSTNode)], only_found=True)

    def place(node: object) -> tuple[int, int] | None:
        if not isinstance(node, cst.CSTNode) or node not in positions:
            return None
        start = positions[node].start
        return start.line, start.column + opening_quote_offset(node) + 1

    for text, anchor in judged:
        at = place(anchor)
        if at is not None:
            analysis.sent_sql.append(SentSql(path, *at, text))
    for connection, _ in collector.connections:
        at = place(connection.anchor)
        if at is not None:
            analysis.sent_connections.append(sent_connection(connection, path, *at, place))


def _placed_at(hit: Hit, default: object, hook: HookKind | None) -> tuple[Hit, cst.CSTNode, cst.CSTNode]:
    anchor = hit.anchor if isinstance(hit.anchor, cst.CSTNode) else default
    return _in_hook(hit, hook), anchor, anchor  # type: ignore[return-value]


def _in_hook(hit: Hit, hook: HookKind | None) -> Hit:
    return hit if hook is None or hit.when else replace(hit, when=hook.when)


def _most_specific(hits: list[Hit]) -> list[Hit]:
    """A pool's reset query (PIN203) is the finding for its `DISCARD`/`RESET ALL`, not PIN107/PIN101."""
    claimed = {hit.offset for hit in hits if hit.code == "PIN203"}
    return [hit for hit in hits if hit.code == "PIN203" or hit.offset not in claimed]
