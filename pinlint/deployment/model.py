"""What a project's files say about the poolers it runs behind."""

from __future__ import annotations

from dataclasses import dataclass, field

from pinlint.targets import Target

PGBOUNCER = "pgbouncer"
RDS_PROXY = "rds-proxy"
SUPAVISOR = "supavisor"
PGDOG = "pgdog"


@dataclass(frozen=True)
class Knob:
    """One pooler setting as written: its value and where the value is."""

    name: str  # lower case: pool_mode, max_prepared_statements, engine_family, session_pinning_filters
    value: str
    row: int
    col: int
    length: int


@dataclass(frozen=True)
class Sighting:
    """One place that shows a pooler: a `[pgbouncer]` section, an image, an endpoint, a resource."""

    pooler: str  # PGBOUNCER | RDS_PROXY | SUPAVISOR | PGDOG
    row: int
    reason: str  # what was seen: "image `bitnami/pgbouncer:1.24.1`"
    version: tuple[int, ...] | None = None
    knobs: dict[str, Knob] = field(default_factory=dict, compare=False)
    # Known to keep each client on its own server connection (PgBouncer's session mode, Supavisor's
    # port 5432): none of the transaction-pooling hazards apply there.
    session: bool = False
    # How much it tells about its pooler: 0 its own configuration (a PgBouncer ini file), 1 an
    # image (a version, perhaps settings), 2 an endpoint. Of one pooler's sightings, the most
    # telling decide; an ini file takes its version from the images.
    rank: int = 0

    def knob(self, name: str) -> str | None:
        found = self.knobs.get(name)
        return found.value if found is not None else None


@dataclass(frozen=True)
class Sign:
    """Evidence as `pinlint targets` shows it: the target it points to (None: none) and why."""

    target: Target | None
    filename: str
    row: int
    reason: str


@dataclass(frozen=True)
class Deployment:
    """The targets a run uses and why. ``inferred`` is False when nothing in the project named a
    pooler (the default targets) or the configuration named the targets."""

    targets: tuple[Target, ...]
    evidence: tuple[Sign, ...] = ()
    source: str = "default"  # inferred | default | configured
    # Parameters the project's PgBouncers restore per client beyond their version's own set
    # (`track_extra_parameters`): a SET of them leaks nowhere there.
    tracked: frozenset[str] = frozenset()
    # The project's declared drivers that prepare named statements by default (for PIN301).
    preparing_drivers: tuple[str, ...] = ()
    # The evidence files and their sha256: cached findings depend on them.
    files: tuple[tuple[str, str], ...] = ()
    notes: tuple[str, ...] = ()  # what the search had to leave out

    def fingerprint(self) -> list:
        return [
            [t.value for t in self.targets], self.source, sorted(self.tracked), list(self.preparing_drivers),
            [list(pair) for pair in self.files],
        ]
