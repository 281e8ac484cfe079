"""Baselines: today's findings written down, so that CI reports only the ones a change adds.

A baseline is a JSON file, sorted and with one finding per entry so that updating it reads as a
small diff:

    {
      "version": 1,
      "findings": [
        {"path": "app/db.py", "code": "PIN110", "fingerprint": "<32 hex digits>", "message": "..."}
      ]
    }

`path` is the file relative to the baseline's directory (with `/`), so the baseline matches from
any working directory. `fingerprint` is the one SARIF and GitLab reports carry
(`pinlint.output.fingerprint`), computed with that path: it survives lines moving, and the second
of two identical findings in a file has its own, so a copy of a known finding is new. Matching is
by fingerprint alone, as a multiset; `message` is there for the reader.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from pinlint.diagnostics import Finding
from pinlint.engine import Report
from pinlint.output.fingerprint import fingerprints
from pinlint.output.text import json_text, visible
from pinlint.reading import read_regular_text
from pinlint.settings import ConfigError

VERSION = 1
# Far more than the findings of any code base (a baseline entry takes about 200 bytes).
MAX_BASELINE_BYTES = 64 * 1024 * 1024
_FINGERPRINT = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class Baseline:
    file: Path
    entries: tuple[tuple[str, str], ...]  # (path, fingerprint)


@dataclass(frozen=True)
class Outcome:
    new: list[Finding]  # the findings the baseline does not hold
    known: int  # findings it holds
    stale: int  # its entries for linted (or deleted) files that no finding matched


def write_baseline(file: Path, report: Report, cwd: Path) -> int:
    """Record ``report``'s findings in ``file``, replacing it; the number recorded. OSError when
    it cannot be written."""
    paths = _Paths(file, cwd)
    entries = [
        {"path": paths.of(finding), "code": finding.code, "fingerprint": fingerprint, "message": finding.message}
        for finding, fingerprint in zip(report.findings, fingerprints(report, paths.of))
    ]
    entries.sort(key=lambda e: (e["path"], e["code"], e["message"], e["fingerprint"]))
    text = json_text({"version": VERSION, "findings": entries}, indent=2) + "\n"
    # Written beside it and moved over it: an interrupted run leaves the old baseline whole.
    handle, temporary = tempfile.mkstemp(dir=file.parent, prefix=f".{file.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", errors="surrogateescape") as out:
            out.write(text)
        os.replace(temporary, file)
    except BaseException:
        os.unlink(temporary)
        raise
    return len(entries)


def load_baseline(file: Path) -> Baseline:
    """The baseline in ``file``; ConfigError, saying what is wrong, when it cannot be used."""
    where = f"baseline {visible(str(file))}"
    try:
        data = json.loads(read_regular_text(file, MAX_BASELINE_BYTES, "baseline"))
    except OSError as error:
        raise ConfigError(f"cannot read the {where}: {error.strerror or error}") from None
    except ValueError as error:
        raise ConfigError(f"{where} is not JSON ({visible(str(error))}); write it with --write-baseline") from None
    except RecursionError:
        raise ConfigError(f"{where} is not a pinlint baseline (nested too deeply)") from None
    if not isinstance(data, dict) or "version" not in data:
        raise ConfigError(f"{where} is not a pinlint baseline (no version); write it with --write-baseline")
    version = data["version"]
    if version != VERSION or isinstance(version, bool):
        raise ConfigError(f"{where} has version {_shown(version)}; this pinlint reads version {VERSION}")
    findings = data.get("findings")
    if not isinstance(findings, list):
        raise ConfigError(f"{where}: `findings` must be a list")
    entries = []
    for number, entry in enumerate(findings, start=1):
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("path"), str)
            and isinstance(entry.get("fingerprint"), str)
            and _FINGERPRINT.fullmatch(entry["fingerprint"])
        ):
            raise ConfigError(f"{where}: finding {number} needs a `path` and a `fingerprint` of 32 hex digits")
        entries.append((entry["path"], entry["fingerprint"]))
    return Baseline(file, tuple(entries))


def apply_baseline(baseline: Baseline, report: Report, cwd: Path, linted: Iterable[str]) -> Outcome:
    """Split ``report``'s findings into those ``baseline`` holds and new ones; ``linted`` are the
    shown paths of the files linted, whose unmatched entries are stale."""
    paths = _Paths(baseline.file, cwd)
    left = Counter(fingerprint for _, fingerprint in baseline.entries)
    new = []
    for finding, fingerprint in zip(report.findings, fingerprints(report, paths.of)):
        if left[fingerprint] > 0:
            left[fingerprint] -= 1
        else:
            new.append(finding)
    linted_paths = {paths.relative(shown) for shown in linted}
    directory = baseline.file.parent
    stale = 0
    for path, fingerprint in baseline.entries:
        if left[fingerprint] > 0 and (path in linted_paths or not os.path.lexists(directory / path)):
            left[fingerprint] -= 1
            stale += 1
    return Outcome(new, len(report.findings) - len(new), stale)


class _Paths:
    """Shown paths (relative to the working directory, or absolute) as the baseline names them."""

    def __init__(self, file: Path, cwd: Path) -> None:
        self.cwd = cwd
        self.directory = os.path.abspath(cwd / file.parent)
        self._known: dict[str, str] = {}

    def relative(self, shown: str) -> str:
        if shown not in self._known:
            relative = os.path.relpath(os.path.abspath(self.cwd / shown), self.directory)
            self._known[shown] = Path(relative).as_posix()
        return self._known[shown]

    def of(self, finding: Finding) -> str:
        return self.relative(finding.path)


def _shown(value: object) -> str:
    text = repr(value)
    return visible(text if len(text) <= 40 else f"{text[:37]}...")
