"""The versions of the database drivers and frameworks a project installs, as its lock files and
pins say: what decides the consequences that changed between releases (asyncpg's unnamed
statements since 0.31, psycopg's PgBouncer support since 3.2, SQLAlchemy's
`prepared_statement_name_func` since 2.0.10, Django's psycopg 3 backend since 4.2).

Three kinds of source, strongest first; the first kind that names a package gives its version:

1. lock files: `uv.lock`, `poetry.lock`, `pdm.lock` (each `[[package]]`'s name and version) and
   `Pipfile.lock` (`"version": "==0.29.0"` under `default` and `develop`);
2. pins in requirements files (`requirements*.txt`, `requirements/*.txt`, `constraints*.txt` and
   what they include with `-r` and `-c`): `asyncpg==0.29.0`;
3. pins the project declares: `pyproject.toml` (`asyncpg==0.29.0` in PEP 621 lists, `"0.29.0"` or
   `"==0.29.0"` in Poetry's tables) and `Pipfile`.

Where one kind names several versions of a package (two requirements files, a lock file's forks),
a question is answered only when they all give the same answer. Ranges (`>=0.29`) are not pins
and say nothing here.

The files are looked for in the linted file's directory and each parent up to the project's root
(`pinlint.python.project_dialect`), and on up to the repository's root (`.git`), where a
workspace keeps its one lock file, but never above the nearest directory holding a lock file. Every file is read bounded and parsed by `tomllib` or `json`;
one that does not parse, or holds something else than expected, tells nothing.
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, NamedTuple

from pinlint.reading import file_stamps, read_regular_file

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

# A large project's uv.lock is a few MiB; a larger file is not read.
MAX_LOCK_BYTES = 16 * 1024 * 1024
MAX_INCLUDED_FILES = 64  # `-r`/`-c` files followed, in all
_LOCKS = ("uv.lock", "poetry.lock", "pdm.lock", "Pipfile.lock")
_DECLARING = ("pyproject.toml", "Pipfile")
_REQUIREMENTS = re.compile(r"(?:requirements|constraints).*\.txt")
_INCLUDE = re.compile(r"^[ \t]*(?:-r|-c|--requirement|--constraint)(?:[ \t]*=[ \t]*|[ \t]+)(\S+)", re.MULTILINE)

# The distributions whose versions rules ask about, by the name they are known as (PEP 503
# normalised); psycopg's and psycopg2's binary builds share their versions.
_KNOWN = {
    "asyncpg": "asyncpg", "psycopg": "psycopg", "psycopg-binary": "psycopg", "psycopg-c": "psycopg",
    "psycopg2": "psycopg2", "psycopg2-binary": "psycopg2", "sqlalchemy": "SQLAlchemy", "django": "Django",
}
# A release as PEP 440 writes it, with the pre-, post-, dev-release and local parts it may have.
_VERSION = re.compile(
    r"v?(\d{1,9}(?:\.\d{1,9}){0,5})((?:[-_.]?(?:a|b|c|rc|alpha|beta|pre|preview|dev|post|rev|r)[-_.]?\d{0,9}){0,4})"
    r"(?:\+[a-z0-9.]{1,40})?",
    re.IGNORECASE,
)
_CLAUSE = re.compile(r"(===|==|=?)\s*(.*)", re.DOTALL)
_BEFORE_RELEASE = re.compile(r"a|b|c|rc|alpha|beta|pre|preview|dev", re.IGNORECASE)


@dataclass(frozen=True)
class Pinned:
    """One version of a package, and the file that says so (as a path from the project's root)."""

    package: str  # as rules name it: "asyncpg", "SQLAlchemy"
    version: str  # as written: "0.29.0"
    source: str  # "uv.lock", "requirements/prod.txt"

    def __str__(self) -> str:
        return f"{self.package} {self.version} from {self.source}"

    def at_least(self, release: tuple[int, ...]) -> bool:
        """Whether this version is ``release`` or newer; a pre-release of ``release`` is older."""
        match = _VERSION.fullmatch(self.version)
        assert match is not None  # only such versions are kept
        own = tuple(int(part) for part in match.group(1).split("."))
        size = max(len(own), len(release))
        own, wanted = own + (0,) * (size - len(own)), release + (0,) * (size - len(release))
        return own > wanted or own == wanted and not _BEFORE_RELEASE.search(match.group(2))


class Known(NamedTuple):
    """The answer to "is it at least that release?", and the version it was read from."""

    at_least: bool
    pin: Pinned


@dataclass(frozen=True)
class ProjectVersions:
    pins: dict[str, tuple[Pinned, ...]]  # by package, from the strongest kind of source naming it
    lock: str | None = None  # a lock file read: it lists every package the project installs

    def since(self, package: str, release: tuple[int, ...]) -> Known | None:
        """Whether ``package`` is ``release`` or newer; None when no version is known, or the
        known ones disagree."""
        pins = self.pins.get(package, ())
        answers = {pin.at_least(release) for pin in pins}
        return Known(answers.pop(), pins[0]) if len(answers) == 1 else None

    def installed(self, package: str) -> bool | None:
        """Whether the project installs ``package``; None when only a lock file could tell, and
        there is none."""
        if self.pins.get(package):
            return True
        return False if self.lock is not None else None


NONE_KNOWN = ProjectVersions({})


class LazyVersions:
    """A project's versions as rules see them: read when a rule first asks (``load`` records that
    the findings now depend on the files they come from)."""

    def __init__(self, load: Callable[[], ProjectVersions]) -> None:
        self._load = load
        self._versions: ProjectVersions | None = None

    @property
    def _read(self) -> ProjectVersions:
        if self._versions is None:
            self._versions = self._load()
        return self._versions

    def since(self, package: str, release: tuple[int, ...]) -> Known | None:
        return self._read.since(package, release)

    def installed(self, package: str) -> bool | None:
        return self._read.installed(package)

    @property
    def lock(self) -> str | None:
        """The lock file read, as a path from the project's root."""
        return self._read.lock


NO_VERSIONS = LazyVersions(lambda: NONE_KNOWN)


def project_versions_files(directory: Path) -> tuple[Path, ...]:
    """The files that tell the versions of the project around ``directory``: what a cache entry
    that depended on them must watch."""
    _, boundary, listed = _listed(directory.resolve())
    return _with_included(boundary, listed, file_stamps(listed))


def project_versions(directory: Path) -> ProjectVersions:
    """The versions of the packages rules ask about, in the project around ``directory``."""
    files = project_versions_files(directory)
    if not files:
        return NONE_KNOWN
    return _versions(_listed(directory.resolve())[0], files, file_stamps(files))


@lru_cache(maxsize=256)
def _listed(directory: Path) -> tuple[Path | None, Path | None, tuple[Path, ...]]:
    """The project's root, which the files are shown from; the outermost directory looked in,
    which included files must lie in; and the files that may pin versions, nearest first."""
    # Imported once a rule asks: rules load without them.
    from pinlint.python.project_dialect import directory_names, project_levels

    found: list[Path] = []
    searched: list[Path] = []
    for level in _levels(directory):
        searched.append(level)
        names = directory_names(level)
        found.extend(level / name for name in sorted(names) if name in _LOCKS or name in _DECLARING or _REQUIREMENTS.fullmatch(name))
        if "requirements" in names:
            inside = level / "requirements"
            found.extend(inside / name for name in sorted(directory_names(inside)) if name.endswith(".txt"))
        if not names.isdisjoint(_LOCKS):
            break  # the nearest lock file is the project's: what lies above belongs to another
    levels = project_levels(directory)
    return (levels[-1] if levels else None), (searched[-1] if searched else None), tuple(p for p in found if p.is_file())


@lru_cache(maxsize=256)
def _levels(directory: Path) -> tuple[Path, ...]:
    from pinlint.python.project_dialect import directory_names, project_levels

    levels = project_levels(directory)
    if not levels or ".git" in directory_names(levels[-1]):
        return levels
    above = []
    for parent in levels[-1].parents:
        above.append(parent)
        if ".git" in directory_names(parent):
            return levels + tuple(above)
    return levels  # no repository around: the project's root is as far as its files go


@lru_cache(maxsize=256)
def _with_included(boundary: Path | None, listed: tuple[Path, ...], stamps: tuple) -> tuple[Path, ...]:
    """``listed`` and the files their requirements files include (`-r`, `-c`), within the
    repository (or, without one, the project)."""
    files = list(listed)
    queue = [path for path in listed if _is_requirements(path)]
    while queue and len(files) < len(listed) + MAX_INCLUDED_FILES:
        path = queue.pop(0)
        for match in _INCLUDE.finditer(_text(path, MAX_LOCK_BYTES) or ""):
            included = Path(os.path.normpath(path.parent / match.group(1)))
            if boundary is None or boundary not in included.parents or included in files or not included.is_file():
                continue
            files.append(included)
            queue.append(included)
    return tuple(files)


def _is_requirements(path: Path) -> bool:
    return path.suffix == ".txt"  # the others are lock files and declarations


@lru_cache(maxsize=64)
def _versions(root: Path | None, files: tuple[Path, ...], stamps: tuple) -> ProjectVersions:
    tiers: tuple[dict[str, list[Pinned]], ...] = ({}, {}, {})
    lock = None
    for path in files:
        shown = Path(os.path.relpath(path, root)).as_posix() if root is not None else path.name
        if path.name in _LOCKS:
            found = _locked(path)
            if found is None:
                continue
            lock = lock or shown
            tier, pairs = tiers[0], found
        else:
            tier = tiers[1] if _is_requirements(path) else tiers[2]
            pairs = _pinned(path)
        for name, version in pairs:
            package = _KNOWN.get(re.sub(r"[-_.]+", "-", name).lower()) if isinstance(name, str) else None
            if package is not None and isinstance(version, str) and len(version) <= 64 and _VERSION.fullmatch(version.strip()):
                pin = Pinned(package, version.strip(), shown)
                if pin not in tier.setdefault(package, []):
                    tier[package].append(pin)
    pins: dict[str, tuple[Pinned, ...]] = {}
    for tier in tiers:
        for package, found_pins in tier.items():
            pins.setdefault(package, tuple(found_pins))
    return ProjectVersions(pins, lock)


def _locked(path: Path) -> list[tuple[object, object]] | None:
    """A lock file's (name, version) pairs; None when it cannot be read as one."""
    text = _text(path, MAX_LOCK_BYTES)
    if text is None:
        return None
    try:
        if path.name == "Pipfile.lock":
            data = json.loads(text)
            sections = [data.get(key) for key in ("default", "develop")] if isinstance(data, dict) else []
            return [
                (name, entry.get("version", "").removeprefix("=="))
                for section in sections if isinstance(section, dict)
                for name, entry in section.items() if isinstance(entry, dict) and isinstance(entry.get("version"), str)
            ]
        packages = tomllib.loads(text).get("package")
    except (ValueError, RecursionError):  # tomllib's and json's decode errors are ValueErrors
        return None
    if not isinstance(packages, list):
        return None
    return [(p.get("name"), p.get("version")) for p in packages if isinstance(p, dict)]


def _pinned(path: Path) -> list[tuple[str, str]]:
    """The exact versions a requirements file or a project's declaration pins."""
    from pinlint.python.requirements import POETRY, declared_requirements

    text = _text(path, MAX_LOCK_BYTES)
    found = []
    for requirement in declared_requirements(path, text or ""):
        clauses = [clause.strip() for clause in requirement.specifier.split(",")]
        if len(clauses) != 1:
            continue
        operator, version = _CLAUSE.fullmatch(clauses[0]).groups()  # type: ignore[union-attr]
        if operator in ("==", "===") or requirement.syntax == POETRY:  # Poetry's bare "0.29.0" is exact
            found.append((requirement.name, version))
    return found


def _text(path: Path, limit: int) -> str | None:
    try:
        data = read_regular_file(path, limit)
    except OSError:
        return None
    return data.decode("utf-8", errors="replace") if len(data) <= limit else None
