"""What the engine produces: findings with a position, a message, a fix and per-pooler consequences."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from pinlint.targets import Consequence, Target


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"


class Confidence(str, enum.Enum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Confidence.LOW: 0, Confidence.MEDIUM: 1, Confidence.HIGH: 2}


def lowest(*levels: Confidence) -> Confidence:
    return min(levels, key=lambda level: level.rank)


@dataclass(frozen=True)
class Evidence:
    """One reason a piece of SQL was read in a dialect."""

    source: str  # statement | configuration | code | project | file | default, strongest first
    dialect: str  # what it points to: postgres | mysql | sqlite | other
    reason: str  # what was seen: "imports `pymysql`"
    path: str | None = None  # the project file it was read in, shown as findings' paths are


@dataclass(frozen=True)
class DialectReading:
    """The dialect a piece of SQL was read in, and why: the evidence, strongest first."""

    name: str  # postgres | mysql
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class Hit:
    """A rule's verdict on one piece of SQL or code, before it is placed in a file.

    ``subject`` names what was found ("`SET search_path`"); the engine adds the consequences of
    the configured targets to it. ``offset`` is where the hit starts inside the SQL text it was
    found in, so a `.sql` file can report the statement itself.
    """

    code: str
    subject: str
    consequences: dict[Target, Consequence]
    fix: str
    offset: int = 0
    confidence: Confidence = Confidence.HIGH
    # Set for code that runs per connection ("runs on every new connection"): said in the
    # message, and the finding becomes an error since every connection of the pool is affected.
    when: str = ""
    # Where a hit about Python code or a config file is placed (a CST node, a config position);
    # None for SQL hits, which are placed by ``offset``.
    anchor: object = field(default=None, compare=False)
    # For SQL hits: the dialect the SQL was read in, and why.
    dialect: DialectReading | None = field(default=None, compare=False)
    # What would change to fix it, when that is mechanical (`pinlint.fixes.repairs`).
    repair: object = field(default=None, compare=False)


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    row: int
    col: int
    code: str
    message: str
    end_row: int
    end_col: int
    name: str = field(compare=False)
    fix: str = field(compare=False)
    severity: Severity = field(compare=False)
    confidence: Confidence = field(compare=False)
    consequences: dict[str, str] = field(compare=False, hash=False)
    dialect: DialectReading | None = field(default=None, compare=False, hash=False)  # findings about SQL

    @property
    def line_text(self) -> str:
        """The one-line diagnostic of flake8-style outputs: code, message and what to do."""
        return f"{self.code} {self.message}. Fix: {self.fix}"

    def sort_key(self) -> tuple:
        return (self.path, self.row, self.col, self.code, self.message)
