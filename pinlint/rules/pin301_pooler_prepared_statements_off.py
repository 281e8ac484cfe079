"""PIN301 pooler-prepared-statements-off: PgBouncer tracks no prepared statements, yet the project's drivers prepare them."""

from __future__ import annotations

from typing import Iterator

from pinlint.deployment.model import PGBOUNCER
from pinlint.diagnostics import Confidence, Hit
from pinlint.rules.base import PoolerConfigRule, PythonCase
from pinlint.targets import Target, breaks, on_pgbouncers

_INI = "[pgbouncer]\npool_mode = transaction\nmax_prepared_statements = 0\n"
_STATEMENT = {"asyncpg": "__asyncpg_stmt_1__", "psycopg": "_pg3_0"}


class PoolerPreparedStatementsOff(PoolerConfigRule):
    code = "PIN301"
    name = "pooler-prepared-statements-off"
    summary = "PgBouncer tracks no prepared statements while the project's drivers prepare them"

    LEGACY = [Target.PGBOUNCER_LEGACY]
    ASYNCPG = ("asyncpg",)  # the project's declared drivers come from the deployment
    VALID = [
        PythonCase("[pgbouncer]\npool_mode = transaction\nmax_prepared_statements = 200\n", LEGACY, "pgbouncer.ini", ASYNCPG),
        PythonCase("[pgbouncer]\npool_mode = session\nmax_prepared_statements = 0\n", LEGACY, "pgbouncer.ini", ASYNCPG),
        PythonCase("[pgbouncer]\npool_mode = transaction\n", LEGACY, "pgbouncer.ini", ASYNCPG),
        PythonCase(_INI, LEGACY, "pgbouncer.ini"),  # no driver that prepares
    ]
    INVALID = [
        PythonCase(_INI, LEGACY, "pgbouncer.ini", ASYNCPG),
        PythonCase("services:\n  pool:\n    image: bitnami/pgbouncer:1.24.1\n    environment:\n"
                   "      PGBOUNCER_POOL_MODE: transaction\n      PGBOUNCER_MAX_PREPARED_STATEMENTS: \"0\"\n",
                   LEGACY, "compose.yaml", ("psycopg",)),
    ]

    def check_pooler(self, sighting, deployment) -> Iterator[Hit]:
        drivers = deployment.preparing_drivers if deployment is not None else ()
        prepared = sighting.knobs.get("max_prepared_statements")
        if sighting.pooler != PGBOUNCER or sighting.session or prepared is None or prepared.value.strip() != "0" or not drivers:
            return
        statement = _STATEMENT[drivers[0]]
        yield Hit(
            self.code,
            f"`max_prepared_statements = 0` while the project declares {' and '.join(f'`{d}`' for d in drivers)}, "
            "which prepares named statements by default",
            on_pgbouncers(breaks(f"breaks with `prepared statement \"{statement}\" does not exist`",
                                 "no prepared statement is tracked across server connections")),
            "Set `max_prepared_statements = 200` (PgBouncer 1.21+; the default since 1.24), or make the drivers use "
            "unnamed statements (asyncpg `statement_cache_size=0`, psycopg `prepare_threshold=None`)",
            confidence=Confidence.MEDIUM,
            anchor=prepared,
        )
