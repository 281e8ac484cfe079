"""From incidents to the code that causes them.

The project is linted by the one engine (`pinlint.engine.lint_paths`), which keeps every SQL text
it judged and every connection it recognised with its place (`pinlint.sent`). Each incident is
then joined to:

1. the project's own SQL whose fingerprint can be the logged statement's: every place that can
   send it;
2. otherwise, for a statement a library sends on its own (`pinlint.logs.emitters`), the
   connections that configure that library, under the PIN2xx rule that explains it;
3. for a refused startup parameter, the `options` or `server_settings` that sends it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from pinlint.diagnostics import Severity
from pinlint.engine import Report, default_jobs, lint_paths
from pinlint.logs.classify import Tally
from pinlint.logs.fingerprint import HOLE, Statement, fingerprints, matches
from pinlint.rules import BY_CODE
from pinlint.sent import SentConnection
from pinlint.settings import Settings


@dataclass(frozen=True, order=True)
class Location:
    filename: str
    row: int
    column: int


@dataclass(frozen=True)
class Incident:
    source: str  # rds-proxy | postgresql | pgbouncer
    code: str  # "" when the log names no rule
    name: str  # the rule's name
    consequence: str
    severity: Severity
    statement: str  # normalised
    count: int
    first_seen: str | None
    last_seen: str | None
    locations: tuple[Location, ...]
    emitter: str | None  # "asyncpg: the pool resets every released connection with ..."
    fix: str
    first_logged: str  # `file:line` of the first event
    unlocated: str = ""  # why no location is given, when none is


def lint_project(project: Path, settings: Settings, cwd: Path | None = None, jobs: int | None = None) -> Report:
    """The project linted as `pinlint check` would, keeping what it can send (never cached)."""
    return lint_paths([project], replace(settings, collect_sent=True), cwd or Path.cwd(), jobs or default_jobs())


class CodeIndex:
    """The project's SQL by fingerprint: literal texts looked up, composed ones matched."""

    def __init__(self, report: Report) -> None:
        self._exact: dict[Statement, list[tuple[Statement, Location]]] = {}
        self._composed: list[tuple[Statement, Location]] = []
        for sql in report.sent_sql:
            place = Location(sql.path, sql.row, sql.col)
            for statement in fingerprints(sql.text):
                if HOLE in "".join(statement):
                    self._composed.append((statement, place))
                else:
                    self._exact.setdefault(statement, []).append((statement, place))
        self.connections: list[SentConnection] = list(report.sent_connections)

    def places(self, statement: Statement) -> list[Location]:
        found = [place for written, place in self._exact.get(statement, []) if written.same_literals(statement)]
        found += [place for pattern, place in self._composed if matches(pattern, statement)]
        return sorted(set(found))


def map_to_code(tallies: list[Tally], index: CodeIndex) -> list[Incident]:
    return [_incident(tally, index) for tally in tallies]


def _incident(tally: Tally, index: CodeIndex) -> Incident:
    judgement = tally.judgement
    code, fix, emitter, unlocated = judgement.code, judgement.fix, None, ""
    locations = sorted({place for judged in tally.variants.values() for place in index.places(judged)})
    if judgement.parameter:
        wanted = judgement.parameter.lower()
        locations = sorted({
            Location(c.path, p.row, p.col) for c in index.connections for p in c.startup if p.name.lower() == wanted
        })
        if not locations:
            unlocated = (f"no code location found: sent at run time from a connection whose `{judgement.parameter}` "
                         "pinlint cannot see (an environment variable, a settings file it does not read)")
    library = judgement.emitter if not locations and not judgement.parameter else None
    configuring = [c for c in index.connections if library.configures(c)] if library else []
    if library is not None and (configuring or not library.only_when_configured):
        locations = sorted({Location(c.path, c.row, c.col) for c in configuring})
        code, fix, emitter = library.code, library.fix_for(configuring), f"{library.library}: {library.sends}"
        if not locations:
            unlocated = (f"no code location found: sent at run time from {library.library}, which no connection in the "
                         "project configures")
    elif not locations and not judgement.parameter:
        sender = f" by `{tally.sender}`" if tally.sender else ""
        unlocated = (f"no code location found: sent at run time{sender} from a library or from SQL the project builds "
                     "where pinlint cannot follow it")
    return Incident(
        source=tally.source, code=code, name=BY_CODE[code].name if code in BY_CODE else "",
        consequence=judgement.consequence, severity=judgement.severity, statement=judgement.statement,
        count=tally.count, first_seen=tally.first_seen, last_seen=tally.last_seen, locations=tuple(locations),
        emitter=emitter, fix=fix, first_logged=tally.first_logged, unlocated=unlocated,
    )
