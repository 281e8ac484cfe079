"""What a rule is: a code, a name, its documentation beside it, and VALID/INVALID cases."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

from pinlint import REPOSITORY_URL
from pinlint.connections.model import Connection
from pinlint.diagnostics import Confidence, Hit
from pinlint.drivers.api import ApiCall, HookKind
from pinlint.sql.lexer import POSTGRES, SqlText, Statement
from pinlint.targets import DEFAULT_TARGETS, Target


@dataclass(frozen=True)
class Case:
    """A snippet and the settings it is judged under (Fixit's VALID/INVALID, for SQL)."""

    sql: str
    dialect: str = POSTGRES
    targets: Sequence[Target] = DEFAULT_TARGETS


@dataclass(frozen=True)
class PythonCase:
    """Python source (or, with another ``filename``, a config file) and the targets it is judged under."""

    source: str
    targets: Sequence[Target] = DEFAULT_TARGETS
    filename: str = "case.py"
    drivers: tuple[str, ...] = ()  # the project's declared drivers that prepare statements (PIN301)


@dataclass(frozen=True)
class FixCase:
    """A file with the rule's finding, and the file once it is fixed (``fixed`` None: no fix is
    offered). ``unsafe``: the fix is only applied with `--unsafe-fixes`."""

    source: str
    fixed: str | None
    filename: str = "case.py"
    unsafe: bool = False
    targets: Sequence[Target] = DEFAULT_TARGETS


@dataclass(frozen=True)
class NoTransaction:
    """What pinlint saw that shows no transaction is open where some SQL runs (PIN120)."""

    why: str  # "`conn` is in autocommit mode"
    fix: str  # how to open the transaction there
    confidence: Confidence = Confidence.HIGH
    # Why each statement of one text runs on its own, when it does (Django splits a RunSQL
    # string); "" when a multi-statement text runs as one implicit transaction.
    one_by_one: str = ""


@dataclass(frozen=True)
class SqlContext:
    dialect: str
    # True when the SQL reaches no known execution call: only unmistakable forms count there.
    strict: bool = False
    # The per-connection hook the SQL runs in, if any.
    hook: HookKind | None = None
    # Set when pinlint can see that no transaction is open where the SQL runs.
    no_transaction: NoTransaction | None = None


class Rule:
    """A rule judges any of: SQL statements and texts, connections (driver calls, URLs, settings),
    and library calls. What it does not look at, it leaves to the defaults here."""

    code: str
    name: str
    summary: str
    VALID: Sequence[Case | PythonCase] = ()
    INVALID: Sequence[Case | PythonCase] = ()
    FIXES: Sequence[FixCase] = ()  # what `--fix` (and `--unsafe-fixes`) make of some INVALID files

    def check(self, stmt: Statement, ctx: SqlContext) -> Iterator[Hit]:
        return iter(())

    def check_text(self, sql: SqlText, ctx: SqlContext) -> Iterator[Hit]:
        return iter(())

    def check_connection(self, connection: Connection) -> Iterator[Hit]:
        return iter(())

    def check_call(self, call: ApiCall) -> Iterator[Hit]:
        return iter(())

    @property
    def doc(self) -> str:
        """The rule's Markdown documentation, kept in a `.md` file beside its module."""
        return self._module_file.with_suffix(".md").read_text(encoding="utf-8")

    @property
    def url(self) -> str:
        """Where the documentation is read on the web."""
        return f"{REPOSITORY_URL}/blob/main/pinlint/rules/{self._module_file.stem}.md"

    @property
    def _module_file(self) -> Path:
        return Path(sys.modules[type(self).__module__].__file__ or "")


class SqlRule(Rule):
    """A rule about SQL text: one statement at a time, or a whole text (comments, sizes).
    Some also know the library calls that send the same thing without SQL (PIN109-PIN111)."""


class DriverRule(Rule):
    """A rule about how a driver, pool or framework is set up and called (PIN2xx)."""


class PoolerConfigRule(Rule):
    """A rule about the pooler's own configuration (PIN3xx): a PgBouncer ini file, a container's
    environment, a Terraform or CloudFormation RDS Proxy. Hits are placed at the setting they name
    (their ``anchor`` is its `Knob`)."""

    def check_pooler(self, sighting, deployment) -> Iterator[Hit]:
        return iter(())


class MetaRule(Rule):
    """Findings about the lint run itself; the engine raises them, the class documents them."""


