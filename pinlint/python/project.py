"""Facts about the project around a file that its own source cannot tell: for Django, whether the
settings keep server-side cursors (`.iterator()` depends on it).

Settings are found the way `manage.py` finds them (its `DJANGO_SETTINGS_MODULE`), or else as a
`settings.py` / `settings/` package next to the project root (the nearest directory holding
`manage.py`, `.git`, `pyproject.toml` or `setup.cfg`).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from pinlint.reading import file_stamps, read_regular_file

_SETTINGS_MODULE = re.compile(r"DJANGO_SETTINGS_MODULE['\"]\s*,\s*['\"]([\w.]+)['\"]")
_ROOT_MARKERS = (".git", "pyproject.toml", "setup.cfg")
_DISABLED_BY_ASSIGNMENT = re.compile(r"DISABLE_SERVER_SIDE_CURSORS['\"]\s*\]\s*=\s*(?!False)")
# Settings modules are short (Django's own template is 3 KiB); one beyond what the engine analyses
# in a linted file (`MAX_ANALYSED_CHARACTERS`) is not read either.
MAX_SETTINGS_CHARACTERS = 1024 * 1024
# The project's settings name `DATABASES`, but not in a way pinlint can read.
SETTINGS_UNREADABLE = "unreadable"


def django_settings_files(directory: Path) -> tuple[Path, ...]:
    """The Django settings modules in scope of ``directory``."""
    return _settings_files(directory.resolve())


def django_server_side_cursors(files: tuple[Path, ...]) -> bool | str | None:
    """Whether these settings keep server-side cursors on a PostgreSQL database; None when there
    are no settings, `SETTINGS_UNREADABLE` when they name `DATABASES` but pinlint cannot read it
    (built by a function of another library, say)."""
    return _verdict(files, file_stamps(files))



@lru_cache(maxsize=256)
def _settings_files(directory: Path) -> tuple[Path, ...]:
    for current in (directory, *directory.parents):
        manage = current / "manage.py"
        if manage.is_file():
            return _from_manage(manage) or _near(current)
        if any((current / marker).exists() for marker in _ROOT_MARKERS):
            return _near(current)
    return ()


def _from_manage(manage: Path) -> tuple[Path, ...]:
    try:
        match = _SETTINGS_MODULE.search(_read(manage))
    except OSError:
        return ()
    if match is None:
        return ()
    for base in (manage.parent, manage.parent / "src"):
        module = base.joinpath(*match.group(1).split("."))
        if module.with_suffix(".py").is_file():
            return (module.with_suffix(".py"),)
        if module.is_dir():  # a settings package: base, production, ...
            return tuple(sorted(module.glob("*.py")))
    return ()


def _read(path: Path) -> str:
    """A project file that is no source of findings itself: a pipe or device is an OSError, and
    what lies past the size limit is never read."""
    return read_regular_file(path, MAX_SETTINGS_CHARACTERS).decode("utf-8", errors="replace")


def _near(root: Path) -> tuple[Path, ...]:
    found = [root / "settings.py", *root.glob("*/settings.py"), *root.glob("*/settings/*.py")]
    return tuple(sorted(p for p in found if p.is_file()))


@lru_cache(maxsize=256)
def _verdict(files: tuple[Path, ...], stamps: tuple) -> bool | None:
    import libcst as cst  # finding the settings files (the cache checks them) needs no parser

    from pinlint.drivers.django import server_side_cursors
    from pinlint.python.deep import on_large_stack
    from pinlint.python.first_pass import check_python
    from pinlint.python.project_index import ProjectModules
    from pinlint.python.visitor import SqlCollector
    from pinlint.python.walk import walk

    def databases(text: str, path: Path) -> list:
        """The connections of the module's `DATABASES`, however the module builds it (literals,
        item assignments, `dj_database_url`, another module's constant, ...). Python's parser
        judges the text first: libcst's crashes on some of what Python refuses (deep brackets)."""
        check_python(text)
        collector = SqlCollector(lambda name: None, ProjectModules(path, text))
        walk(cst.parse_module(text), collector)
        return collector.django_settings

    connections = []
    disabled_elsewhere = named = False
    for path in files:
        try:
            text = _read(path)
            if len(text) > MAX_SETTINGS_CHARACTERS:
                continue
            connections.extend(on_large_stack(databases, text, path))
        except (OSError, SyntaxError, ValueError, cst.ParserSyntaxError, RecursionError, MemoryError):
            continue  # settings pinlint cannot read are no evidence either way
        disabled_elsewhere |= bool(_DISABLED_BY_ASSIGNMENT.search(text))
        named |= "DATABASES" in text
    if not connections:
        return SETTINGS_UNREADABLE if named and not disabled_elsewhere else None
    return server_side_cursors(connections) and not disabled_elsewhere
