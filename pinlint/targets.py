"""The poolers a project can run behind, and how a hazard shows up on each."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Target(str, enum.Enum):
    RDS_PROXY = "rds-proxy"
    PGBOUNCER = "pgbouncer"
    PGBOUNCER_LEGACY = "pgbouncer-legacy"

    @property
    def display(self) -> str:
        return _DISPLAY[self]


_DISPLAY = {
    Target.RDS_PROXY: "RDS Proxy",
    Target.PGBOUNCER: "PgBouncer",
    Target.PGBOUNCER_LEGACY: "PgBouncer < 1.21",
}

DEFAULT_TARGETS = (Target.RDS_PROXY, Target.PGBOUNCER)
PGBOUNCERS = (Target.PGBOUNCER, Target.PGBOUNCER_LEGACY)

# The words of RULES.md. "pins" costs multiplexing; "ignored" is a statement that has no effect
# in the client's own session; the others cost correctness across clients.
PINS = "pins"
IGNORED = "ignored"
REJECTS = "rejects"
LEAKS = "leaks"
BREAKS = "breaks"


@dataclass(frozen=True)
class Consequence:
    """What one pooler does with a hazard: a RULES.md word and the sentence a user reads."""

    word: str
    phrase: str  # reads before "on <pooler>": "leaks search_path to the next client"
    detail: str = ""  # why, shown in parentheses after the pooler

    def describe(self, targets: str) -> str:
        return f"{self.phrase} on {targets}" + (f" ({self.detail})" if self.detail else "")

    @property
    def is_error(self) -> bool:
        return self.word not in (PINS, IGNORED)


def pins(detail: str = "") -> Consequence:
    return Consequence(PINS, "pins the session", detail)


def ignored(detail: str = "") -> Consequence:
    return Consequence(IGNORED, "does nothing", detail)


def leaks(phrase: str, detail: str = "") -> Consequence:
    return Consequence(LEAKS, phrase, detail)


def breaks(phrase: str, detail: str = "") -> Consequence:
    return Consequence(BREAKS, phrase, detail)


def rejects(phrase: str, detail: str = "") -> Consequence:
    return Consequence(REJECTS, phrase, detail)


def on_pgbouncers(consequence: Consequence) -> dict[Target, Consequence]:
    return {target: consequence for target in PGBOUNCERS}


# PgBouncer re-applies these per client (ParameterStatus tracking), so a SET of them does not
# leak. application_name was added to the tracked set after 1.18 (it leaked there live), and
# IntervalStyle is tracked through `track_extra_parameters` since 1.20.
PGBOUNCER_TRACKED = frozenset(
    {"client_encoding", "datestyle", "timezone", "standard_conforming_strings", "application_name",
     "intervalstyle"}
)
PGBOUNCER_LEGACY_TRACKED = frozenset(
    {"client_encoding", "datestyle", "timezone", "standard_conforming_strings"}
)


def leaks_unless_tracked(name: str) -> dict[Target, Consequence]:
    """A session setting of ``name`` ("" when unknown) leaks on the PgBouncers that do not track it."""
    shown = name or "the setting"
    return {
        target: leaks(f"leaks {shown} to the next client")
        for target, tracked in ((Target.PGBOUNCER, PGBOUNCER_TRACKED), (Target.PGBOUNCER_LEGACY, PGBOUNCER_LEGACY_TRACKED))
        if name.lower() not in tracked
    }
