"""The connections a config file describes: connection strings in its values, and `PGOPTIONS`."""

from __future__ import annotations

import re
from typing import Iterator

from pinlint.connections.dsn import parse_connection_string, string_connection
from pinlint.connections.files import config_lines, read_config_values
from pinlint.connections.model import LIBPQ, SETTINGS, Connection, Setting, pgoptions
from pinlint.diagnostics import Confidence

RESET_QUERY_KEYS = frozenset({"server_reset_query", "reset_query"})
# docker-compose `environment:` lists hold `NAME=value` strings.
_ASSIGNMENT = re.compile(r"^(?P<key>[A-Za-z_][A-Za-z0-9_]*)=(?P<value>.*)$", re.DOTALL)
Place = tuple[int, int, int]  # row, column, length of the value


def connections_in(text: str, fmt: str) -> Iterator[tuple[Connection, Place]]:
    lines = config_lines(text)  # not splitlines(): a form feed does not end a line here
    for item in read_config_values(text, fmt):
        found = _connection(item.key, item.value)
        shift, length = 0, len(item.value)
        assignment = _ASSIGNMENT.match(item.value)
        if found is None and assignment is not None:
            found = _connection(assignment.group("key"), assignment.group("value"))
            # Past `NAME=`, and past the opening quote that the value's column points at.
            line = lines[item.row - 1] if 0 < item.row <= len(lines) else ""
            quoted = line[item.col - 1: item.col] in ("'", '"')
            shift, length = assignment.start("value") + quoted, len(assignment.group("value"))
        if found is not None:
            yield found, (item.row, item.col + shift, length)


def _connection(key: str, value: str) -> Connection | None:
    if key.upper() == "PGOPTIONS":
        return pgoptions(Setting(value))
    if key.lower() in RESET_QUERY_KEYS:  # a pool's (PgBouncer's, pgcat's) reset query setting
        return Connection(LIBPQ, SETTINGS, f"`{key}`", {"reset_query": Setting(value)}, None, confidence=Confidence.MEDIUM)
    parsed = parse_connection_string(value, strict=True)
    if parsed is None:
        return None
    return string_connection(parsed, f"the {parsed.form} in `{key}`" if key else f"this {parsed.form}")
