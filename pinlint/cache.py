"""Reports of unchanged files, kept between runs so that re-linting a tree costs a read and a hash.

An entry is one file's report, under the path it is shown as, valid while the file's bytes hash
the same (and, for findings that read a Django project's settings, while those files do too).
Entries live in one JSON file per pinlint build and effective configuration, so an upgrade, an
edited rule or a changed setting starts afresh instead of serving stale findings.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict
from pathlib import Path

import pinlint
from pinlint.diagnostics import Confidence, Finding, Severity
from pinlint.engine import Report
from pinlint.python.project import django_settings_files
from pinlint.settings import Settings

DEFAULT_DIRECTORY = ".pinlint_cache"
_CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by pinlint.\n"
    "# For information about cache directory tags, see https://bford.info/cachedir/\n"
)


class Cache:
    def __init__(self, directory: Path, settings: Settings) -> None:
        self.directory = directory
        self.file = directory / pinlint.__version__ / f"{_configuration_key(settings)}.json"
        self._entries: dict[str, dict] = _load(self.file)
        self._changed = False
        self._seen: set[str] = set()  # files read in this run: they exist

    @staticmethod
    def digest(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()

    def get(self, display: str, digest: str) -> Report | None:
        self._seen.add(display)
        entry = self._entries.get(display)
        if entry is None or entry["sha256"] != digest or not _settings_unchanged(entry["django_settings"]):
            return None
        findings = [_finding(item) for item in entry["findings"]]
        sources = {display: entry["lines"]} if entry["lines"] is not None else {}
        return Report(findings=findings, sources=sources, files=1)

    def put(self, display: str, digest: str, report: Report) -> None:
        self._entries[display] = {
            "sha256": digest,
            "findings": [asdict(finding) for finding in report.findings],
            "lines": report.sources.get(display),
            "django_settings": [_settings_state(d) for d in dict.fromkeys(report.django_settings_of)],
        }
        self._changed = True

    def save(self, root: Path) -> None:
        """Write the entries back, without those of files that no longer exist under ``root``
        (where shown paths are relative to). Raises OSError when the directory is not writable."""
        gone = [display for display in self._entries if display not in self._seen and not (root / display).exists()]
        for display in gone:
            del self._entries[display]
        if not self._changed and not gone:
            return
        self.file.parent.mkdir(parents=True, exist_ok=True)
        _mark(self.directory)
        import tempfile  # a warm run writes nothing

        handle, temporary = tempfile.mkstemp(dir=self.file.parent, suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(self._entries, out, separators=(",", ":"))
            os.replace(temporary, self.file)
        except BaseException:
            os.unlink(temporary)
            raise


def _load(file: Path) -> dict[str, dict]:
    try:
        entries = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # missing, unreadable or damaged: start afresh
        return {}
    return entries if isinstance(entries, dict) else {}


def _mark(directory: Path) -> None:
    """A CACHEDIR.TAG keeps backup tools out, a `.gitignore` keeps it out of commits."""
    for name, text in (("CACHEDIR.TAG", _CACHEDIR_TAG), (".gitignore", "# Created by pinlint.\n*\n")):
        if not (directory / name).exists():
            (directory / name).write_text(text, encoding="utf-8")


def _configuration_key(settings: Settings) -> str:
    """What the findings of a file depend on besides its bytes: pinlint's own code (so an
    edited checkout is never served stale findings) and the settings that change findings."""
    relevant = [
        [target.value for target in settings.targets],
        settings.dialect,
        sorted(settings.enabled_codes()),
        settings.min_confidence.value,
        [[pattern, list(codes)] for pattern, codes in settings.per_file_ignores],
        settings.first_pass,
        _code_fingerprint(),
    ]
    return hashlib.sha256(json.dumps(relevant).encode()).hexdigest()[:32]


def _code_fingerprint() -> list:
    package = Path(pinlint.__file__).parent
    stats = [(str(f.relative_to(package)), f.stat()) for f in sorted(package.rglob("*.py"))]
    return [[name, stat.st_size, stat.st_mtime_ns] for name, stat in stats]


def _settings_state(directory: Path) -> list:
    files = django_settings_files(directory)
    return [str(directory), [[str(f), _file_digest(f)] for f in files]]


def _settings_unchanged(states: list) -> bool:
    return all(_settings_state(Path(directory)) == [directory, files] for directory, files in states)


def _file_digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _finding(item: dict) -> Finding:
    return Finding(**{**item, "severity": Severity(item["severity"]), "confidence": Confidence(item["confidence"])})
