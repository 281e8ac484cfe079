"""What the log readers find, whatever the log's format: one `LogEvent` per thing a pooler or the
server reported. Readers (`pinlint.logs.readers`) produce them; the classifier and the mapping to
code consume them, so neither depends on how a log was written."""

from __future__ import annotations

from dataclasses import dataclass, field

# Where an event comes from.
RDS_PROXY, POSTGRESQL, PGBOUNCER = "rds-proxy", "postgresql", "pgbouncer"

# What kind of event it is.
PINNED = "pinned"  # RDS Proxy pinned the client session (`reason` says why, `text` is the digest)
STATEMENT = "statement"  # a statement the server ran (`log_statement`, extended-protocol `execute`)
ERROR = "error"  # an error, with the statement it was raised by when the log gives it
REFUSED = "refused"  # a pooler refused a connection or startup parameter (`detail["parameter"]`)
CLOSED = "closed"  # a pooler closed a server or client connection (`reason`)
NOTICE = "notice"  # other lines about a session: RDS Proxy's [INFO] prepared-statement lines, PostgreSQL's WARNINGs


@dataclass(frozen=True)
class LogEvent:
    source: str  # RDS_PROXY | POSTGRESQL | PGBOUNCER
    kind: str  # PINNED | STATEMENT | ERROR | REFUSED | CLOSED | NOTICE
    text: str  # the statement or digest (`$n` / `?` placeholders as the log writes them); "" when none
    reason: str = ""  # the log's own words: the pin reason, the error message, ...
    timestamp: str | None = None  # as the log writes it, when it has one
    filename: str = ""  # the log file ("-" for standard input)
    line: int = 0  # where the event starts in it (1-based)
    # Facts some events carry: "sqlstate", "prepared_statement" (`_pg3_0`), "parameter" (`options`),
    # "parameters" (an execute's DETAIL), "user", "database", "pid"; PostgreSQL's "application",
    # "client" (its address as the log writes it) and "session" (`%c`); the "value" PgBouncer
    # logged for a refused parameter (`-c statement_timeout=5s`); RDS Proxy's "proxy_endpoint",
    # "client_connection" and "db_connection"; "truncated" ("true") when a statement was longer
    # than a reader keeps.
    detail: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
