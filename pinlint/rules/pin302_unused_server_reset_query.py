"""PIN302 unused-server-reset-query: PgBouncer's transaction mode never runs `server_reset_query`."""

from __future__ import annotations

from typing import Iterator

from pinlint.deployment.model import PGBOUNCER
from pinlint.diagnostics import Hit
from pinlint.rules.base import PoolerConfigRule, PythonCase
from pinlint.targets import ignored, on_pgbouncers

_INI = "[pgbouncer]\npool_mode = transaction\n"


def never_runs(sighting) -> bool:
    """Whether the sighting is a transaction-mode PgBouncer whose `server_reset_query` never runs."""
    query = sighting.knobs.get("server_reset_query")
    always = sighting.knobs.get("server_reset_query_always")
    return (
        sighting.pooler == PGBOUNCER and not sighting.session and query is not None and bool(query.value.strip())
        and (always is None or always.value.strip() not in ("1", "yes", "on", "true"))
    )


class UnusedServerResetQuery(PoolerConfigRule):
    code = "PIN302"
    name = "unused-server-reset-query"
    summary = "PgBouncer's transaction mode never runs server_reset_query"

    VALID = [
        PythonCase("[pgbouncer]\npool_mode = session\nserver_reset_query = DISCARD ALL\n", filename="pgbouncer.ini"),
        PythonCase(_INI + "server_reset_query =\n", filename="pgbouncer.ini"),
        PythonCase(_INI + "server_reset_query = DISCARD ALL\nserver_reset_query_always = 1\n", filename="pgbouncer.ini"),
    ]
    INVALID = [
        PythonCase(_INI + "server_reset_query = DISCARD ALL\n", filename="pgbouncer.ini"),
        PythonCase("[databases]\napp = host=db pool_mode=transaction\n[pgbouncer]\nserver_reset_query = DISCARD ALL\n",
                   filename="pgbouncer.ini"),
    ]

    def check_pooler(self, sighting, deployment) -> Iterator[Hit]:
        if not never_runs(sighting):
            return
        query = sighting.knobs["server_reset_query"]
        yield Hit(
            self.code,
            f"`server_reset_query = {query.value[:60]}` is never run in transaction mode",
            on_pgbouncers(ignored("clients get whatever session state the last transaction left on the server connection")),
            "Remove it, and keep session state out of the application (the PIN1xx rules); "
            "`server_reset_query_always = 1` runs it after every transaction, which also wipes state a client still needs",
            anchor=query,
        )
