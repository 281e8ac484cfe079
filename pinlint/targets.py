"""The poolers a project can run behind, and how a hazard shows up on each."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Target(str, enum.Enum):
    RDS_PROXY = "rds-proxy"
    PGBOUNCER = "pgbouncer"
    PGBOUNCER_LEGACY = "pgbouncer-legacy"
    PGBOUNCER_TRACKING = "pgbouncer-tracking"
    SUPAVISOR = "supavisor"
    PGDOG = "pgdog"

    @property
    def display(self) -> str:
        return _DISPLAY[self]


_DISPLAY = {
    Target.RDS_PROXY: "RDS Proxy",
    Target.PGBOUNCER: "PgBouncer",
    Target.PGBOUNCER_LEGACY: "PgBouncer < 1.21",
    Target.PGBOUNCER_TRACKING: "PgBouncer tracking search_path",
    Target.SUPAVISOR: "Supavisor",
    Target.PGDOG: "PgDog",
}

# What each target is, in one line (`pinlint targets`, the rule docs).
MEANING = {
    Target.RDS_PROXY: "AWS RDS Proxy (PostgreSQL or MySQL engine family)",
    Target.PGBOUNCER: "PgBouncer >= 1.21 in transaction mode with max_prepared_statements > 0",
    Target.PGBOUNCER_LEGACY: "PgBouncer < 1.21, or any version with max_prepared_statements = 0",
    Target.PGBOUNCER_TRACKING: "PgBouncer that restores search_path and the other reported parameters per client "
    "(the next release on PostgreSQL 18, or track_extra_parameters = search_path)",
    Target.SUPAVISOR: "Supavisor (Supabase's pooler) in transaction mode",
    Target.PGDOG: "PgDog in transaction mode",
}

DEFAULT_TARGETS = (Target.RDS_PROXY, Target.PGBOUNCER)
PGBOUNCERS = (Target.PGBOUNCER, Target.PGBOUNCER_LEGACY, Target.PGBOUNCER_TRACKING)
# Poolers that hand a client's transactions to whichever backend is free.
TRANSACTION_POOLERS = (*PGBOUNCERS, Target.SUPAVISOR, Target.PGDOG)

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
    # The session parameter whose value leaks: a PgBouncer that the deployment shows tracking
    # it (`track_extra_parameters`) restores it per client, and the consequence is void there.
    parameter: str = ""

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


_SAME = object()


def on_transaction_poolers(consequence: Consequence, pgdog: Consequence | None | object = _SAME) -> dict[Target, Consequence]:
    """``consequence`` on every PgBouncer and on Supavisor, which leave session state on the
    backend; on PgDog ``pgdog`` instead when given (None: fine there), since PgDog re-syncs
    `SET` per client and pins the client for locks and temporary tables."""
    found = {target: consequence for target in (*PGBOUNCERS, Target.SUPAVISOR)}
    chosen = consequence if pgdog is _SAME else pgdog
    if chosen is not None:
        found[Target.PGDOG] = chosen  # type: ignore[assignment]
    return found


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
# Every writable parameter PostgreSQL reports (GUC_REPORT) can be tracked: PgBouncer's next
# release tracks them all by default (search_path from PostgreSQL 18 on), and 1.20+ tracks
# those named in `track_extra_parameters`.
REPORTED_PARAMETERS = frozenset({"search_path", "default_transaction_read_only", "session_authorization", "scram_iterations"})
PGBOUNCER_TRACKING_TRACKED = PGBOUNCER_TRACKED | REPORTED_PARAMETERS
# Supavisor documents no per-client restoring of parameters.
SUPAVISOR_TRACKED: frozenset[str] = frozenset()
_TRACKED = {
    Target.PGBOUNCER: PGBOUNCER_TRACKED,
    Target.PGBOUNCER_LEGACY: PGBOUNCER_LEGACY_TRACKED,
    Target.PGBOUNCER_TRACKING: PGBOUNCER_TRACKING_TRACKED,
    Target.SUPAVISOR: SUPAVISOR_TRACKED,
}


def leaks_unless_tracked(name: str) -> dict[Target, Consequence]:
    """A session setting of ``name`` ("" when unknown) leaks on the poolers that do not restore
    it per client. PgDog re-syncs every `SET` per client, so nothing leaks there."""
    shown = name or "the setting"
    return {
        target: Consequence(LEAKS, f"leaks {shown} to the next client", parameter=name.lower())
        for target, tracked in _TRACKED.items()
        if name.lower() not in tracked
    }


def tracked_elsewhere(consequence: Consequence, target: Target, tracked: frozenset[str]) -> bool:
    """Whether the deployment's PgBouncer restores the parameter ``consequence`` leaks, per client:
    ``tracked`` is what its `track_extra_parameters` adds."""
    return bool(consequence.parameter) and target in PGBOUNCERS and consequence.parameter in tracked
