"""Read the annotations of a fixture file.

A fixture file may start with a settings line and marks what pinlint must report:

    -- pinlint-fixture: targets=rds-proxy,pgbouncer dialect=mysql
    -- expect: PIN101              (a finding of PIN101 on the next line of code)
    -- expect: PIN101@5, PIN109    (with its column)
    -- ok: PIN101                  (documentation only: a look-alike that must stay silent)

A settings line may also name `drivers=asyncpg,psycopg`: the drivers the project declares (PIN301).

Python fixtures use `#` instead of `--`. Every finding pinlint reports must be expected, and
every expectation must be reported: the test fails on anything missing or unexpected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pinlint.deployment import Deployment
from pinlint.diagnostics import Confidence
from pinlint.settings import Settings
from pinlint.targets import Target

_SETTINGS = re.compile(r"^\s*(?:#|--)\s*pinlint-fixture:\s*(?P<items>.*)$")
_EXPECT = re.compile(r"^\s*(?:#|--)\s*expect:\s*(?P<codes>.+?)\s*$")
_CODE = re.compile(r"(?P<code>PIN\d{3})(?:@(?P<col>\d+))?")


@dataclass(frozen=True, order=True)
class Expected:
    row: int
    code: str
    col: int | None = None


def fixture_settings(path: Path) -> Settings:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    match = _SETTINGS.match(first)
    options: dict[str, str] = {}
    if match:
        options = dict(item.split("=", 1) for item in match.group("items").split())
    targets = tuple(Target(t) for t in options.get("targets", "rds-proxy,pgbouncer").split(","))
    drivers = tuple(d for d in options.get("drivers", "").split(",") if d)  # declared drivers that prepare (PIN301)
    return Settings(
        root=path.parent,
        targets=targets,
        deployment=Deployment(targets, preparing_drivers=drivers),
        dialect=options.get("dialect", "auto"),
        min_confidence=Confidence(options.get("min-confidence", "medium")),
    )


def expectations(path: Path) -> list[Expected]:
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[Expected] = []
    pending: list[tuple[str, int | None]] = []
    for row, line in enumerate(lines, 1):
        match = _EXPECT.match(line)
        if match:
            pending.extend((m.group("code"), int(m.group("col")) if m.group("col") else None) for m in _CODE.finditer(match.group("codes")))
            continue
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", "--")):
            continue
        found.extend(Expected(row, code, col) for code, col in pending)
        pending = []
    assert not pending, f"{path}: expect comment at the end of the file"
    return sorted(found)
