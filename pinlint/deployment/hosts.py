"""Pooler endpoints in any text (code, settings, `.env`, compose files): RDS Proxy endpoints,
Supabase's pooler hosts and PgBouncer's port.

Every pattern starts with a literal and has bounded repeats, so the scan is linear in the text.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from pinlint.deployment.model import PGBOUNCER, RDS_PROXY, SUPAVISOR, Sighting

# `<name>.proxy-<id>.<region>.rds.amazonaws.com` (also `.amazonaws.com.cn`); the name is read backwards.
_RDS_PROXY = re.compile(r"\.proxy-[a-z0-9]{1,63}\.([a-z0-9-]{1,63})\.rds\.amazonaws\.com", re.IGNORECASE)
_LABEL = re.compile(r"[a-z0-9-]{1,63}$", re.IGNORECASE)
# Supavisor: port 6543 pools by transaction, 5432 (libpq's default) by session.
_SUPABASE = re.compile(r"pooler\.supabase\.com(?::(\d{1,5}))?", re.IGNORECASE)
# PgBouncer's default port, in a URL (`:6432/`), a conninfo or keyword (`port=6432`), a setting (`PORT: 6432`).
_PGBOUNCER_PORT = re.compile(r"(?::|\bport[\"']?[ \t]*[=:][ \t]*[\"']?)6432(?![\d])", re.IGNORECASE)
MAX_SIGHTINGS_PER_FILE = 20  # the first few are the evidence; the rest repeat them


def hosts_in(text: str) -> list[Sighting]:
    lines = _Lines(text)
    found: list[Sighting] = []
    seen: set[tuple[str, str]] = set()

    def add(sighting: Sighting, key: str) -> None:
        if (sighting.pooler, key) not in seen and len(found) < MAX_SIGHTINGS_PER_FILE:
            seen.add((sighting.pooler, key))
            found.append(sighting)

    if ".proxy-" in text:
        for match in _RDS_PROXY.finditer(text):
            label = _LABEL.search(text, max(0, match.start() - 63), match.start())
            name = label.group(0) if label else ""
            host = f"{name}{match.group(0)}".lower()
            add(Sighting(RDS_PROXY, lines.row(match.start()), f"RDS Proxy endpoint `{host}`", rank=2), host)
    if "supabase" in text.lower():
        for match in _SUPABASE.finditer(text):
            port = match.group(1) or "5432"
            session = port != "6543"
            mode = "session mode" if session else "transaction mode"
            add(Sighting(SUPAVISOR, lines.row(match.start()), f"Supabase pooler host on port {port} ({mode})",
                         session=session, rank=2), port)
    if "6432" in text:
        for match in _PGBOUNCER_PORT.finditer(text):
            add(Sighting(PGBOUNCER, lines.row(match.start()), "port 6432, PgBouncer's default", rank=2),
                "6432")
    return found


class _Lines:
    """Rows of offsets; lines are only counted in a text that shows a pooler."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._starts: list[int] | None = None

    def row(self, offset: int) -> int:
        if self._starts is None:
            self._starts = [0] + [m.end() for m in re.finditer("\n", self._text)]
        return bisect_right(self._starts, offset)
