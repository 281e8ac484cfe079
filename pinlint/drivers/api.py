"""What the rules see of a library: the calls whose behaviour is the hazard (`ApiCall`) and when
a registered per-connection hook runs (`HookKind`). Plain data, so the rules load without libcst."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pinlint.connections.model import Setting
from pinlint.diagnostics import Confidence
from pinlint.project_versions import NO_VERSIONS, LazyVersions

if TYPE_CHECKING:
    import libcst as cst


@dataclass(frozen=True)
class HookKind:
    """When a function registered with a pool or engine runs."""

    when: str  # "runs on every new connection"
    resets: bool = False  # a reset hook: its DISCARD / RESET ALL is the pool's reset query


NEW_CONNECTION = HookKind("runs on every new connection")
CHECKOUT = HookKind("runs every time a connection is taken from the pool")
RESET = HookKind("runs every time a connection goes back to the pool", resets=True)


@dataclass
class ApiCall:
    """A library call whose behaviour (not SQL text) is the hazard."""

    api: str  # canonical name: "asyncpg.Connection.add_listener"
    described: str  # "`conn.add_listener()`"
    keywords: dict[str, Setting]
    anchor: cst.CSTNode
    confidence: Confidence = Confidence.HIGH
    positional: list[Setting] = field(default_factory=list)
    facts: dict[str, object] = field(default_factory=dict)  # what the caller knows around it
    versions: LazyVersions = NO_VERSIONS  # the project's, as for `Connection.versions`

    def value(self, keyword: str, default: object = None) -> object:
        setting = self.keywords.get(keyword)
        return default if setting is None else setting.value


# psycopg 3 and psycopg2 declare the same server-side cursor for `conn.cursor(name, withhold=...)`.
NAMED_CURSOR = "psycopg.named_cursor"
