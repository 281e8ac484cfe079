"""Reports of unchanged files, kept between runs so that re-linting a tree costs a read and a hash.

An entry is one file's report, under the path it is shown as, valid while the file's bytes hash
the same (and, for findings that read a Django project's settings, the project modules whose
wrappers were followed, the Python versions a project declares, the files that tell its
database engine or the lock files and pins that tell its drivers' versions, while those files do
too).
Entries live in one JSON file per pinlint build and effective configuration, so an upgrade, an
edited rule or a changed setting starts afresh instead of serving stale findings.

The cache directory may come with the repository under review, so nothing in it is trusted: an
entry of the wrong shape is a miss (and is rewritten), and each entry carries a checksum keyed by
what the file name is derived from (including the sizes and modification times of pinlint's own
files, which a repository cannot know), so an entry pinlint did not write here is a miss too.
Links are never followed out of the directory, and a directory that is not pinlint's (the
project itself, a directory holding other files) is refused rather than written into.
"""

from __future__ import annotations

import errno
import hashlib
import hmac
import json
import os
import stat
from dataclasses import asdict
from pathlib import Path

import pinlint
from pinlint.diagnostics import Confidence, DialectReading, Evidence, Finding, Severity
from pinlint.engine import Report
from pinlint.project_python import declaration_files
from pinlint.project_versions import project_versions_files
from pinlint.python.project import django_settings_files
from pinlint.python.project_dialect import project_dialect_files
from pinlint.reading import read_regular_file
from pinlint.rules import BY_CODE
from pinlint.settings import Settings
from pinlint.targets import Target

DEFAULT_DIRECTORY = ".pinlint_cache"
# A cache file larger than this is not read (the run starts afresh): a hundred thousand entries.
MAX_CACHE_BYTES = 256 * 1024 * 1024
_HEX_DIGEST = 64  # hex digits of a sha256
_CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by pinlint.\n"
    "# For information about cache directory tags, see https://bford.info/cachedir/\n"
)


def refusal(directory: Path, project_directories: list[Path]) -> str | None:
    """Why ``directory`` cannot be the cache (None when it can): it is a link, it is or holds one
    of ``project_directories`` (the cache's `.gitignore` would hide them from git and pinlint),
    or it exists and is neither empty nor pinlint's."""
    if os.path.islink(directory):
        return "it is a symbolic link"
    resolved = Path(os.path.realpath(directory))
    for project in project_directories:
        real = Path(os.path.realpath(project))
        if resolved == real:
            return "it is the project itself"
        if resolved in real.parents:
            return "it holds the project"
    try:
        names = os.listdir(directory)
    except OSError:
        return None  # created on the first save; or saving warns why it cannot be
    if names and not _is_tagged(directory):
        return "it is neither empty nor a pinlint cache (no CACHEDIR.TAG written by pinlint)"
    return None


def _is_tagged(directory: Path) -> bool:
    try:
        return read_regular_file(directory / "CACHEDIR.TAG", len(_CACHEDIR_TAG), follow_links=False) == _CACHEDIR_TAG.encode()
    except OSError:
        return False


class Cache:
    def __init__(self, directory: Path, settings: Settings) -> None:
        self.directory = directory
        configuration = _configuration(settings)
        self.file = directory / pinlint.__version__ / f"{hashlib.sha256(configuration).hexdigest()[:32]}.json"
        # The checksums' key: derived from the configuration like the file name, but not from it.
        self._key = hashlib.sha256(b"pinlint cache entries\0" + configuration).digest()
        self._entries: dict[str, dict] = _load(self.file)
        self._changed = False
        self._seen: set[str] = set()  # files read in this run: they exist
        self._module_digests: dict[Path, str | None] = {}  # project modules read in this run

    def _module_digest(self, path: Path) -> str | None:
        """Many files import the same project modules: each is read once per run."""
        if path not in self._module_digests:
            self._module_digests[path] = _file_digest(path)
        return self._module_digests[path]

    @staticmethod
    def digest(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()

    def get(self, display: str, digest: str) -> Report | None:
        """The report of the file shown as ``display`` whose bytes hash to ``digest``; None on a
        miss, which includes an entry that is damaged or that pinlint did not write."""
        self._seen.add(display)
        entry = self._entries.get(display)
        if (
            not _well_formed(entry, display)
            or entry["sha256"] != digest
            or not hmac.compare_digest(entry["check"], self._check(display, entry))
            or not _unchanged(entry["django_settings"], django_settings_files)
            or not _unchanged(entry["project_python"], declaration_files)
            or not _unchanged(entry["dialect_project"], project_dialect_files)
            or not _unchanged(entry["project_versions"], project_versions_files)
            or any(self._module_digest(Path(path)) != digest for path, digest in entry["project_modules"])
        ):
            return None
        findings = [_finding(item) for item in entry["findings"]]
        sources = {display: entry["lines"]} if entry["lines"] is not None else {}
        return Report(findings=findings, sources=sources, files=1)

    def put(self, display: str, digest: str, report: Report) -> None:
        entry = {
            "sha256": digest,
            "findings": [asdict(finding) for finding in report.findings],
            "lines": report.sources.get(display),
            "django_settings": [_state(Path(d), django_settings_files) for d in dict.fromkeys(report.django_settings_of)],
            "project_python": [_state(Path(d), declaration_files) for d in dict.fromkeys(report.project_python_of)],
            "project_modules": [[p, self._module_digest(Path(p))] for p in dict.fromkeys(report.project_modules_of)],
            "dialect_project": [_state(Path(d), project_dialect_files) for d in dict.fromkeys(report.dialect_project_of)],
            "project_versions": [_state(Path(d), project_versions_files) for d in dict.fromkeys(report.versions_project_of)],
        }
        entry["check"] = self._check(display, entry)
        self._entries[display] = entry
        self._changed = True

    def _check(self, display: str, entry: dict) -> str:
        fields = [
            display, entry["sha256"], entry["findings"], entry["lines"], entry["django_settings"],
            entry["project_modules"], entry["project_python"], entry["dialect_project"], entry["project_versions"],
        ]
        return hmac.new(self._key, json.dumps(fields, separators=(",", ":")).encode(), hashlib.sha256).hexdigest()

    def save(self, root: Path) -> None:
        """Write the entries back, without those of files that no longer exist under ``root``
        (where shown paths are relative to). Raises OSError when the directory is not writable."""
        gone = [display for display in self._entries if display not in self._seen and not (root / display).exists()]
        for display in gone:
            del self._entries[display]
        if not self._changed and not gone:
            return
        self.directory.mkdir(parents=True, exist_ok=True)  # where it lies is the user's choice
        _real_directory(self.directory)
        _real_directory(self.file.parent)
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
    if os.path.islink(file.parent):
        return {}
    try:
        data = read_regular_file(file, MAX_CACHE_BYTES, follow_links=False)
        entries = json.loads(data) if len(data) <= MAX_CACHE_BYTES else {}
    except (OSError, ValueError, RecursionError):  # missing, unreadable, damaged or hostile: start afresh
        return {}
    return entries if isinstance(entries, dict) else {}


def _real_directory(directory: Path) -> None:
    """Create ``directory`` unless it exists; OSError when it is, or has become, a link."""
    try:
        directory.mkdir()
    except FileExistsError:
        pass
    if not stat.S_ISDIR(os.lstat(directory).st_mode):
        raise OSError(errno.ENOTDIR, f"{directory.name} is not a directory (pinlint does not write through links)", str(directory))


def _mark(directory: Path) -> None:
    """A CACHEDIR.TAG keeps backup tools out, a `.gitignore` keeps it out of commits. Either is
    created afresh or left as it is: never written through a link."""
    for name, text in (("CACHEDIR.TAG", _CACHEDIR_TAG), (".gitignore", "# Created by pinlint.\n*\n")):
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        try:
            descriptor = os.open(directory / name, flags, 0o644)
        except FileExistsError:  # also a dangling link: O_EXCL does not follow it
            continue
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            out.write(text)


def _configuration(settings: Settings) -> bytes:
    """What the findings of a file depend on besides its bytes: pinlint's own code (so an
    edited checkout is never served stale findings) and the settings that change findings."""
    relevant = [
        [target.value for target in settings.targets],
        settings.dialect,
        sorted(settings.enabled_codes()),
        settings.min_confidence.value,
        [[pattern, list(codes)] for pattern, codes in settings.per_file_ignores],
        settings.first_pass,
        # The deployment's evidence files: a changed pgbouncer.ini changes findings everywhere.
        settings.deployment.fingerprint() if settings.deployment is not None else None,
        _code_fingerprint(),
    ]
    return json.dumps(relevant).encode()


def _code_fingerprint() -> list:
    package = Path(pinlint.__file__).parent
    stats = [(str(f.relative_to(package)), f.stat()) for f in sorted(package.rglob("*.py"))]
    return [[name, stat.st_size, stat.st_mtime_ns] for name, stat in stats]


def _state(directory: Path, files_of) -> list:
    """The files ``files_of(directory)`` finds (a Django project's settings, the files that declare
    a project's Python, the files that tell its database engine or its drivers' versions) with
    their digests: an entry depends on them."""
    return [str(directory), [[str(f), _file_digest(f)] for f in files_of(directory)]]


def _unchanged(states: list, files_of) -> bool:
    return all(_state(Path(directory), files_of) == [directory, files] for directory, files in states)


def _file_digest(path: Path) -> str | None:
    from pinlint.engine import MAX_FILE_BYTES

    try:
        return hashlib.sha256(read_regular_file(path, MAX_FILE_BYTES)).hexdigest()
    except OSError:
        return None


def _finding(item: dict) -> Finding:
    reading = item["dialect"]
    if reading is not None:
        reading = DialectReading(reading["name"], tuple(Evidence(**e) for e in reading["evidence"]))
    return Finding(**{
        **item, "severity": Severity(item["severity"]), "confidence": Confidence(item["confidence"]), "dialect": reading,
    })


# The shape of an entry, checked field by field before anything in it is used.
_ENTRY_KEYS = {
    "sha256", "findings", "lines", "django_settings", "project_modules", "project_python", "dialect_project",
    "project_versions", "check",
}
_FINDING_TYPES = {
    "path": str, "row": int, "col": int, "code": str, "message": str, "end_row": int, "end_col": int,
    "name": str, "fix": str, "severity": str, "confidence": str, "consequences": dict, "dialect": (dict, type(None)),
}
_EVIDENCE_TYPES = {"source": str, "dialect": str, "reason": str, "path": (str, type(None))}
_SEVERITIES = {s.value for s in Severity}
_CONFIDENCES = {c.value for c in Confidence}
_TARGETS = {t.value for t in Target}


def _well_formed(entry: object, display: str) -> bool:
    if not isinstance(entry, dict) or entry.keys() != _ENTRY_KEYS:
        return False
    lines = entry["lines"]
    return (
        _is_hex(entry["sha256"], _HEX_DIGEST)
        and _is_hex(entry["check"], _HEX_DIGEST)
        and isinstance(entry["findings"], list)
        and all(_well_formed_finding(item, display) for item in entry["findings"])
        and (lines is None or isinstance(lines, list) and all(isinstance(line, str) for line in lines))
        and all(
            _well_formed_states(entry[key])
            for key in ("django_settings", "project_python", "dialect_project", "project_versions")
        )
        and _well_formed_pairs(entry["project_modules"])
    )


def _well_formed_finding(item: object, display: str) -> bool:
    if not isinstance(item, dict) or item.keys() != _FINDING_TYPES.keys():
        return False
    # `type`, not `isinstance`: True is no row.
    if not all(type(item[key]) in (kind if isinstance(kind, tuple) else (kind,)) for key, kind in _FINDING_TYPES.items()):
        return False
    rule = BY_CODE.get(item["code"])
    return (
        item["path"] == display
        and rule is not None
        and item["name"] == rule.name
        and min(item["row"], item["col"], item["end_row"], item["end_col"]) >= 1
        and item["severity"] in _SEVERITIES
        and item["confidence"] in _CONFIDENCES
        and all(target in _TARGETS and isinstance(word, str) for target, word in item["consequences"].items())
        and (item["dialect"] is None or _well_formed_reading(item["dialect"]))
    )


def _well_formed_reading(reading: dict) -> bool:
    """``{"name": ..., "evidence": [{"source", "dialect", "reason", "path"}, ...]}``, as `asdict` writes a `DialectReading`."""
    evidence = reading.get("evidence")
    return (
        reading.keys() == {"name", "evidence"}
        and isinstance(reading["name"], str)
        and isinstance(evidence, list)
        and all(
            isinstance(e, dict) and e.keys() == _EVIDENCE_TYPES.keys()
            and all(isinstance(e[key], kind) for key, kind in _EVIDENCE_TYPES.items())
            for e in evidence
        )
    )


def _well_formed_states(states: object) -> bool:
    return isinstance(states, list) and all(_well_formed_state(state) for state in states)


def _well_formed_state(state: object) -> bool:
    """``[directory, [[file, digest or None], ...]]``, as `_state` writes it."""
    if not (isinstance(state, list) and len(state) == 2 and isinstance(state[0], str) and isinstance(state[1], list)):
        return False
    return _well_formed_pairs(state[1])


def _well_formed_pairs(pairs: object) -> bool:
    """``[[file, digest or None], ...]``."""
    return isinstance(pairs, list) and all(
        isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)
        and (pair[1] is None or _is_hex(pair[1], _HEX_DIGEST))
        for pair in pairs
    )


def _is_hex(value: object, length: int) -> bool:
    return isinstance(value, str) and len(value) == length and all(c in "0123456789abcdef" for c in value)
