"""What a project can send to the server, and where it is written: every SQL text the analysis
judged and every connection it recognised, as plain data.

The engine keeps them in its report when `Settings.collect_sent` is on (`pinlint logs` joins what
the server and the poolers logged to these places); otherwise nothing here is computed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

from pinlint.connections.dsn import startup_options
from pinlint.connections.model import Connection, entries


@dataclass(frozen=True)
class SentSql:
    path: str
    row: int
    col: int
    text: str  # as the rules judged it: a composed string's run-time parts are `Composed.HOLE`


@dataclass(frozen=True)
class StartupParameter:
    name: str  # `options`, a `-c` setting written in it, or a `server_settings` key
    row: int
    col: int


@dataclass(frozen=True)
class SentConnection:
    path: str
    row: int
    col: int
    driver: str
    framework: str
    kind: str
    described: str
    startup: tuple[StartupParameter, ...] = ()


def startup_anchors(connection: Connection) -> Iterator[tuple[str, object]]:
    """The startup parameters ``connection`` sends, each with where its value is written (None
    when that is not known): `options` and every setting in it, and every `server_settings` key."""
    options = connection.get("options")
    if options is not None:
        yield "options", options.anchor
        if isinstance(options.value, str):
            for name, _ in startup_options(options.value).settings:
                yield name, options.anchor
    settings = connection.get("server_settings")
    keyed = entries(settings) if settings is not None else None
    for key, setting in (keyed or {}).items():
        yield key, setting.anchor


def sent_connection(
    connection: Connection, path: str, row: int, col: int, place: Callable[[object], tuple[int, int] | None]
) -> SentConnection:
    """``connection`` as plain data, placed at ``row``/``col``; ``place`` gives the row and column
    of a setting's anchor (None: the connection's own place)."""
    startup = tuple(
        StartupParameter(name, *(place(anchor) or (row, col))) for name, anchor in startup_anchors(connection)
    )
    return SentConnection(
        path, row, col, connection.driver, connection.framework, connection.kind, connection.described, startup
    )
