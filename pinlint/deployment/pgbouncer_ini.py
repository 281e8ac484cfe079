"""PgBouncer's own configuration: the `[pgbouncer]` section of an ini file, and the pool modes
that `[databases]` and `[users]` entries set.

Read line by line as PgBouncer reads it (`key = value`, `;` and `#` comment lines), with each
value's row and column, so findings about a setting point at it. Linear in the file's size.
"""

from __future__ import annotations

import re

from pinlint.deployment.model import PGBOUNCER, Knob, Sighting

# The settings that decide what a client's session state does behind PgBouncer.
KNOBS = frozenset({
    "pool_mode", "max_prepared_statements", "track_extra_parameters", "ignore_startup_parameters",
    "server_reset_query", "server_reset_query_always",
})
_SECTION = re.compile(r"[ \t]*\[([^\]\n]{0,100})\][ \t]*(?:[;#].*)?$")
_INLINE_COMMENT = re.compile(r"[ \t]+[;#]")
_POOL_MODE = re.compile(r"(?:^|\s)pool_mode[ \t]*=[ \t]*(\w+)")
TRANSACTION_MODES = ("transaction", "statement")


def has_pgbouncer_section(text: str) -> bool:
    return any(_section(line) == "pgbouncer" for line in _candidate_lines(text))


def _candidate_lines(text: str):
    start = 0
    while (found := text.find("[", start)) >= 0:
        line_start = text.rfind("\n", 0, found) + 1
        line_end = text.find("\n", found)
        line_end = len(text) if line_end < 0 else line_end
        yield text[line_start:line_end]
        start = line_end + 1


def _section(line: str) -> str | None:
    match = _SECTION.match(line)
    return match.group(1).strip().lower() if match else None


def read_pgbouncer_ini(text: str) -> Sighting | None:
    """The `[pgbouncer]` section's settings (None: the file has no such section)."""
    section = None
    seen = False
    knobs: dict[str, Knob] = {}
    database_modes: list[Knob] = []
    header_row = 0
    for row, line in enumerate(text.split("\n"), 1):
        line = line.rstrip("\r")
        stripped = line.strip()
        if not stripped or stripped[0] in ";#":
            continue
        if stripped.startswith("["):
            section = _section(line)
            if section == "pgbouncer" and not seen:
                seen, header_row = True, row
            continue
        key, equals, rest = line.partition("=")
        if not equals:
            continue
        if section == "pgbouncer":
            name = key.strip().lower()
            if name in KNOBS:
                value = _INLINE_COMMENT.split(rest, 1)[0].strip()
                col = len(key) + 2 + (len(rest) - len(rest.lstrip()))
                knobs[name] = Knob(name, value, row, col, len(value))
        elif section in ("databases", "users"):
            match = _POOL_MODE.search(rest)
            if match:
                col = len(key) + 2 + match.start(1)
                database_modes.append(Knob("pool_mode", match.group(1), row, col, len(match.group(1))))
    if not seen:
        return None
    mode = knobs.get("pool_mode")
    modes = {(mode.value.lower() if mode else "session")} | {k.value.lower() for k in database_modes}
    transaction = [m for m in TRANSACTION_MODES if m in modes]
    if transaction and (mode is None or mode.value.lower() not in TRANSACTION_MODES):
        # Some databases or users pool by transaction: their clients meet every hazard.
        knobs["pool_mode"] = next(k for k in database_modes if k.value.lower() in TRANSACTION_MODES)
    shown = ", ".join(f"{k.name} = {k.value}" for k in sorted(knobs.values(), key=lambda k: k.row)) or "no settings"
    return Sighting(
        PGBOUNCER, header_row, f"[pgbouncer] section: {shown}", knobs=knobs, session=not transaction,
    )
