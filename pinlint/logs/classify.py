"""Which logged events are incidents, and what each one is.

A statement the server ran or a digest RDS Proxy logged is judged by the linter's own SQL rules
(`pinlint.sql.analyze`), under the targets the evidence speaks for: RDS Proxy's pins for RDS
Proxy, PgBouncer's errors for PgBouncer, the server's statements for the configured targets. A
statement that leaves no session state (`SELECT 1`, `UPDATE t SET ...`) is never an incident.
RDS Proxy's pins always are: when the digest is nothing a rule judges, the reason it logged says
which rule explains it. Prepared-statement errors and refused startup parameters are incidents
of the rules that predict them (PIN106 or PIN202, PIN201).

Events are then grouped by source, rule and fingerprint (`pinlint.logs.fingerprint`), and
counted: a log holds the same few statements millions of times, so each distinct text is judged
once.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Iterable

from pinlint.diagnostics import Confidence, Hit, Severity
from pinlint.engine import effects
from pinlint.logs.emitters import Emitter, prepared_statement_emitter, statement_emitter
from pinlint.logs.events import (
    ERROR, NOTICE, PGBOUNCER, PINNED, POSTGRESQL, RDS_PROXY, REFUSED, STATEMENT, LogEvent,
)
from pinlint.logs.fingerprint import Statement, fingerprint, fingerprints
from pinlint.python.first_pass import may_hold_sql
from pinlint.rules import LINT_RULES
from pinlint.rules.pin118_oversized_statement import FIX as OVERSIZED_FIX
from pinlint.sql.analyze import analyze_sql
from pinlint.sql.lexer import MYSQL, POSTGRES, statements
from pinlint.targets import PGBOUNCERS, Target

SHOWN = {RDS_PROXY: "RDS Proxy", PGBOUNCER: "PgBouncer", POSTGRESQL: "PostgreSQL"}
_PINS = "pins the session on RDS Proxy"
_DIGEST = re.compile(r'Digest:\s*"(.*)"\.?\s*$', re.DOTALL)
_PREPARED_NAME = re.compile(r"""prepared statement ["'](.+?)["']""", re.DOTALL)
_STARTUP_PARAMETER = re.compile(
    r"unsupported startup parameter(?: in options)?:\s*(?P<name>[\w.]*\w)|doesn't support the option (?P<option>[\w.]*\w)"
)
_PREPARED_STATEMENT_SQLSTATES = {"26000", "42P05"}
# RDS Proxy's pin reasons that name no statement a rule judges, and the rule that explains each;
# the first that a reason contains wins (an [INFO] prepared-statement line names session settings).
_SETTINGS_FIX = "Move the setting to the role (`ALTER ROLE app SET ...`) or to RDS Proxy's initialization query"
_PIN_REASONS = (
    ("16384 byte", "PIN118", "the statement is over 16384 bytes", OVERSIZED_FIX),
    ("parse message", "PIN202", "the extended query protocol pinned before November 2023",
     "RDS Proxy multiplexes the extended query protocol since November 2023; until the proxy runs that, "
     "keep drivers on the simple protocol"),
    ("session settings", "PIN101", "a statement changed session settings", _SETTINGS_FIX),
    ("SET ", "PIN101", "a SET statement", _SETTINGS_FIX),
    ("prepared statement", "PIN202", "a prepared statement the proxy flagged when it was parsed (the [INFO] line "
     "before it names the statement)",
     "Find the statement in the `If this prepared statement runs` line logged before this one, and fix that"),
)


@dataclass(frozen=True)
class Judgement:
    """What one event is, as an incident."""

    code: str  # the rule that explains it; "" when the log names none
    statement: str  # what it is shown and grouped by: a fingerprint, or what stands for the statement
    consequence: str
    severity: Severity
    fix: str
    judged: Statement | None = None  # the statement that made it an incident, to find in the code
    emitter: Emitter | None = None  # the library that sends it on its own, when it is one pinlint knows
    parameter: str = ""  # a refused startup parameter


@dataclass
class Tally:
    """Every event of one incident: how many, when, and where the first one is in the logs."""

    source: str
    judgement: Judgement
    count: int = 0
    first_seen: str | None = None
    last_seen: str | None = None
    first_logged: str = ""  # `file:line` of the first event
    sender: str = ""  # `user@database` of the first event, when the log says
    # The judged statement with each set of literals seen (`set_config('app.a', ...)` and
    # `set_config('app.b', ...)` are one incident, and may be sent from different places).
    variants: dict[tuple, Statement] = field(default_factory=dict)

    def add(self, event: LogEvent, judgement: Judgement) -> None:
        self.count += 1
        judged = judgement.judged
        if judged is not None and len(self.variants) < _VARIANTS:
            self.variants.setdefault(judged.literals, judged)
        if not self.first_logged:
            self.first_logged = f"{event.filename}:{event.line}"
            user, database = event.detail.get("user", ""), event.detail.get("database", "")
            self.sender = f"{user}@{database}" if user and database else user or database
        if event.timestamp:
            # As the log writes them: one incident's events come from one source, so one format.
            self.first_seen = min(self.first_seen or event.timestamp, event.timestamp)
            self.last_seen = max(self.last_seen or event.timestamp, event.timestamp)


class Judge:
    """Judges events under the configured ``targets`` (for what the server logged) and ``dialect``
    ("auto": PostgreSQL, or MySQL for RDS Proxy digests written like MySQL's)."""

    def __init__(self, targets: tuple[Target, ...], dialect: str = "auto", min_confidence: Confidence = Confidence.MEDIUM):
        self.targets = targets
        self.dialect = dialect
        self.min_confidence = min_confidence
        self._seen: dict[tuple, tuple[Hit, int | None] | None] = {}

    def __call__(self, event: LogEvent) -> Judgement | None:
        if event.source == RDS_PROXY and event.kind in (PINNED, NOTICE):
            return self._pinned(event)
        if event.kind == STATEMENT:
            return self._statement(event)
        if event.kind == ERROR:
            return self._error(event)
        if event.kind == REFUSED:
            return _refused(event)
        return None

    def _pinned(self, event: LogEvent) -> Judgement | None:
        digest = event.text or _digest_in(event.reason)
        if event.kind == NOTICE and not digest:
            return None  # connections opened and closed: context, not pins
        dialect = self._dialect_of(digest, event.source)
        verdict = self._verdict(digest, dialect, (Target.RDS_PROXY,)) if digest else None
        emitter = statement_emitter(digest) if digest else None
        if verdict is not None:
            hit, judged = verdict
            return _judgement(hit, (Target.RDS_PROXY,), fingerprint(digest, dialect), judged, emitter)
        for words, code, why, fix in _PIN_REASONS:
            if words in event.reason:
                return Judgement(code, fingerprint(digest, dialect) if digest else "", f"{_PINS} ({why})",
                                 Severity.WARNING, fix, emitter=emitter)
        reason = event.reason or "no reason logged"
        return Judgement("", fingerprint(digest, dialect) if digest else "", f"{_PINS} ({reason})", Severity.WARNING,
                         "Read the reason RDS Proxy logged", emitter=emitter)

    def _statement(self, event: LogEvent) -> Judgement | None:
        dialect = self._dialect_of(event.text, event.source)
        targets = self._targets_of(event.source)
        verdict = self._verdict(event.text, dialect, targets) if event.text else None
        if verdict is not None:
            hit, judged = verdict
            emitter = statement_emitter(event.text, event.detail.get("parameters", ""))
            return _judgement(hit, targets, fingerprint(event.text, dialect), judged, emitter)
        name = event.detail.get("prepared_statement", "")
        driver = prepared_statement_emitter(name) if name else None
        if driver is not None and Target.PGBOUNCER_LEGACY in targets:
            shown, emitter = driver
            consequence = (f"breaks on {Target.PGBOUNCER_LEGACY.display} (`prepared statement \"{name}\" does not "
                           "exist` once another client's statement lands on that backend)")
            return Judgement(emitter.code, f'prepared statement "{shown}"', consequence, Severity.ERROR, emitter.fix,
                             emitter=emitter)
        return None

    def _error(self, event: LogEvent) -> Judgement | None:
        named = event.detail.get("prepared_statement") or _first(_PREPARED_NAME, event.reason)
        if not named or not (event.detail.get("sqlstate") in _PREPARED_STATEMENT_SQLSTATES
                             or "prepared statement" in event.reason):
            return None
        where = "behind the pooler" if event.source == POSTGRESQL else f"on {SHOWN[event.source]}"
        consequence = f"breaks {where} (`{event.reason.strip()}`)"
        verdict = self._verdict(event.text, POSTGRES, tuple(Target)) if event.text else None
        if verdict is not None and verdict[0].code == "PIN106":  # SQL-level PREPARE/EXECUTE
            hit, judged = verdict
            return Judgement(hit.code, fingerprint(event.text), consequence, Severity.ERROR, hit.fix, judged)
        driver = prepared_statement_emitter(named)
        if driver is None:  # a name some other client library gave its protocol-level statement
            return Judgement("PIN202", f'prepared statement "{named}"', consequence, Severity.ERROR,
                             "Make the driver use unnamed statements, or run PgBouncer 1.21+ with "
                             "`max_prepared_statements > 0`")
        shown, emitter = driver
        return Judgement(emitter.code, f'prepared statement "{shown}"', consequence, Severity.ERROR, emitter.fix,
                         emitter=emitter)

    def _targets_of(self, source: str) -> tuple[Target, ...]:
        if source == RDS_PROXY:
            return (Target.RDS_PROXY,)
        if source == PGBOUNCER:
            return tuple(t for t in self.targets if t in PGBOUNCERS) or (Target.PGBOUNCER, Target.PGBOUNCER_LEGACY)
        return self.targets

    def _dialect_of(self, text: str, source: str) -> str:
        if self.dialect != "auto":
            return self.dialect
        # MySQL digests write `?` and backquotes; PostgreSQL's `$n`.
        mysql = source == RDS_PROXY and ("`" in text or "?" in text and "$" not in text)
        return MYSQL if mysql else POSTGRES

    def _verdict(self, text: str, dialect: str, targets: tuple[Target, ...]) -> tuple[Hit, Statement | None] | None:
        """The first hit in ``text`` with a consequence on ``targets``, and the fingerprint of its
        statement (with this text's literals)."""
        # Numbers never decide a verdict (PIN118's size aside): `... WHERE id = 41` and `= 42`,
        # which a log holds millions of, are judged once.
        shape = _NUMBER.sub("0", text) if len(text) < _SHAPED_BELOW else text
        key = (shape, dialect, targets)
        if key not in self._seen:
            if len(self._seen) >= _REMEMBERED:
                self._seen.clear()
            self._seen[key] = _first_hit(text, dialect, targets, self.min_confidence)
        found = self._seen[key]
        if found is None:
            return None
        hit, index = found
        return hit, None if index is None else fingerprints(text, dialect)[index]


_REMEMBERED = 4096  # distinct texts judged once each; a log with more forgets and starts over
_NUMBER = re.compile(r"(?<![\w$.])\d+(?:\.\d+)?(?![\w.])")
_SHAPED_BELOW = 4096  # characters: longer texts may be near PIN118's 16 KB, where length counts
_VARIANTS = 64  # literals of one incident's statement looked for in the code


def tally(events: Iterable[LogEvent], judge: Judge) -> list[Tally]:
    """The incidents of ``events``, most frequent first (then by source, code and statement)."""
    tallies: dict[tuple, Tally] = {}
    for event in events:
        judgement = judge(event)
        if judgement is None:
            continue
        emitter = judgement.emitter.sends if judgement.emitter else ""
        key = (event.source, judgement.code, judgement.statement, emitter, judgement.parameter)
        if key not in tallies:
            tallies[key] = Tally(event.source, judgement)
        tallies[key].add(event, judgement)
    return sorted(tallies.values(), key=lambda t: (-t.count, t.source, t.judgement.code, t.judgement.statement))


def _first_hit(text: str, dialect: str, targets: tuple[Target, ...], least: Confidence) -> tuple[Hit, int | None] | None:
    """The first hit in ``text`` with a consequence on ``targets``, and the index of its statement."""
    if not may_hold_sql(text, dialect):
        return None  # most logged statements are plain queries: spare them the rules
    analysis = analyze_sql(text, dialect, LINT_RULES)
    stmts = statements(analysis.sql)
    starts = [s.start for s in stmts]
    for hit in sorted(analysis.hits, key=lambda h: h.offset):
        if hit.confidence.rank < least.rank or effects(hit, targets) is None:
            continue
        index = bisect_right(starts, hit.offset) - 1
        return hit, index if index >= 0 and hit.offset < stmts[index].end else None
    return None


def _judgement(hit: Hit, targets: tuple[Target, ...], statement: str, judged: Statement | None,
               emitter: Emitter | None) -> Judgement:
    described = effects(hit, targets)
    assert described is not None  # `_first_hit` only keeps hits with consequences on the targets
    consequence, severity, _ = described
    return Judgement(hit.code, statement, f"{hit.subject}: {consequence}", severity, hit.fix, judged, emitter)


def _refused(event: LogEvent) -> Judgement | None:
    match = _STARTUP_PARAMETER.search(event.reason)
    parameter = event.detail.get("parameter") or (match and (match["name"] or match["option"])) or (
        "options" if "command-line options" in event.reason else ""
    )
    if not parameter:
        return None
    consequence = f"rejects the connection on {SHOWN[event.source]} (`{event.reason.strip()}`)"
    setting = "statement_timeout" if parameter == "options" else parameter
    fix = (
        f"Set it for the role instead: `ALTER ROLE app SET {setting} = ...` (or `ALTER DATABASE`, or RDS Proxy's "
        "initialization query), and keep startup parameters to application_name, client_encoding, DateStyle "
        "and TimeZone"
    )
    return Judgement("PIN201", f"startup parameter {parameter}", consequence, Severity.ERROR, fix, parameter=parameter)


def _digest_in(reason: str) -> str:
    return _first(_DIGEST, reason)


def _first(pattern: re.Pattern[str], text: str) -> str:
    match = pattern.search(text)
    return match.group(1) if match else ""
