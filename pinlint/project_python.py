"""The Python versions a project supports, as it declares them: what decides whether a file's syntax
is an error (PIN900) when the Python running pinlint is older or newer than the project's.

Read at the project's root, the nearest directory above a file holding a `pyproject.toml` with a
`[project]` table, a `setup.cfg` or a `setup.py` (and never above a repository's root, `.git`):
`requires-python` in `[project]`, else `python_requires` in `setup.cfg`'s `[options]`, else in
`setup.py` when it is written as a string literal. Without a declaration, or with one that cannot
be read or admits no version of Python 3, any version is taken as supported.

A declaration is a PEP 440 version specifier (`>=3.12`, `>=3.9,<3.13`, `~=3.10`, `!=3.11.*`);
pre-release and local parts of its versions are left out, and only Python 3 is looked at.
"""

from __future__ import annotations

import configparser
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from itertools import groupby
from pathlib import Path

from pinlint.reading import file_stamps, read_regular_file

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

_DECLARING = ("pyproject.toml", "setup.cfg", "setup.py")
# Far more than any real one; a larger file is not read.
MAX_DECLARATION_BYTES = 1024 * 1024
_MINORS = range(100)  # the versions of Python 3 a declaration is evaluated on


@dataclass(frozen=True)
class ProjectPython:
    """What a project declares: ``declared`` as written, and the minor versions of Python 3 it
    admits (None: it declares nothing pinlint can use, so every version is supported)."""

    declared: str | None = None
    minors: frozenset[int] | None = None

    def admits_from(self, version: tuple[int, int]) -> bool:
        """Whether the project supports ``version`` or a newer one."""
        return self.minors is None or any((3, minor) >= version for minor in self.minors)

    @property
    def minimum(self) -> tuple[int, int] | None:
        return None if self.minors is None else (3, min(self.minors))


def declaration_files(directory: Path) -> tuple[Path, ...]:
    """The files, nearest first, that can declare the Python of the project around ``directory``:
    what a cache entry that depended on it must watch."""
    return _candidates(directory.resolve())


def project_python(directory: Path) -> ProjectPython:
    """The Python versions the project around ``directory`` supports."""
    files = declaration_files(directory)
    return _declared(files, file_stamps(files))


@lru_cache(maxsize=256)
def _candidates(directory: Path) -> tuple[Path, ...]:
    found: list[Path] = []
    for current in (directory, *directory.parents):
        found.extend(path for name in _DECLARING if (path := current / name).is_file())
        if (current / ".git").exists():
            break
    return tuple(found)



@lru_cache(maxsize=256)
def _declared(files: tuple[Path, ...], stamps: tuple) -> ProjectPython:
    for _, group in groupby(files, key=lambda path: path.parent):
        present = {path.name: path for path in group}
        table = _project_table(present["pyproject.toml"]) if "pyproject.toml" in present else None
        if table is None and "setup.cfg" not in present and "setup.py" not in present:
            continue  # a `pyproject.toml` of tools' settings only: not a project's root
        specifier = (table or {}).get("requires-python")
        if not isinstance(specifier, str) and "setup.cfg" in present:
            specifier = _setup_cfg(present["setup.cfg"])
        if not isinstance(specifier, str) and "setup.py" in present:
            specifier = _setup_py(present["setup.py"])
        return _evaluated(specifier) if isinstance(specifier, str) else ProjectPython()
    return ProjectPython()


def _text(path: Path) -> str | None:
    try:
        data = read_regular_file(path, MAX_DECLARATION_BYTES)
    except OSError:
        return None
    return data.decode("utf-8", errors="replace") if len(data) <= MAX_DECLARATION_BYTES else None


def _project_table(path: Path) -> dict | None:
    text = _text(path)
    try:
        table = tomllib.loads(text).get("project") if text is not None else None
    except (tomllib.TOMLDecodeError, RecursionError):
        return None
    return table if isinstance(table, dict) else None


def _setup_cfg(path: Path) -> str | None:
    text = _text(path)
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text or "")
    except configparser.Error:
        return None
    return parser.get("options", "python_requires", fallback=None)


# `python_requires=">=3.8"` with a literal: one written any other way (a variable) is not read.
_PYTHON_REQUIRES = re.compile(r"""\bpython_requires\s*=\s*[rRuU]?(?:"([^"\\\r\n]*)"|'([^'\\\r\n]*)')""")


def _setup_py(path: Path) -> str | None:
    match = _PYTHON_REQUIRES.search(_text(path) or "")
    return None if match is None else match.group(1) if match.group(1) is not None else match.group(2)


# An operator and a version, whose pre-, post-, dev-release and local parts are matched and left out.
_CLAUSE = re.compile(r"\s*(~=|===|==|!=|<=|>=|<|>)\s*v?(\d+(?:\.\d+)*)(\.\*)?(?:[-_.]?[a-zA-Z][-_.a-zA-Z0-9]*)?(?:\+[\w.]*)?\s*")
MAX_SPECIFIER_CHARACTERS = 1000  # real ones are a few clauses long


def _evaluated(specifier: str) -> ProjectPython:
    if len(specifier) > MAX_SPECIFIER_CHARACTERS:
        return ProjectPython()
    clauses = []
    for text in specifier.split(","):
        match = _CLAUSE.fullmatch(text)
        if match is None:
            return ProjectPython()
        operator, version, wildcard = match.groups()
        clauses.append((operator, tuple(int(part) for part in version.split(".")), wildcard is not None))
    minors = frozenset(minor for minor in _MINORS if _admitted(minor, clauses))
    return ProjectPython(specifier.strip(), minors) if minors else ProjectPython()


def _admitted(minor: int, clauses: list) -> bool:
    """Whether some release 3.``minor``.x satisfies every clause. Which ones do changes only at
    the micro versions the clauses name, so those, their neighbours and both ends are tried."""
    micros = {0, 1, 999}
    for _, version, _ in clauses:
        if version[:2] == (3, minor) and len(version) > 2:
            micros.update((max(version[2] - 1, 0), version[2], version[2] + 1))
    return any(all(_satisfies((3, minor, micro), *clause) for clause in clauses) for micro in micros)


def _satisfies(release: tuple[int, ...], operator: str, version: tuple[int, ...], wildcard: bool) -> bool:
    if wildcard:  # `==3.11.*`, `!=3.11.*`: a prefix match
        matches = _padded(release, len(version))[: len(version)] == version
        return matches if operator == "==" else not matches
    if operator == "~=":  # `~=3.10` is `>=3.10, ==3.*`; `~=3.10.2` is `>=3.10.2, ==3.10.*`
        prefix = version[:-1] if len(version) > 1 else version
        return _satisfies(release, ">=", version, False) and _satisfies(release, "==", prefix, True)
    size = max(len(release), len(version))
    release, version = _padded(release, size), _padded(version, size)
    if operator in ("==", "==="):
        return release == version
    if operator == "!=":
        return release != version
    if operator == "<=":
        return release <= version
    if operator == ">=":
        return release >= version
    return release < version if operator == "<" else release > version


def _padded(version: tuple[int, ...], size: int) -> tuple[int, ...]:
    return version + (0,) * (size - len(version))
